//! `POST /api/appuser/signup`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::signup::{self, SignupRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<SignupRequest> {
        Ok(SignupRequest {
            handle: req.fields.required("handle")?,
            password: req.fields.required("password")?,
            meta_data: req.fields.object("metaData")?,
            locale: req.fields.text("locale")?,
        })
    };
    respond(match input() {
        Ok(input) => signup::signup(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/signup", post(handle))
}
