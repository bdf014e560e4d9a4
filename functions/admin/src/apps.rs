//! `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::apps::{self, AppRequest};
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body};

#[utoipa::path(post, path = "/admin/apps", security(("admin_key" = [])), tag = "admin", request_body = AppRequest, responses((status = 200, description = "the new app, with its app token", body = keyturn::domain::admin::apps::AppView)))]
async fn create(Admin(state, ctx): Admin, Body(req): Body<AppRequest>) -> Result<Reply> {
    Ok(apps::create_app(&state, req, &ctx).await?.into())
}

#[utoipa::path(get, path = "/admin/apps/{appId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "the app", body = keyturn::domain::admin::apps::AppView)))]
async fn read(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(apps::get_app(&state, &id, &ctx).await?.into())
}

#[utoipa::path(patch, path = "/admin/apps/{appId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = AppRequest, responses((status = 200, description = "the app as changed", body = keyturn::domain::admin::apps::AppView)))]
async fn update(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<AppRequest>,
) -> Result<Reply> {
    Ok(apps::patch_app(&state, &id, req, &ctx).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/apps", post(create))
        .route("/admin/apps/{app_id}", get(read).patch(update))
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, read, update))]
pub(crate) struct Doc;
