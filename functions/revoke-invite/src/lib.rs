//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::invite::{self, RevokeRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<RevokeRequest> {
        Ok(RevokeRequest {
            handle: req.fields.required("handle")?,
        })
    };
    respond(match input() {
        Ok(input) => invite::revoke_invite(&state, &req.credentials, input).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/revokeInvite", post(handle))
}
