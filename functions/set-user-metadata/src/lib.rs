//! `POST /api/appuser/setUserMetadata`: the user edits their own metadata (access token).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::profile;
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    respond(match req.fields.object("metaData") {
        Ok(meta_data) => profile::set_user_metadata(&state, &req.credentials, meta_data).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserMetadata", post(handle))
}
