//! The app's users: list and search, get, suspend, reactivate, revoke sessions, delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::admin_users::{self, Action, ListRequest};
use keyturn::wire::reply::respond;

use crate::{Admin, AdminRequest};

type UserPath = Path<(String, String)>;

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    let input = || -> keyturn::Result<ListRequest> {
        Ok(ListRequest {
            limit: req.query.text("limit")?,
            cursor: req.query.text("cursor")?,
            search: req.query.text("search")?,
        })
    };
    respond(match input() {
        Ok(input) => admin_users::list_users(&state, &app_id, input).await,
        Err(e) => Err(e),
    })
}

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> Response {
    respond(admin_users::get_user(&state, &app_id, &user_id).await)
}

async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> Response {
    respond(admin_users::delete_user(&state, &app_id, &user_id).await)
}

async fn suspend(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> Response {
    respond(admin_users::act(&state, &app_id, &user_id, Action::Suspend).await)
}

async fn reactivate(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> Response {
    respond(admin_users::act(&state, &app_id, &user_id, Action::Reactivate).await)
}

async fn revoke_sessions(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> Response {
    respond(admin_users::act(&state, &app_id, &user_id, Action::RevokeSessions).await)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps/{app_id}/users", get(list))
        .route(
            "/admin/apps/{app_id}/users/{user_id}",
            get(read).delete(remove),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/suspend",
            post(suspend),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/reactivate",
            post(reactivate),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/revoke-sessions",
            post(revoke_sessions),
        )
}
