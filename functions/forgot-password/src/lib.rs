//! `POST /api/appuser/forgotPassword`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ForgotRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<ForgotRequest> {
        Ok(ForgotRequest {
            handle: req.fields.required("handle")?,
        })
    };
    respond(match input() {
        Ok(input) => password::forgot_password(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/forgotPassword", post(handle))
}
