//! `POST /api/appuser/login`.

use keyturn::Result;
use keyturn::domain::login::password::{LoginRequest, login};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/login", tag = "user", security(("app_token" = [])), request_body = LoginRequest, responses((status = 200, description = "a session, or a login token when the second factor is due", body = keyturn::wire::end_user::LoginReply)))]
async fn handle(Call(state, input, ctx): Call<LoginRequest>) -> Result<Reply> {
    Ok(login(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("login", hashes_passwords: true,
    "/api/appuser/login" => post(handle));
