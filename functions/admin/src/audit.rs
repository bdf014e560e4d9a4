//! `GET /admin/apps/{appId}/audit?limit=&cursor=&userId=`: the app's audit trail, newest first.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::audit::{self, ListRequest};
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Query};

#[utoipa::path(get, path = "/admin/apps/{appId}/audit", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("limit" = Option<String>, Query, description = "page size"), ("cursor" = Option<String>, Query, description = "from the previous page"), ("userId" = Option<String>, Query, description = "one user's entries")), responses((status = 200, description = "one page of entries, newest first", body = keyturn::wire::admin::audit::AuditPage)))]
async fn list(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    let input = ListRequest {
        page: query.page()?,
        user_id: query.0.text("userId")?,
    };
    Ok(audit::list(&state, &id, input).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/admin/apps/{app_id}/audit", axum::routing::get(list))
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub(crate) struct Doc;
