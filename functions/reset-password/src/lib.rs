//! `POST /api/appuser/resetPassword`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ResetRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = ResetRequest {
        handle: req.fields.required("handle")?,
        password: req.fields.required("password")?,
        code: req.fields.required("code")?,
    };
    Ok(
        password::reset_password(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/resetPassword", post(handle))
}
