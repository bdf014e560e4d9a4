//! `POST /api/appuser/register` (app token): an invitee creates their account with the code.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::invite::register::{self, RegisterRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<RegisterRequest> {
        Ok(RegisterRequest {
            handle: req.fields.required("handle")?,
            password: req.fields.required("password")?,
            code: req.fields.required("code")?,
            meta_data: req.fields.object("metaData")?,
            locale: req.fields.text("locale")?,
        })
    };
    respond(match input() {
        Ok(input) => register::register(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/register", post(handle))
}
