//! `GET /api/appuser/getUser`: the signed-in user's profile (access token).

use axum::Router;
use axum::routing::get;
use keyturn::domain::profile::details::get_user;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(get, path = "/api/appuser/getUser", tag = "user", security(("access_token" = [])), responses((status = 200, description = "the caller's profile", body = keyturn::wire::end_user::Profile)))]
async fn handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_user(&state, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/getUser", get(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
