//! `POST /api/appuser/socialLogin`: Sign in with Apple or Google for an existing account.

use keyturn::Result;
use keyturn::domain::login::social::{SocialLoginRequest, social_login};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/socialLogin", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = SocialLoginRequest, responses((status = 200, description = "a session, or a login token when the user's second factor is due (415/416 provider off, 613 invalid token, 603 no account, 610/611/612 the email belongs to another account)", body = keyturn::wire::end_user::LoginReply)))]
async fn handle(Call(state, input, ctx): Call<SocialLoginRequest>) -> Result<Reply> {
    Ok(social_login(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("social-login", hashes_passwords: false,
    "/api/appuser/socialLogin" => post(handle));
