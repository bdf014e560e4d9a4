//! `POST /api/appuser/setUserMetadata`: the user edits their own metadata (access token).

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::profile;
use keyturn::wire::{Reply, WireRequest};

async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let meta_data = req.fields.object("metaData")?;
    Ok(
        profile::set_user_metadata(&state, &req.credentials, meta_data)
            .await?
            .into(),
    )
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserMetadata", post(handle))
}
