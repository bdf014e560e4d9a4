//! `POST /api/appuser/forgotPassword`.

use keyturn::Result;
use keyturn::domain::passwords::reset::{ForgotRequest, forgot_password};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/forgotPassword", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = ForgotRequest, responses((status = 200, description = "always `true` (no enumeration)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<ForgotRequest>) -> Result<Reply> {
    Ok(forgot_password(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("forgot-password", hashes_passwords: false,
    "/api/appuser/forgotPassword" => post(handle));
