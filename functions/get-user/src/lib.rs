//! `GET /api/appuser/getUser`: the signed-in user's profile (access token).

use axum::Router;
use axum::routing::get;
use keyturn::domain::profile::get_user;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_user(&state, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/getUser", get(handle))
}
