//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::app;
use keyturn::wire::{Reply, WireRequest, reply::respond};

async fn get_application(State(state): State<AppState>, req: WireRequest) -> Response {
    respond(app::get_application(&state, &req.credentials).await)
}

async fn health() -> Response {
    respond(Ok(Reply::Json(
        serde_json::json!({ "service": "keyturn", "status": "ok" }),
    )))
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(health))
        .route("/api/appuser/getApplication", get(get_application))
}
