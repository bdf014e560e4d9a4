//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invites::user_invites::{RevokeRequest, revoke_invite};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/revokeInvite", tag = "user", security(("access_token" = [])), request_body = RevokeRequest, responses((status = 200, description = "withdrawn", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<RevokeRequest>) -> Result<Reply> {
    Ok(revoke_invite(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "revoke-invite",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/revokeInvite", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
