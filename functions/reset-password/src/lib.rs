//! `POST /api/appuser/resetPassword`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ResetRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<ResetRequest> {
        Ok(ResetRequest {
            handle: req.fields.required("handle")?,
            password: req.fields.required("password")?,
            code: req.fields.required("code")?,
        })
    };
    respond(match input() {
        Ok(input) => password::reset_password(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/resetPassword", post(handle))
}
