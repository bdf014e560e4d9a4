//! `POST /api/appuser/resetPassword`.

use keyturn::Result;
use keyturn::domain::passwords::reset::{ResetRequest, reset_password};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/resetPassword", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = ResetRequest, responses((status = 200, description = "reset; every session ends", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<ResetRequest>) -> Result<Reply> {
    Ok(reset_password(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("reset-password", hashes_passwords: true,
    "/api/appuser/resetPassword" => post(handle));
