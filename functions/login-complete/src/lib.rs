//! `POST /api/appuser/loginComplete` (`loginToken`, `code`): the second step of a two-factor
//! login. The app comes from the login token; an app or access token header, as the clients
//! send one, is neither needed nor in the way.

use axum::Router;
use axum::routing::post;
use keyturn::domain::login::complete::{LoginCompleteRequest, login_complete};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/loginComplete", tag = "user", request_body = LoginCompleteRequest, responses((status = 200, description = "a session", body = keyturn::wire::openapi::Session)))]
async fn handle(Call(state, input, ctx): Call<LoginCompleteRequest>) -> Result<Reply> {
    Ok(login_complete(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "login-complete",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/loginComplete", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
