//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use axum::Router;
use axum::routing::post;
use keyturn::domain::factors::phone::{VerifyPhoneRequest, verify_phone};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/verifyPhone", tag = "user", security(("access_token" = [])), request_body = VerifyPhoneRequest, responses((status = 200, description = "verified", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<VerifyPhoneRequest>) -> Result<Reply> {
    Ok(verify_phone(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "verify-phone",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/verifyPhone", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
