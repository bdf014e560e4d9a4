//! `GET /api/appuser/userNameAvailable?userName=`: whether a username is free (access token).

use axum::Router;
use axum::routing::get;
use keyturn::domain::user_name::{UserNameRequest, user_name_available};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<UserNameRequest>) -> Result<Reply> {
    Ok(user_name_available(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/userNameAvailable", get(handle))
}
