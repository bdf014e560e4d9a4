//! `POST` and `GET /admin/apps`, `GET`, `PATCH` and `DELETE /admin/apps/{appId}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::apps;
use keyturn::domain::admin::delete_app::{self, DeleteRequest};
use keyturn::wire::Reply;
use keyturn::wire::admin::apps::AppRequest;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body, Query};

#[utoipa::path(post, path = "/admin/apps", security(("admin_key" = [])), tag = "admin", request_body = AppRequest, responses((status = 200, description = "the new app, with its app token", body = keyturn::wire::admin::apps::AppView)))]
async fn create(Admin(state, ctx): Admin, Body(req): Body<AppRequest>) -> Result<Reply> {
    Ok(apps::create_app(&state, req.into(), &ctx).await?.into())
}

#[utoipa::path(get, path = "/admin/apps", security(("admin_key" = [])), tag = "admin", params(("limit" = Option<String>, Query, description = "page size"), ("cursor" = Option<String>, Query, description = "from the previous page")), responses((status = 200, description = "one page of apps", body = keyturn::wire::admin::apps::AppPage)))]
async fn list(Admin(state, _): Admin, query: Query) -> Result<Reply> {
    Ok(apps::list_apps(&state, query.page()?).await?.into())
}

/// `DELETE /admin/apps/{appId}?batch=`: 202 while work remains, 200 once the app is gone.
#[utoipa::path(delete, path = "/admin/apps/{appId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("batch" = Option<String>, Query, description = "items to delete in this call")), responses((status = 200, description = "the app is gone", body = keyturn::wire::admin::apps::AppDeletion), (status = 202, description = "work remains: call again", body = keyturn::wire::admin::apps::AppDeletion)))]
async fn remove(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    let req = DeleteRequest {
        batch: query.0.text("batch")?,
    };
    Ok(delete_app::delete_app(&state, &id, req).await?.into())
}

#[utoipa::path(get, path = "/admin/apps/{appId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "the app", body = keyturn::wire::admin::apps::AppView)))]
async fn read(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(apps::get_app(&state, &id, &ctx).await?.into())
}

#[utoipa::path(patch, path = "/admin/apps/{appId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = AppRequest, responses((status = 200, description = "the app as changed", body = keyturn::wire::admin::apps::AppView)))]
async fn update(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<AppRequest>,
) -> Result<Reply> {
    Ok(apps::patch_app(&state, &id, req.into(), &ctx).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/apps", post(create).get(list))
        .route(
            "/admin/apps/{app_id}",
            get(read).patch(update).delete(remove),
        )
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, read, update, remove))]
pub(crate) struct Doc;
