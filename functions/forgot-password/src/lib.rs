//! `POST /api/appuser/forgotPassword`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::password::{ForgotRequest, forgot_password};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<ForgotRequest>) -> Result<Reply> {
    Ok(forgot_password(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/forgotPassword", post(handle))
}
