//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::register::{self, RegisterRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = RegisterRequest {
        handle: req.fields.required("handle")?,
        password: req.fields.required("password")?,
        code: req.fields.required("code")?,
        meta_data: req.fields.object("metaData")?,
        locale: req.fields.text("locale")?,
    };
    Ok(
        register::register(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/register", post(handle))
}
