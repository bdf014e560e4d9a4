//! `POST /api/appuser/setUserMetadata`: the user edits their own metadata (access token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::details::{MetadataRequest, set_user_metadata};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setUserMetadata", tag = "user", security(("access_token" = [])), request_body = MetadataRequest, responses((status = 200, description = "merged", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<MetadataRequest>) -> Result<Reply> {
    Ok(set_user_metadata(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "set-user-metadata",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserMetadata", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
