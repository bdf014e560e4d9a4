//! `POST /admin/apps/{appId}/import/cosync`: one batch of a CosyncJWT export (the CLI's
//! `keyturn import cosync` streams the files here).

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::import;
use keyturn::wire::Reply;
use keyturn::wire::admin::import::ImportRequest;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Body};

#[utoipa::path(post, path = "/admin/apps/{appId}/import/cosync", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = ImportRequest, responses((status = 200, description = "each record's outcome, in order", body = keyturn::wire::admin::import::ImportReply)))]
async fn cosync(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<ImportRequest>,
) -> Result<Reply> {
    Ok(import::import_cosync(&state, &id, req.into(), &ctx)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/import/cosync",
        axum::routing::post(cosync),
    )
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(cosync))]
pub(crate) struct Doc;
