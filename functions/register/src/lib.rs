//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use keyturn::Result;
use keyturn::domain::signup::register::{RegisterRequest, register};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/register", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = RegisterRequest, responses((status = 200, description = "the new account's session", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<RegisterRequest>) -> Result<Reply> {
    Ok(register(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("register", hashes_passwords: true,
    "/api/appuser/register" => post(handle));
