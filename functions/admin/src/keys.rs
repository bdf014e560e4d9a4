//! Credential rotation: the app's signing keys (`GET /admin/apps/{appId}/keys` shows them;
//! `POST …/keys/rotate`, `…/activate`, `…/retire` move them) and its app token (`POST /admin/apps/{appId}/app-token/rotate`).

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::{app_token, signing_keys};
use keyturn::wire::Reply;
use keyturn::wire::admin::keys::AppTokenRotation;
use keyturn::{AppState, Result};

use crate::{Admin, AdminBody, AppId, Body};

impl AdminBody for AppTokenRotation {
    const EMPTY_IS_OBJECT: bool = true;
}

#[utoipa::path(get, path = "/admin/apps/{appId}/keys", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "the app's keys now: which signs, which is staged, which are still published", body = keyturn::wire::admin::keys::KeysView)))]
async fn view(Admin(state, _): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(signing_keys::view(&state, &id).await?.into())
}

#[utoipa::path(post, path = "/admin/apps/{appId}/keys/rotate", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "a key is staged (published, not signing)", body = keyturn::wire::admin::keys::KeysView)))]
async fn rotate(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(signing_keys::rotate(&state, &id, &ctx).await?.into())
}

#[utoipa::path(post, path = "/admin/apps/{appId}/keys/activate", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "the staged key signs", body = keyturn::wire::admin::keys::KeysView)))]
async fn activate(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(signing_keys::activate(&state, &id, &ctx).await?.into())
}

#[utoipa::path(post, path = "/admin/apps/{appId}/keys/retire", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), responses((status = 200, description = "replaced keys unpublished", body = keyturn::wire::admin::keys::KeysView)))]
async fn retire(Admin(state, ctx): Admin, Path(id): AppId) -> Result<Reply> {
    Ok(signing_keys::retire(&state, &id, &ctx).await?.into())
}

#[utoipa::path(post, path = "/admin/apps/{appId}/app-token/rotate", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path)), request_body = AppTokenRotation, responses((status = 200, description = "the new app token", body = keyturn::wire::admin::keys::RotatedAppToken)))]
async fn rotate_app_token(
    Admin(state, ctx): Admin,
    Path(id): AppId,
    Body(req): Body<AppTokenRotation>,
) -> Result<Reply> {
    Ok(app_token::rotate(&state, &id, req.into(), &ctx)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/apps/{app_id}/keys", get(view))
        .route("/admin/apps/{app_id}/keys/rotate", post(rotate))
        .route("/admin/apps/{app_id}/keys/activate", post(activate))
        .route("/admin/apps/{app_id}/keys/retire", post(retire))
        .route(
            "/admin/apps/{app_id}/app-token/rotate",
            post(rotate_app_token),
        )
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(view, rotate, activate, retire, rotate_app_token))]
pub(crate) struct Doc;
