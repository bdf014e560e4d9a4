//! `POST /api/appuser/loginAnonymous`: log in (or create) an anonymous user by its `ANON_`
//! handle (app token).

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::anonymous;
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let handle = req.fields.required("handle")?;
    Ok(
        anonymous::login_anonymous(&state, &req.credentials, &handle, &req.context)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/loginAnonymous", post(handle))
}
