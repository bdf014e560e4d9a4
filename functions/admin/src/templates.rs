//! The app's message templates: `GET`, `PUT` and `DELETE
//! /admin/apps/{appId}/templates/{locale}/{name}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::templates;
use keyturn::domain::templates::Template;
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, Body};

/// The path of one template: app, locale, template name.
type TemplatePath = Path<(String, String, String)>;

async fn read(Admin(state, _): Admin, Path((id, locale, name)): TemplatePath) -> Result<Reply> {
    Ok(templates::get_template(&state, &id, &locale, &name)
        .await?
        .into())
}

async fn store(
    Admin(state, _): Admin,
    Path((id, locale, name)): TemplatePath,
    Body(template): Body<Template>,
) -> Result<Reply> {
    let stored = templates::put_template(&state, &id, &locale, &name, template).await?;
    Ok(stored.into())
}

async fn remove(Admin(state, _): Admin, Path((id, locale, name)): TemplatePath) -> Result<Reply> {
    let current = templates::delete_template(&state, &id, &locale, &name).await?;
    Ok(current.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/templates/{locale}/{name}",
        axum::routing::get(read).put(store).delete(remove),
    )
}
