//! `POST /api/appuser/setUserName`: the user claims a unique username, once (access token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::user_name::{UserNameRequest, set_user_name};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setUserName", tag = "user", security(("access_token" = [])), request_body = UserNameRequest, responses((status = 200, description = "assigned", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<UserNameRequest>) -> Result<Reply> {
    Ok(set_user_name(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserName", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
