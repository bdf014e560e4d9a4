//! `GET /api/appuser/getUser`: the signed-in user's profile (access token).

use keyturn::Result;
use keyturn::domain::profile::details::get_user;
use keyturn::wire::{Call, Reply};

#[utoipa::path(get, path = "/api/appuser/getUser", tag = "user", security(("access_token" = [])), responses((status = 200, description = "the caller's profile", body = keyturn::wire::end_user::Profile)))]
async fn handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_user(&state, &ctx).await?.into())
}

keyturn::route_crate!("get-user", hashes_passwords: false,
    "/api/appuser/getUser" => get(handle));
