//! `POST /api/appuser/setLocale`: the user picks one of the app's locales (access token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::details::{LocaleRequest, set_locale};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setLocale", tag = "user", security(("access_token" = [])), request_body = LocaleRequest, responses((status = 200, description = "set", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<LocaleRequest>) -> Result<Reply> {
    Ok(set_locale(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setLocale", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
