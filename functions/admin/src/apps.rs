//! `POST` and `GET /admin/apps`, `GET`, `PATCH` and `DELETE /admin/apps/{appId}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::apps::{self, AppRequest};
use keyturn::domain::admin::delete_app::{self, DeleteRequest};
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body, Query};

async fn create(Admin(state, ctx): Admin, Body(req): Body<AppRequest>) -> Result<Reply> {
    Ok(apps::create_app(&state, req, &ctx).await?.into())
}

async fn list(Admin(state, _): Admin, query: Query) -> Result<Reply> {
    Ok(apps::list_apps(&state, query.page()?).await?.into())
}

/// `DELETE /admin/apps/{appId}?batch=`: 202 while work remains, 200 once the app is gone.
async fn remove(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    let req = DeleteRequest {
        batch: query.0.text("batch")?,
    };
    Ok(delete_app::delete_app(&state, &id, req).await?.into())
}

async fn read(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(apps::get_app(&state, &id, &ctx).await?.into())
}

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
        .route("/admin/apps", post(create).get(list))
        .route(
            "/admin/apps/{app_id}",
            get(read).patch(update).delete(remove),
        )
}
