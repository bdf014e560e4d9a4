//! The per-app issuer: `GET /apps/{appId}/.well-known/openid-configuration`,
//! `/.well-known/jwks.json` and `/public-key.pem`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::issuer;
use keyturn::wire::{WireRequest, reply::respond};

async fn discovery(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    req: WireRequest,
) -> Response {
    respond(issuer::discovery(&state, &app_id, &req.context).await)
}

async fn jwks(State(state): State<AppState>, Path(app_id): Path<String>) -> Response {
    respond(issuer::jwks(&state, &app_id).await)
}

async fn pem(State(state): State<AppState>, Path(app_id): Path<String>) -> Response {
    respond(issuer::public_key_pem(&state, &app_id).await)
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/apps/{app_id}/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/apps/{app_id}/.well-known/jwks.json", get(jwks))
        .route("/apps/{app_id}/public-key.pem", get(pem))
}
