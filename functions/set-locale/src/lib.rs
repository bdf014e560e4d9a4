//! `POST /api/appuser/setLocale`: the user picks one of the app's locales (access token).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::profile;
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    respond(match req.fields.required("locale") {
        Ok(locale) => profile::set_locale(&state, &req.credentials, locale).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setLocale", post(handle))
}
