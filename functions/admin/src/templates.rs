//! The app's message templates: `GET`, `PUT` and `DELETE
//! /admin/apps/{appId}/templates/{locale}/{name}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::admin::templates;
use keyturn::domain::templates::Template;
use keyturn::wire::Reply;

use crate::{Admin, AdminJson};

/// The path of one template: app, locale, template name.
type TemplatePath = Path<(String, String, String)>;

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
) -> keyturn::Result<Reply> {
    Ok(templates::get_template(&state, &app_id, &locale, &name)
        .await?
        .into())
}

async fn store(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
    AdminJson(template): AdminJson<Template>,
) -> keyturn::Result<Reply> {
    let stored = templates::put_template(&state, &app_id, &locale, &name, template).await?;
    Ok(stored.into())
}

async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
) -> keyturn::Result<Reply> {
    Ok(templates::delete_template(&state, &app_id, &locale, &name)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/templates/{locale}/{name}",
        get(read).put(store).delete(remove),
    )
}
