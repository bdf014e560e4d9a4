//! Two-factor administration: an app's Twilio account, and a support desk's reset of a user's
//! second factors.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{post, put};
use keyturn::AppState;
use keyturn::domain::twilio_admin::{self, TwilioRequest};
use keyturn::domain::two_factor;
use keyturn::wire::Reply;

use crate::{Admin, AdminRequest};

async fn set_twilio(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> keyturn::Result<Reply> {
    let request = TwilioRequest::from_json(&req.body)?;
    let info = twilio_admin::set_twilio(&state, &app_id, request).await?;
    Ok(Reply::Json(serde_json::json!({
        "accountSid": info.account_sid,
        "phoneNumber": info.phone_number,
        "authTokenSet": true,
    })))
}

async fn reset(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): Path<(String, String)>,
) -> keyturn::Result<Reply> {
    two_factor::admin_reset(&state, &app_id, &user_id).await?;
    Ok(Reply::True)
}

/// Routes under `/admin/apps/{appId}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps/{app_id}/twilio", put(set_twilio))
        .route(
            "/admin/apps/{app_id}/users/{user_id}/reset-2fa",
            post(reset),
        )
}
