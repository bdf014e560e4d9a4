//! `POST /api/appuser/setUserName`: the user claims a unique username, once (access token).

use keyturn::Result;
use keyturn::domain::profile::user_name::{UserNameRequest, set_user_name};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setUserName", tag = "user", security(("access_token" = [])), request_body = UserNameRequest, responses((status = 200, description = "assigned", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<UserNameRequest>) -> Result<Reply> {
    Ok(set_user_name(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-user-name", hashes_passwords: false,
    "/api/appuser/setUserName" => post(handle));
