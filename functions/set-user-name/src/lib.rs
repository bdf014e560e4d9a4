//! `POST /api/appuser/setUserName`: the user claims a unique username, once (access token).

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::user_name;
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let name = req.fields.required("userName")?;
    Ok(user_name::set_user_name(&state, &req.credentials, &name)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserName", post(handle))
}
