//! `GET /api/appuser/userNameAvailable?userName=`: whether a username is free (access token).

use keyturn::Result;
use keyturn::domain::profile::user_name::{UserNameRequest, user_name_available};
use keyturn::wire::{Call, Reply};

#[utoipa::path(get, path = "/api/appuser/userNameAvailable", tag = "user", security(("access_token" = [])), params(("userName" = String, Query, description = "3 to 32 of `[a-z0-9_.-]`")), responses((status = 200, description = "whether the name is free", body = keyturn::wire::end_user::Availability)))]
async fn handle(Call(state, input, ctx): Call<UserNameRequest>) -> Result<Reply> {
    Ok(user_name_available(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("user-name-available", hashes_passwords: false,
    "/api/appuser/userNameAvailable" => get(handle));
