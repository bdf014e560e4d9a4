//! `POST /api/appuser/setPhone` (access token; `phone` in E.164, and `password` while SMS login
//! is on): texts a verification code.

use keyturn::Result;
use keyturn::domain::factors::phone::{SetPhoneRequest, set_phone};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setPhone", tag = "user", security(("access_token" = [])), request_body = SetPhoneRequest, responses((status = 200, description = "a code is texted", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<SetPhoneRequest>) -> Result<Reply> {
    Ok(set_phone(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-phone", hashes_passwords: true,
    "/api/appuser/setPhone" => post(handle));
