//! `POST /api/appuser/signup`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::signup::{self, SignupRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = SignupRequest {
        handle: req.fields.required("handle")?,
        password: req.fields.required("password")?,
        meta_data: req.fields.object("metaData")?,
        locale: req.fields.text("locale")?,
    };
    Ok(
        signup::signup(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/signup", post(handle))
}
