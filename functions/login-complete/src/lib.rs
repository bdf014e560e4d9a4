//! `POST /api/appuser/loginComplete` (`loginToken`, `code`): the second step of a two-factor
//! login. The app comes from the login token; an app or access token header, as the clients
//! send one, is neither needed nor in the way.

use keyturn::Result;
use keyturn::domain::login::complete::{LoginCompleteRequest, login_complete};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/loginComplete", tag = "user", request_body = LoginCompleteRequest, responses((status = 200, description = "a session", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<LoginCompleteRequest>) -> Result<Reply> {
    Ok(login_complete(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("login-complete", hashes_passwords: false,
    "/api/appuser/loginComplete" => post(handle));
