//! `POST /api/appuser/login`.

use axum::Router;
use axum::routing::post;
use keyturn::domain::login::password::{LoginRequest, login};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/login", tag = "user", security(("app_token" = [])), request_body = LoginRequest, responses((status = 200, description = "a session, or a login token when the second factor is due", body = keyturn::wire::end_user::LoginReply)))]
async fn handle(Call(state, input, ctx): Call<LoginRequest>) -> Result<Reply> {
    Ok(login(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/login", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
