//! The app's invites: `POST` (create or re-send) and `GET` (list) `/admin/apps/{appId}/invites`,
//! `DELETE /admin/apps/{appId}/invites/{handle}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{delete, post};
use keyturn::AppState;
use keyturn::domain::invite::admin as invite_admin;
use keyturn::wire::reply::respond;

use crate::{Admin, AdminRequest};

async fn create(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(invite_admin::create(&state, &app_id, &req.body).await)
}

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    let page = || -> keyturn::Result<(Option<String>, Option<String>)> {
        Ok((req.query.text("limit")?, req.query.text("cursor")?))
    };
    respond(match page() {
        Ok((limit, cursor)) => invite_admin::list(&state, &app_id, limit, cursor).await,
        Err(e) => Err(e),
    })
}

async fn revoke(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, handle)): Path<(String, String)>,
) -> Response {
    respond(invite_admin::delete(&state, &app_id, &handle).await)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps/{app_id}/invites", post(create).get(list))
        .route("/admin/apps/{app_id}/invites/{handle}", delete(revoke))
}
