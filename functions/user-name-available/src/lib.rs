//! `GET /api/appuser/userNameAvailable?userName=`: whether a username is free (access token).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::user_name;
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let name = req.fields.required("userName")?;
    Ok(
        user_name::user_name_available(&state, &req.credentials, &name)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/userNameAvailable", get(handle))
}
