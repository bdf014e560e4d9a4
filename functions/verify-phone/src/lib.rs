//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use keyturn::Result;
use keyturn::domain::factors::phone::{VerifyPhoneRequest, verify_phone};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/verifyPhone", tag = "user", security(("access_token" = [])), request_body = VerifyPhoneRequest, responses((status = 200, description = "verified", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<VerifyPhoneRequest>) -> Result<Reply> {
    Ok(verify_phone(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("verify-phone", hashes_passwords: false,
    "/api/appuser/verifyPhone" => post(handle));
