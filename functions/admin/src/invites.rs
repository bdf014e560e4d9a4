//! The app's invites: `POST` (create or re-send) and `GET` (list) `/admin/apps/{appId}/invites`,
//! `DELETE /admin/apps/{appId}/invites/{handle}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{delete, post};
use keyturn::AppState;
use keyturn::domain::admin::invites::{self, InviteRequest};
use keyturn::wire::Reply;

use crate::{Admin, AdminJson, AdminQuery};

async fn create(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    AdminJson(req): AdminJson<InviteRequest>,
) -> keyturn::Result<Reply> {
    Ok(invites::create(&state, &app_id, req).await?.into())
}

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    query: AdminQuery,
) -> keyturn::Result<Reply> {
    Ok(invites::list(&state, &app_id, query.page()?).await?.into())
}

async fn revoke(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, handle)): Path<(String, String)>,
) -> keyturn::Result<Reply> {
    Ok(invites::delete(&state, &app_id, &handle).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps/{app_id}/invites", post(create).get(list))
        .route("/admin/apps/{app_id}/invites/{handle}", delete(revoke))
}
