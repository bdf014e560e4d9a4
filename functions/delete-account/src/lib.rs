//! `POST /api/appuser/deleteAccount`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::delete_account::{DeleteRequest, delete_account};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/deleteAccount", tag = "user", security(("access_token" = [])), request_body = DeleteRequest, responses((status = 200, description = "deleted", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<DeleteRequest>) -> Result<Reply> {
    Ok(delete_account(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "delete-account",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/deleteAccount", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
