//! `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::RequestContext;
use keyturn::domain::admin::apps::{self, AppRequest};
use keyturn::wire::Reply;

use crate::{Admin, AdminJson};

async fn create(
    State(state): State<AppState>,
    _: Admin,
    ctx: RequestContext,
    AdminJson(req): AdminJson<AppRequest>,
) -> keyturn::Result<Reply> {
    Ok(apps::create_app(&state, req, &ctx).await?.into())
}

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    ctx: RequestContext,
) -> keyturn::Result<Reply> {
    Ok(apps::get_app(&state, &app_id, &ctx).await?.into())
}

async fn update(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    ctx: RequestContext,
    AdminJson(req): AdminJson<AppRequest>,
) -> keyturn::Result<Reply> {
    Ok(apps::patch_app(&state, &app_id, req, &ctx).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps", post(create))
        .route("/admin/apps/{app_id}", get(read).patch(update))
}
