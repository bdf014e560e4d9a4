//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use axum::Router;
use axum::routing::post;
use keyturn::domain::invites::user_invites::{InviteRequest, invite};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/invite", tag = "user", security(("access_token" = [])), request_body = InviteRequest, responses((status = 200, description = "invited (also for a handle that has an account)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<InviteRequest>) -> Result<Reply> {
    Ok(invite(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "invite",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/invite", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
