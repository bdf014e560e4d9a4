//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use axum::Router;
use axum::routing::get;
use keyturn::domain::application::get_application;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn application(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_application(&state, &ctx).await?.into())
}

async fn health() -> Reply {
    Reply::Json(serde_json::json!({ "service": "keyturn", "status": "ok" }))
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(health))
        .route("/api/appuser/getApplication", get(application))
}
