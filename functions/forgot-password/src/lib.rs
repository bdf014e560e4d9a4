//! `POST /api/appuser/forgotPassword`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ForgotRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = ForgotRequest {
        handle: req.fields.required("handle")?,
    };
    Ok(
        password::forgot_password(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/forgotPassword", post(handle))
}
