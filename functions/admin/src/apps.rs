//! `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::admin;
use keyturn::wire::reply::respond;

use crate::{Admin, AdminRequest};

async fn create(State(state): State<AppState>, _: Admin, req: AdminRequest) -> Response {
    respond(admin::create_app(&state, &req.body, &req.context).await)
}

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(admin::get_app(&state, &app_id, &req.context).await)
}

async fn update(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(admin::patch_app(&state, &app_id, &req.body, &req.context).await)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps", post(create))
        .route("/admin/apps/{app_id}", get(read).patch(update))
}
