//! `POST /api/appuser/signup`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::signup::self_service::{SignupRequest, signup};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/signup", tag = "user", security(("app_token" = [])), request_body = SignupRequest, responses((status = 200, description = "`true` (code or link sent), or a session (flow `none`)", body = keyturn::wire::end_user::SignupReply)))]
async fn handle(Call(state, input, ctx): Call<SignupRequest>) -> Result<Reply> {
    Ok(signup(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/signup", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
