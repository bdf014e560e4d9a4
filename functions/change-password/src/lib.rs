//! `POST /api/appuser/changePassword`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::password::{self, ChangeRequest};
use keyturn::wire::{WireRequest, reply::respond};

async fn handle(State(state): State<AppState>, req: WireRequest) -> Response {
    let input = || -> keyturn::Result<ChangeRequest> {
        Ok(ChangeRequest {
            password: req.fields.required("password")?,
            new_password: req.fields.required("newPassword")?,
        })
    };
    respond(match input() {
        Ok(input) => password::change_password(&state, &req.credentials, input, &req.context).await,
        Err(e) => Err(e),
    })
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/changePassword", post(handle))
}
