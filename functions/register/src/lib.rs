//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use axum::Router;
use axum::routing::post;
use keyturn::domain::signup::register::{RegisterRequest, register};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/register", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = RegisterRequest, responses((status = 200, description = "the new account's session", body = keyturn::wire::openapi::Session)))]
async fn handle(Call(state, input, ctx): Call<RegisterRequest>) -> Result<Reply> {
    Ok(register(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "register",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/register", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
