//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use axum::Router;
use axum::routing::post;
use keyturn::domain::signup::register::{RegisterRequest, register};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/register", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = RegisterRequest, responses((status = 200, description = "the new account's session", body = keyturn::wire::end_user::Session)))]
async fn handle(Call(state, input, ctx): Call<RegisterRequest>) -> Result<Reply> {
    Ok(register(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/register", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
