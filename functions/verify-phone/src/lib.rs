//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::{auth, phone};
use keyturn::http::Route;
use keyturn::wire::{Reply, WireRequest};

keyturn::wire_fields!(VerifyPhoneFields { "code": Required });

#[utoipa::path(post, path = "/api/appuser/verifyPhone", tag = "user", security(("access_token" = [])), request_body = VerifyPhoneFields, responses((status = 200, description = "verified", body = keyturn::wire::openapi::True)))]
async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let caller = auth::user_from_access(&state, &req.context).await?;
    let code = req.fields.required("code")?;
    phone::verify_phone(&state, &caller, &code, &req.context.client).await?;
    Ok(Reply::True)
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
