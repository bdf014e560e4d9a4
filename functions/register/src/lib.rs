//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use axum::Router;
use axum::routing::post;
use keyturn::domain::register::{RegisterRequest, register};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<RegisterRequest>) -> Result<Reply> {
    Ok(register(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/register", post(handle))
}
