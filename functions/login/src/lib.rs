//! `POST /api/appuser/login`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::login::{self, LoginRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<LoginRequest> {
        Ok(LoginRequest {
            handle: req.fields.required("handle")?,
            password: req.fields.required("password")?,
        })
    };
    respond(match input() {
        Ok(input) => login::login(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/login", post(handle))
}
