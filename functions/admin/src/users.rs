//! The app's users: list and search, get, suspend, reactivate, revoke sessions, delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::admin::users::{self, Action, ListRequest};
use keyturn::wire::Reply;

use crate::{Admin, AdminQuery};

type UserPath = Path<(String, String)>;

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(app_id): Path<String>,
    query: AdminQuery,
) -> keyturn::Result<Reply> {
    let input = ListRequest {
        page: query.page()?,
        search: query.0.text("search")?,
    };
    Ok(users::list_users(&state, &app_id, input).await?.into())
}

async fn read(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> keyturn::Result<Reply> {
    Ok(users::get_user(&state, &app_id, &user_id).await?.into())
}

async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id)): UserPath,
) -> keyturn::Result<Reply> {
    Ok(users::delete_user(&state, &app_id, &user_id).await?.into())
}

/// `POST …/users/{userId}/suspend`, `…/reactivate` and `…/revoke-sessions`.
async fn act(
    State(state): State<AppState>,
    _: Admin,
    Path((app_id, user_id, action)): Path<(String, String, String)>,
) -> keyturn::Result<Reply> {
    let action = match action.as_str() {
        "suspend" => Action::Suspend,
        "reactivate" => Action::Reactivate,
        "revoke-sessions" => Action::RevokeSessions,
        _ => return Err(keyturn::Error::RouteNotFound),
    };
    Ok(users::act(&state, &app_id, &user_id, action).await?.into())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps/{app_id}/users", get(list))
        .route(
            "/admin/apps/{app_id}/users/{user_id}",
            get(read).delete(remove),
        )
        .route("/admin/apps/{app_id}/users/{user_id}/{action}", post(act))
}
