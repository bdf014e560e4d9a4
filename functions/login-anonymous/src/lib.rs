//! `POST /api/appuser/loginAnonymous`: log in (or create) an anonymous user by its `ANON_`
//! handle (app token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::login::anonymous::{AnonymousRequest, login_anonymous};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/loginAnonymous", tag = "user", security(("app_token" = [])), request_body = AnonymousRequest, responses((status = 200, description = "a session", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<AnonymousRequest>) -> Result<Reply> {
    Ok(login_anonymous(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/loginAnonymous", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
