//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invite::{RevokeRequest, revoke_invite};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<RevokeRequest>) -> Result<Reply> {
    Ok(revoke_invite(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/revokeInvite", post(handle))
}
