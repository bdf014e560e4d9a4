//! `POST /api/appuser/signup`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::signup::self_service::{SignupRequest, signup};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/signup", tag = "user", security(("app_token" = [])), request_body = SignupRequest, responses((status = 200, description = "`true` (code or link sent), or a session (flow `none`)", body = keyturn::wire::openapi::SignupReply)))]
async fn handle(Call(state, input, ctx): Call<SignupRequest>) -> Result<Reply> {
    Ok(signup(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "signup",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/signup", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
