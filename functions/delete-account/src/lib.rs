//! `POST /api/appuser/deleteAccount`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::account::{self, DeleteRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<DeleteRequest> {
        Ok(DeleteRequest {
            handle: req.fields.text("handle")?,
            password: req.fields.text("password")?,
            token: req.fields.text("token")?,
        })
    };
    respond(match input() {
        Ok(input) => account::delete_account(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/deleteAccount", post(handle))
}
