//! The app's invites: `POST` (create or re-send) and `GET` (list) `/admin/apps/{appId}/invites`,
//! `DELETE /admin/apps/{appId}/invites/{handle}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::invites;
use keyturn::wire::Reply;
use keyturn::wire::admin::invites::AdminInviteRequest;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body, Query};

#[utoipa::path(post, path = "/admin/apps/{appId}/invites", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = AdminInviteRequest, responses((status = 200, description = "the invite (never its code)", body = keyturn::wire::admin::invites::InviteView)))]
async fn create(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<AdminInviteRequest>,
) -> Result<Reply> {
    Ok(invites::create(&state, &id, req.into(), &ctx).await?.into())
}

#[utoipa::path(get, path = "/admin/apps/{appId}/invites", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("limit" = Option<String>, Query, description = "page size"), ("cursor" = Option<String>, Query, description = "from the previous page")), responses((status = 200, description = "one page of invites", body = keyturn::wire::admin::invites::InvitePage)))]
async fn list(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    Ok(invites::list(&state, &id, query.page()?).await?.into())
}

#[utoipa::path(delete, path = "/admin/apps/{appId}/invites/{handle}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("handle" = String, Path)), responses((status = 200, description = "whether there was an invite", body = keyturn::wire::admin::invites::Revoked)))]
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

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, revoke))]
pub(crate) struct Doc;
