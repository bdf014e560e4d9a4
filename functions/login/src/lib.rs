//! `POST /api/appuser/login`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::login::{self, LoginRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = LoginRequest {
        handle: req.fields.required("handle")?,
        password: req.fields.required("password")?,
    };
    Ok(login::login(&state, &req.credentials, input, &req.context)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/login", post(handle))
}
