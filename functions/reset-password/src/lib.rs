//! `POST /api/appuser/resetPassword`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::password::{ResetRequest, reset_password};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<ResetRequest>) -> Result<Reply> {
    Ok(reset_password(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/resetPassword", post(handle))
}
