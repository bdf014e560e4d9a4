//! `POST /api/appuser/setUserMetadata`: the user edits their own metadata (access token).

use axum::Router;
use axum::routing::post;
use keyturn::domain::profile::{MetadataRequest, set_user_metadata};
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

async fn handle(Call(state, input, ctx): Call<MetadataRequest>) -> Result<Reply> {
    Ok(set_user_metadata(&state, input, &ctx).await?.into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserMetadata", post(handle))
}
