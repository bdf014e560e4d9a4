//! `GET /admin/doctor` and `GET /admin/apps/{appId}/doctor?limit=&cursor=`: one page of the
//! table checker (`keyturn doctor` pages through it), over the whole table or one app.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::doctor::{self, DoctorRequest, Scope};
use keyturn::wire::Reply;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Query};

impl Query {
    /// A check's page (`?limit=&cursor=`).
    fn doctor(&self) -> keyturn::Result<DoctorRequest> {
        Ok(DoctorRequest {
            limit: self.0.text("limit")?,
            cursor: self.0.text("cursor")?,
        })
    }
}

#[utoipa::path(get, path = "/admin/doctor", security(("admin_key" = [])), tag = "admin", params(("limit" = Option<String>, Query, description = "items to read, 1 to 1000 (default 200)"), ("cursor" = Option<String>, Query, description = "from the previous page")), responses((status = 200, description = "one page of the whole table's check: what it found and the next page's cursor", body = keyturn::wire::admin::doctor::DoctorPage)))]
async fn table(Admin(state, _): Admin, query: Query) -> Result<Reply> {
    Ok(doctor::check(&state, &Scope::Table, query.doctor()?)
        .await?
        .into())
}

#[utoipa::path(get, path = "/admin/apps/{appId}/doctor", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("limit" = Option<String>, Query, description = "items to read, 1 to 1000 (default 200)"), ("cursor" = Option<String>, Query, description = "from the previous page")), responses((status = 200, description = "one page of the app's check: what it found and the next page's cursor", body = keyturn::wire::admin::doctor::DoctorPage)))]
async fn app(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    Ok(doctor::check(&state, &Scope::App(id), query.doctor()?)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/doctor", axum::routing::get(table))
        .route("/admin/apps/{app_id}/doctor", axum::routing::get(app))
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(table, app))]
pub(crate) struct Doc;
