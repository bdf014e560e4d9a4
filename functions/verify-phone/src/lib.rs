//! `POST /api/appuser/verifyPhone` (access token; `code`): marks the pending phone verified.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::{auth, phone};
use keyturn::wire::{Reply, WireRequest};

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
