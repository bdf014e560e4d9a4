//! `POST /api/appuser/loginAnonymous`: log in (or create) an anonymous user by its `ANON_`
//! handle (app token).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::anonymous;
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    respond(match req.fields.required("handle") {
        Ok(handle) => {
            anonymous::login_anonymous(&state, &req.credentials, &handle, &req.context).await
        }
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/loginAnonymous", post(handle))
}
