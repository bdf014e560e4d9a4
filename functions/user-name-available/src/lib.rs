//! `GET /api/appuser/userNameAvailable?userName=`: whether a username is free (access token).

use axum::Router;
use axum::routing::get;
use keyturn::domain::profile::user_name::{UserNameRequest, user_name_available};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(get, path = "/api/appuser/userNameAvailable", tag = "user", security(("access_token" = [])), params(("userName" = String, Query, description = "3 to 32 of `[a-z0-9_.-]`")), responses((status = 200, description = "whether the name is free", body = keyturn::wire::end_user::Availability)))]
async fn handle(Call(state, input, ctx): Call<UserNameRequest>) -> Result<Reply> {
    Ok(user_name_available(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/userNameAvailable", get(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
