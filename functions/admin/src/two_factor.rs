//! Two-factor administration: an app's Twilio account, and a support desk's reset of a user's
//! second factors.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::{twilio, two_factor};
use keyturn::wire::Reply;
use keyturn::wire::admin::twilio::TwilioRequest;
use keyturn::{AppState, Result};

use crate::{Admin, AdminBody, AppId, Body};

impl AdminBody for TwilioRequest {}

#[utoipa::path(put, path = "/admin/apps/{appId}/twilio", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = TwilioRequest, responses((status = 200, description = "stored (the token is write-only)", body = keyturn::wire::admin::twilio::TwilioSet)))]
async fn set_twilio(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(request): Body<TwilioRequest>,
) -> Result<Reply> {
    Ok(twilio::set_twilio(&state, &id, request.into(), &ctx)
        .await?
        .into())
}

#[utoipa::path(post, path = "/admin/apps/{appId}/users/{userId}/reset-2fa", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("userId" = String, Path)), responses((status = 200, description = "both factors off; the user is mailed", body = keyturn::wire::openapi::True)))]
async fn reset(
    Admin(state, ctx): Admin,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Reply> {
    two_factor::admin_reset(&state, &id, &user_id, &ctx).await?;
    Ok(Reply::True)
}

/// Routes under `/admin/apps/{appId}`.
pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{post, put};
    Router::new()
        .route("/admin/apps/{app_id}/twilio", put(set_twilio))
        .route(
            "/admin/apps/{app_id}/users/{user_id}/reset-2fa",
            post(reset),
        )
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(set_twilio, reset))]
pub(crate) struct Doc;
