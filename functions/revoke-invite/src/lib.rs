//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invites::user_invites::{RevokeRequest, revoke_invite};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/revokeInvite", tag = "user", security(("access_token" = [])), request_body = RevokeRequest, responses((status = 200, description = "withdrawn", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<RevokeRequest>) -> Result<Reply> {
    Ok(revoke_invite(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/revokeInvite", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
