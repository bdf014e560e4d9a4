//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use axum::Router;
use axum::routing::get;
use keyturn::domain::apps::public_settings::get_application;
use keyturn::wire::end_user::Health;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(get, path = "/api/appuser/getApplication", tag = "user", security(("app_token" = []), ("access_token" = [])), responses((status = 200, description = "the app's public settings", body = keyturn::wire::end_user::PublicApp)))]
async fn application(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_application(&state, &ctx).await?.into())
}

#[utoipa::path(get, path = "/", tag = "service", responses((status = 200, description = "the service is up", body = keyturn::wire::end_user::Health)))]
async fn health() -> Reply {
    Health::UP.into()
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(health))
        .route("/api/appuser/getApplication", get(application))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(application, health))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
