//! `POST /api/appuser/loginAnonymous`: log in (or create) an anonymous user by its `ANON_`
//! handle (app token).

use keyturn::Result;
use keyturn::domain::login::anonymous::{AnonymousRequest, login_anonymous};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/loginAnonymous", tag = "user", security(("app_token" = [])), request_body = AnonymousRequest, responses((status = 200, description = "a session", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<AnonymousRequest>) -> Result<Reply> {
    Ok(login_anonymous(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("login-anonymous", hashes_passwords: false,
    "/api/appuser/loginAnonymous" => post(handle));
