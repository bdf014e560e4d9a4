//! The app's message templates: `GET`, `PUT` and `DELETE
//! /admin/apps/{appId}/templates/{locale}/{name}`.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::templates::{self, TemplateAddress};
use keyturn::domain::templates::Template;
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, Body};

async fn read(Admin(state, _): Admin, Path(at): Path<TemplateAddress>) -> Result<Reply> {
    Ok(templates::get_template(&state, &at).await?.into())
}

async fn store(
    Admin(state, _): Admin,
    Path(at): Path<TemplateAddress>,
    Body(t): Body<Template>,
) -> Result<Reply> {
    Ok(templates::put_template(&state, &at, t).await?.into())
}

async fn remove(Admin(state, _): Admin, Path(at): Path<TemplateAddress>) -> Result<Reply> {
    Ok(templates::delete_template(&state, &at).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/admin/apps/{app_id}/templates/{locale}/{name}",
        axum::routing::get(read).put(store).delete(remove),
    )
}
