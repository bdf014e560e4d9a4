//! `POST /api/appuser/completeSignup` (code, or the confirm page's form) and
//! `GET /api/appuser/completeSignup?appToken&handle&code` (the email link's confirm page).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::signup::{self, CompleteRequest};
use keyturn::wire::{Reply, WireRequest};

fn input(req: &WireRequest) -> keyturn::Result<CompleteRequest> {
    Ok(CompleteRequest {
        handle: req.fields.required("handle")?,
        code: req.fields.required("code")?,
    })
}

async fn complete(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = input(&req)?;
    Ok(
        signup::complete_signup(&state, &req.credentials, input, &req.context)
            .await?
            .into(),
    )
}

async fn confirm_page(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let input = input(&req)?;
    Ok(signup::confirm_page(&state, &req.credentials, input)
        .await?
        .into())
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/appuser/completeSignup",
        get(confirm_page).post(complete),
    )
}
