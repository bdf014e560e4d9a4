//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::invite::{self, InviteRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<InviteRequest> {
        Ok(InviteRequest {
            handle: req.fields.required("handle")?,
            sender_user_id: req.fields.text("senderUserId")?,
            meta_data: req.fields.object("metaData")?,
        })
    };
    respond(match input() {
        Ok(input) => invite::invite(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/invite", post(handle))
}
