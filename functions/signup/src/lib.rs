//! `POST /api/appuser/signup`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::signup::{SignupRequest, signup};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<SignupRequest>) -> Result<Reply> {
    Ok(signup(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/signup", post(handle))
}
