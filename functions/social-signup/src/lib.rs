//! `POST /api/appuser/socialSignup`: an account for an Apple or Google identity.

use keyturn::Result;
use keyturn::domain::signup::social::{SocialSignupRequest, social_signup};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/socialSignup", tag = "user", security(("app_token" = [])), request_body = SocialSignupRequest, responses((status = 200, description = "the new account's session (415/416 provider off, 613 invalid token or handle not the token's verified email, 407 signup off, 610/611/612 the email or identity has an account)", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<SocialSignupRequest>) -> Result<Reply> {
    Ok(social_signup(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("social-signup", hashes_passwords: false,
    "/api/appuser/socialSignup" => post(handle));
