//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::application;
use keyturn::wire::{Reply, WireRequest};

async fn get_application(
    State(state): State<AppState>,
    req: WireRequest,
) -> keyturn::Result<Reply> {
    Ok(application::get_application(&state, &req.credentials)
        .await?
        .into())
}

async fn health() -> Reply {
    Reply::Json(serde_json::json!({ "service": "keyturn", "status": "ok" }))
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(health))
        .route("/api/appuser/getApplication", get(get_application))
}
