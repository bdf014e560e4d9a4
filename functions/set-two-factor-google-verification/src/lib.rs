//! `POST /api/appuser/setTwoFactorGoogleVerification` (access token; `twoFactor`, and
//! `password` or `code` to disable): the authenticator-app factor.

use keyturn::Result;
use keyturn::domain::factors::switch::{SetTwoFactor, set_google};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setTwoFactorGoogleVerification", tag = "user", security(("access_token" = [])), request_body = SetTwoFactor, responses((status = 200, description = "enabled (the enrolment) or disabled (`true`)", body = keyturn::wire::end_user::GoogleReply)))]
async fn handle(Call(state, input, ctx): Call<SetTwoFactor>) -> Result<Reply> {
    Ok(set_google(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-two-factor-google-verification", hashes_passwords: true,
    "/api/appuser/setTwoFactorGoogleVerification" => post(handle));
