//! `POST /api/appuser/setPhone` (access token; `phone` in E.164, and `password` while SMS login
//! is on): texts a verification code.

use axum::Router;
use axum::routing::post;
use keyturn::domain::factors::phone::{SetPhoneRequest, set_phone};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setPhone", tag = "user", security(("access_token" = [])), request_body = SetPhoneRequest, responses((status = 200, description = "a code is texted", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<SetPhoneRequest>) -> Result<Reply> {
    Ok(set_phone(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "set-phone",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setPhone", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
