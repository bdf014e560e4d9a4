//! `POST /api/appuser/setUserName`: the user claims a unique username, once (access token).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::user_name;
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    respond(match req.fields.required("userName") {
        Ok(name) => user_name::set_user_name(&state, &req.credentials, &name).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setUserName", post(handle))
}
