//! The app's message templates: `GET`, `PUT` and `DELETE
//! /admin/apps/{appId}/templates/{locale}/{name}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::templates::{self, TemplateAddress};
use keyturn::wire::Reply;
use keyturn::wire::records::Template;
use keyturn::{AppState, Result};

use crate::{Admin, Body};

#[utoipa::path(get, path = "/admin/apps/{appId}/templates/{locale}/{name}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("locale" = String, Path), ("name" = String, Path)), responses((status = 200, description = "the template in use", body = keyturn::wire::admin::templates::TemplateView)))]
async fn read(Admin(state, _): Admin, Path(at): Path<TemplateAddress>) -> Result<Reply> {
    Ok(templates::get_template(&state, &at).await?.into())
}

#[utoipa::path(put, path = "/admin/apps/{appId}/templates/{locale}/{name}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("locale" = String, Path), ("name" = String, Path)), request_body = Template, responses((status = 200, description = "stored", body = keyturn::wire::admin::templates::TemplateView)))]
async fn store(
    Admin(state, ctx): Admin,
    Path(at): Path<TemplateAddress>,
    Body(t): Body<Template>,
) -> Result<Reply> {
    Ok(templates::put_template(&state, &at, t.into(), &ctx)
        .await?
        .into())
}

#[utoipa::path(delete, path = "/admin/apps/{appId}/templates/{locale}/{name}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("locale" = String, Path), ("name" = String, Path)), responses((status = 200, description = "back to the default", body = keyturn::wire::admin::templates::TemplateView)))]
async fn remove(Admin(state, ctx): Admin, Path(at): Path<TemplateAddress>) -> Result<Reply> {
    Ok(templates::delete_template(&state, &at, &ctx).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/templates/{locale}/{name}",
        axum::routing::get(read).put(store).delete(remove),
    )
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(read, store, remove))]
pub(crate) struct Doc;
