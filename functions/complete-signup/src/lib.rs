//! `POST /api/appuser/completeSignup` (code, or the confirm page's form) and
//! `GET /api/appuser/completeSignup?appToken&handle&code` (the email link's confirm page).

use axum::Router;
use axum::routing::get;
use keyturn::domain::signup::{CompleteRequest, complete_signup, confirm_page};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn complete(Call(state, input, ctx): Call<CompleteRequest>) -> Result<Reply> {
    Ok(complete_signup(&state, input, &ctx).await?.into())
}

async fn confirm(Call(state, input, ctx): Call<CompleteRequest>) -> Result<Reply> {
    Ok(confirm_page(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/completeSignup", get(confirm).post(complete))
}
