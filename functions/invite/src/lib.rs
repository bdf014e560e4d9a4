//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invite::{InviteRequest, invite};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<InviteRequest>) -> Result<Reply> {
    Ok(invite(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/invite", post(handle))
}
