//! `POST /api/appuser/setTwoFactorPhoneVerification` (access token; `twoFactor`, and
//! `password` or an SMS `code` to disable): the SMS factor.

use keyturn::Result;
use keyturn::domain::factors::switch::{SetTwoFactor, set_phone_login};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setTwoFactorPhoneVerification", tag = "user", security(("access_token" = [])), request_body = SetTwoFactor, responses((status = 200, description = "switched", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<SetTwoFactor>) -> Result<Reply> {
    Ok(set_phone_login(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-two-factor-phone-verification", hashes_passwords: true,
    "/api/appuser/setTwoFactorPhoneVerification" => post(handle));
