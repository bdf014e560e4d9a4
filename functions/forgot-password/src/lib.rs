//! `POST /api/appuser/forgotPassword`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::passwords::reset::{ForgotRequest, forgot_password};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/forgotPassword", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = ForgotRequest, responses((status = 200, description = "always `true` (no enumeration)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<ForgotRequest>) -> Result<Reply> {
    Ok(forgot_password(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "forgot-password",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/forgotPassword", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
