//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::invite::{self, InviteRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = InviteRequest {
        handle: req.fields.required("handle")?,
        sender_user_id: req.fields.text("senderUserId")?,
        meta_data: req.fields.object("metaData")?,
    };
    Ok(invite::invite(&state, &req.credentials, input)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/invite", post(handle))
}
