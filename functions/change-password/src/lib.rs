//! `POST /api/appuser/changePassword`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ChangeRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = ChangeRequest {
        password: req.fields.required("password")?,
        new_password: req.fields.required("newPassword")?,
    };
    Ok(
        password::change_password(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/changePassword", post(handle))
}
