//! `POST /api/appuser/signup`.

use keyturn::Result;
use keyturn::domain::signup::self_service::{SignupRequest, signup};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/signup", tag = "user", security(("app_token" = [])), request_body = SignupRequest, responses((status = 200, description = "`true` (code or link sent), or a session (flow `none`)", body = keyturn::wire::end_user::SignupReply)))]
async fn handle(Call(state, input, ctx): Call<SignupRequest>) -> Result<Reply> {
    Ok(signup(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("signup", hashes_passwords: true,
    "/api/appuser/signup" => post(handle));
