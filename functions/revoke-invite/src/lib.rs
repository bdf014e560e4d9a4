//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::invite::{self, RevokeRequest};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = RevokeRequest {
        handle: req.fields.required("handle")?,
    };
    Ok(invite::revoke_invite(&state, &req.credentials, input)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/revokeInvite", post(handle))
}
