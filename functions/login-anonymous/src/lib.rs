//! `POST /api/appuser/loginAnonymous`: log in (or create) an anonymous user by its `ANON_`
//! handle (app token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::anonymous::{AnonymousRequest, login_anonymous};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<AnonymousRequest>) -> Result<Reply> {
    Ok(login_anonymous(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/loginAnonymous", post(handle))
}
