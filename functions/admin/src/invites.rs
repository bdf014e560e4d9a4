//! The app's invites: `POST` (create or re-send) and `GET` (list) `/admin/apps/{appId}/invites`,
//! `DELETE /admin/apps/{appId}/invites/{handle}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::invites::{self, InviteRequest};
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body, Query};

async fn create(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<InviteRequest>,
) -> Result<Reply> {
    Ok(invites::create(&state, &id, req, &ctx).await?.into())
}

async fn list(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    Ok(invites::list(&state, &id, query.page()?).await?.into())
}

async fn revoke(
    Admin(state, ctx): Admin,
    Path((id, handle)): Path<(String, String)>,
) -> Result<Reply> {
    Ok(invites::delete(&state, &id, &handle, &ctx).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{delete, post};
    Router::new()
        .route("/admin/apps/{app_id}/invites", post(create).get(list))
        .route("/admin/apps/{app_id}/invites/{handle}", delete(revoke))
}
