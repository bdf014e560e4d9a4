//! `POST /admin/import/cosync/app`: the Keyturn app a CosyncJWT app becomes, with the same id,
//! RSA key and app token (the CLI's `keyturn import cosync --create-app`).

use axum::Router;
use keyturn::domain::admin::import::cosync_app;
use keyturn::wire::Reply;
use keyturn::wire::admin::cosync_app::CosyncAppRequest;
use keyturn::{AppState, Result};

use crate::{Admin, AdminBody, Body};

impl AdminBody for CosyncAppRequest {}

#[utoipa::path(post, path = "/admin/import/cosync/app", security(("admin_key" = [])), tag = "admin", request_body = CosyncAppRequest, responses((status = 200, description = "the app created with the original's id, key and app token (or, in a dry run, checked)", body = keyturn::wire::admin::cosync_app::CosyncAppReply)))]
async fn create(Admin(state, ctx): Admin, Body(req): Body<CosyncAppRequest>) -> Result<Reply> {
    Ok(cosync_app::create_app(&state, req.into(), &ctx)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/admin/import/cosync/app", axum::routing::post(create))
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create))]
pub(crate) struct Doc;
