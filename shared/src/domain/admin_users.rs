//! The admin API over an app's users: list and search, read one, suspend, reactivate, revoke
//! sessions, delete. Callers have passed [`super::admin::authorize`].
//!
//! Listings walk the sparse secondary index (`APP#<appId>#USERS`, sorted by handle), so a page
//! costs one query whatever the app's size, and a handle-prefix search is the same query with a
//! sort-key prefix — never a table scan. Views never carry the password hash or session state.
//! Every change is a compare-and-swap on the user record (retried on conflict) and is logged
//! with app, user and action for the audit trail.

use serde_json::{Value, json};

use crate::AppState;
use crate::clock::iso_millis;
use crate::domain::account::purge_user;
use crate::domain::user::{User, UserStatus};
use crate::domain::{keys, repo};
use crate::error::{Error, Result};
use crate::store::{Index, Query};
use crate::wire::Reply;

/// Page size when the caller names none.
const DEFAULT_PAGE: usize = 50;
/// Largest page a caller may ask for.
const MAX_PAGE: usize = 100;
/// `GET /admin/apps/{appId}/users` query parameters, as the wire delivers them.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<String>,
    /// The `cursor` of the previous page.
    pub cursor: Option<String>,
    /// Handle prefix to search for.
    pub search: Option<String>,
}

/// What an admin may do to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Refuse logins and revoke every session.
    Suspend,
    /// Allow logins again.
    Reactivate,
    /// Revoke every session (admin logout).
    RevokeSessions,
}

/// The admin view of a user: profile and status, never the password hash or session state.
fn view(user: &User) -> Value {
    json!({
        "userId": user.user_id,
        "appId": user.app_id,
        "handle": user.handle,
        "userName": user.user_name,
        "status": user.status,
        "locale": user.locale,
        "metaData": user.meta_data,
        "anonymous": user.anonymous,
        "createdAt": iso_millis(user.created_at),
        "updatedAt": iso_millis(user.updated_at),
    })
}

async fn require_app(state: &AppState, app_id: &str) -> Result<()> {
    repo::load_app(state, app_id)
        .await?
        .map(|_| ())
        .ok_or(Error::AppNotFound)
}

/// A user of `app_id` (404 when absent or of another app).
async fn load(state: &AppState, app_id: &str, user_id: &str) -> Result<(User, u64)> {
    require_app(state, app_id).await?;
    match repo::load_user(state, user_id).await? {
        Some((user, version)) if user.app_id == app_id => Ok((user, version)),
        _ => Err(Error::UserNotFound),
    }
}

/// `GET /admin/apps/{appId}/users?limit=&cursor=&search=`: one page of users ordered by handle,
/// `{"users": [...], "cursor": <next page or null>}`.
pub async fn list_users(state: &AppState, app_id: &str, req: ListRequest) -> Result<Reply> {
    let limit = match req.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_PAGE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Error::invalid(format!("limit must be 1 to {MAX_PAGE}")))?,
    };
    require_app(state, app_id).await?;
    let search = req.search.unwrap_or_default().trim().to_lowercase();
    if search.len() > repo::MAX_HANDLE_BYTES {
        return Err(Error::invalid("search is longer than any handle"));
    }
    let page = state
        .store
        .query(Query {
            index: Index::Secondary,
            pk: keys::user_listing(app_id, "").pk,
            sk_prefix: search,
            limit,
            cursor: req.cursor.filter(|c| !c.is_empty()),
        })
        .await?;
    let users = page
        .items
        .iter()
        .map(|item| repo::record::<User>(item).map(|u| view(&u)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Reply::Json(
        json!({ "users": users, "cursor": page.cursor }),
    ))
}

/// `GET /admin/apps/{appId}/users/{userId}`: the user's view plus the last login time.
pub async fn get_user(state: &AppState, app_id: &str, user_id: &str) -> Result<Reply> {
    let (user, _) = load(state, app_id, user_id).await?;
    let last_login = state
        .store
        .get(&keys::last_login(user_id))
        .await?
        .and_then(|i| i.data.get("at").and_then(Value::as_i64))
        .map(iso_millis);
    let mut v = view(&user);
    v["lastLogin"] = json!(last_login);
    Ok(Reply::Json(v))
}

/// `POST .../users/{userId}/suspend|reactivate|revoke-sessions`: the changed user's view.
pub async fn act(state: &AppState, app_id: &str, user_id: &str, action: Action) -> Result<Reply> {
    load(state, app_id, user_id).await?;
    let user = repo::update_user(state, user_id, |user| {
        match action {
            Action::Suspend => {
                user.status = UserStatus::Suspended;
                user.revoke_sessions(None);
            }
            Action::Reactivate => user.status = UserStatus::Active,
            Action::RevokeSessions => user.revoke_sessions(None),
        }
        Ok(())
    })
    .await?
    .ok_or(Error::UserNotFound)?;
    tracing::info!(%app_id, %user_id, action = ?action, "admin: user changed");
    Ok(Reply::Json(view(&user)))
}

/// `DELETE /admin/apps/{appId}/users/{userId}`: the same cleanup as `deleteAccount`.
pub async fn delete_user(state: &AppState, app_id: &str, user_id: &str) -> Result<Reply> {
    let (user, version) = load(state, app_id, user_id).await?;
    purge_user(state, user, version).await?;
    tracing::info!(%app_id, %user_id, "admin: user deleted");
    Ok(Reply::True)
}
