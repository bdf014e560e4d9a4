//! `POST /api/appuser/loginComplete` (`loginToken`, `code`): the second step of a two-factor
//! login. The app comes from the login token; an app or access token header, as the clients
//! send one, is neither needed nor in the way.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::two_factor::{self, LoginCompleteRequest};
use keyturn::http::Route;
use keyturn::wire::{Reply, WireRequest};

keyturn::wire_fields!(LoginCompleteFields { "loginToken": Required, "code": Required });

#[utoipa::path(post, path = "/api/appuser/loginComplete", tag = "user", request_body = LoginCompleteFields, responses((status = 200, description = "a session", body = keyturn::wire::openapi::Session)))]
async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let request = LoginCompleteRequest {
        login_token: req.fields.required("loginToken")?,
        code: req.fields.required("code")?,
    };
    let session = two_factor::login_complete(&state, request, &req.context).await?;
    Ok(session.into())
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
