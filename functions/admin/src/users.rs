//! The app's users: list and search, get, suspend, reactivate, revoke sessions, delete.

use axum::Router;
use axum::extract::Path;
use keyturn::domain::admin::users::{self, ListRequest};
use keyturn::wire::Reply;
use keyturn::wire::admin::users::UserAction;
use keyturn::{AppState, Result};

use crate::{Admin, AppId, Query};

/// The path of one user: app and user id.
type UserPath = Path<(String, String)>;

#[utoipa::path(get, path = "/admin/apps/{appId}/users", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("limit" = Option<String>, Query, description = "page size"), ("cursor" = Option<String>, Query, description = "from the previous page"), ("search" = Option<String>, Query, description = "handle prefix")), responses((status = 200, description = "one page of users", body = keyturn::wire::admin::users::UserPage)))]
async fn list(Admin(state, _): Admin, Path(id): AppId, query: Query) -> Result<Reply> {
    let page = query.page()?;
    let search = query.0.text("search")?;
    let input = ListRequest { page, search };
    Ok(users::list_users(&state, &id, input).await?.into())
}

#[utoipa::path(get, path = "/admin/apps/{appId}/users/{userId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("userId" = String, Path)), responses((status = 200, description = "the user", body = keyturn::wire::admin::users::UserDetail)))]
async fn read(Admin(state, _): Admin, Path((id, user_id)): UserPath) -> Result<Reply> {
    Ok(users::get_user(&state, &id, &user_id).await?.into())
}

#[utoipa::path(delete, path = "/admin/apps/{appId}/users/{userId}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("userId" = String, Path)), responses((status = 200, description = "deleted", body = keyturn::wire::openapi::True)))]
async fn remove(Admin(state, ctx): Admin, Path((id, user_id)): UserPath) -> Result<Reply> {
    Ok(users::delete_user(&state, &id, &user_id, &ctx)
        .await?
        .into())
}

/// `POST …/users/{userId}/suspend`, `…/reactivate` and `…/revoke-sessions`.
#[utoipa::path(post, path = "/admin/apps/{appId}/users/{userId}/{action}", security(("admin_key" = [])), tag = "admin", params(("appId" = String, Path), ("userId" = String, Path), ("action" = inline(keyturn::wire::admin::users::UserAction), Path)), responses((status = 200, description = "the user as changed", body = keyturn::wire::admin::users::UserView)))]
async fn act(
    Admin(state, ctx): Admin,
    Path((id, user_id, action)): Path<(String, String, String)>,
) -> Result<Reply> {
    let action = UserAction::parse(&action).ok_or(keyturn::Error::RouteNotFound)?;
    Ok(users::act(&state, &id, &user_id, action.into(), &ctx)
        .await?
        .into())
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/apps/{app_id}/users", get(list))
        .route(
            "/admin/apps/{app_id}/users/{user_id}",
            get(read).delete(remove),
        )
        .route("/admin/apps/{app_id}/users/{user_id}/{action}", post(act))
}

/// These routes in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, read, remove, act))]
pub(crate) struct Doc;
