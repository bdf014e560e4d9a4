//! `POST /api/appuser/setTwoFactorPhoneVerification` (access token; `twoFactor`, and
//! `password` or an SMS `code` to disable): the SMS factor.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::auth;
use keyturn::domain::two_factor::{self, SetTwoFactor};
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let caller = auth::user_from_access(&state, &req.context).await?;
    let request = SetTwoFactor {
        two_factor: req.fields.required("twoFactor")?,
        password: req.fields.text("password")?,
        code: req.fields.text("code")?,
        client: req.context.client.clone(),
    };
    two_factor::set_phone_login(&state, &caller, request).await?;
    Ok(Reply::True)
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setTwoFactorPhoneVerification", post(handle))
}
