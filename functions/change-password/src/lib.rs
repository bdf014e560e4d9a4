//! `POST /api/appuser/changePassword`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::password::{ChangeRequest, change_password};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<ChangeRequest>) -> Result<Reply> {
    Ok(change_password(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/changePassword", post(handle))
}
