//! `POST /api/appuser/login`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::login::{LoginRequest, login};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<LoginRequest>) -> Result<Reply> {
    Ok(login(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/login", post(handle))
}
