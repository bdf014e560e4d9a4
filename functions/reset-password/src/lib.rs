//! `POST /api/appuser/resetPassword`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::passwords::reset::{ResetRequest, reset_password};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/resetPassword", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = ResetRequest, responses((status = 200, description = "reset; every session ends", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<ResetRequest>) -> Result<Reply> {
    Ok(reset_password(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "reset-password",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/resetPassword", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
