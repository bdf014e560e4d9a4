//! `POST /api/appuser/deleteAccount`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::delete_account::{self, DeleteRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = DeleteRequest {
        handle: req.fields.text("handle")?,
        password: req.fields.text("password")?,
        token: req.fields.text("token")?,
    };
    Ok(
        delete_account::delete_account(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/deleteAccount", post(handle))
}
