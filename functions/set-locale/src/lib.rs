//! `POST /api/appuser/setLocale`: the user picks one of the app's locales (access token).

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::profile;
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let locale = req.fields.required("locale")?;
    Ok(profile::set_locale(&state, &req.credentials, locale)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setLocale", post(handle))
}
