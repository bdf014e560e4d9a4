//! `POST /api/appuser/setTwoFactorGoogleVerification` (access token; `twoFactor`, and
//! `password` or `code` to disable): the authenticator-app factor.

use axum::Router;
use axum::routing::post;
use keyturn::domain::factors::switch::{SetTwoFactor, set_google};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setTwoFactorGoogleVerification", tag = "user", security(("access_token" = [])), request_body = SetTwoFactor, responses((status = 200, description = "enabled (the enrolment) or disabled (`true`)", body = keyturn::wire::end_user::GoogleReply)))]
async fn handle(Call(state, input, ctx): Call<SetTwoFactor>) -> Result<Reply> {
    Ok(set_google(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setTwoFactorGoogleVerification", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
