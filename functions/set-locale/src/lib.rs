//! `POST /api/appuser/setLocale`: the user picks one of the app's locales (access token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::{LocaleRequest, set_locale};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<LocaleRequest>) -> Result<Reply> {
    Ok(set_locale(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setLocale", post(handle))
}
