//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use axum::Router;
use axum::routing::post;
use keyturn::domain::factors::phone::{VerifyPhoneRequest, verify_phone};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/verifyPhone", tag = "user", security(("access_token" = [])), request_body = VerifyPhoneRequest, responses((status = 200, description = "verified", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<VerifyPhoneRequest>) -> Result<Reply> {
    Ok(verify_phone(&state, input, &ctx).await?.into())
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
