//! `POST /api/appuser/deleteAccount`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::delete_account::{DeleteRequest, delete_account};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<DeleteRequest>) -> Result<Reply> {
    Ok(delete_account(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/deleteAccount", post(handle))
}
