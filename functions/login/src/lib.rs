//! `POST /api/appuser/login`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::login::password::{LoginRequest, login};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/login", tag = "user", security(("app_token" = [])), request_body = LoginRequest, responses((status = 200, description = "a session, or a login token when the second factor is due", body = keyturn::wire::openapi::LoginReply)))]
async fn handle(Call(state, input, ctx): Call<LoginRequest>) -> Result<Reply> {
    Ok(login(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "login",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/login", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
