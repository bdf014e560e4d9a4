//! The app's message templates: `GET`, `PUT` and `DELETE
//! /admin/apps/{appId}/templates/{locale}/{name}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use keyturn::AppState;
use keyturn::domain::template_admin;
use keyturn::wire::reply::respond;

use crate::{Admin, AdminRequest};

/// The path of one template: app, locale, template name.
type TemplatePath = Path<(String, String, String)>;

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
) -> Response {
    respond(template_admin::get_template(&state, &app_id, &locale, &name).await)
}

async fn store(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
    req: AdminRequest,
) -> Response {
    respond(template_admin::put_template(&state, &app_id, &locale, &name, &req.body).await)
}

async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, locale, name)): TemplatePath,
) -> Response {
    respond(template_admin::delete_template(&state, &app_id, &locale, &name).await)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/templates/{locale}/{name}",
        get(read).put(store).delete(remove),
    )
}
