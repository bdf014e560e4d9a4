//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::{auth, phone};
use keyturn::wire::{Reply, WireRequest};

keyturn::wire_fields!(VerifyPhoneFields { "code": Required });

#[utoipa::path(post, path = "/api/appuser/verifyPhone", tag = "user", security(("access_token" = [])), request_body = VerifyPhoneFields, responses((status = 200, description = "verified", body = keyturn::wire::openapi::True)))]
async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let caller = auth::user_from_access(&state, &req.context).await?;
    let code = req.fields.required("code")?;
    phone::verify_phone(&state, &caller, &code, &req.context.client).await?;
    Ok(Reply::True)
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/verifyPhone", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
