//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invites::user_invites::{InviteRequest, invite};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/invite", tag = "user", security(("access_token" = [])), request_body = InviteRequest, responses((status = 200, description = "invited (also for a handle that has an account)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<InviteRequest>) -> Result<Reply> {
    Ok(invite(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/invite", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
