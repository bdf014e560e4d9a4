//! An app's users: list and search, read one, suspend, reactivate, revoke sessions, delete.
//!
//! Listings walk the sparse secondary index (`APP#<appId>#USERS`, sorted by handle), so a page
//! costs one query whatever the app's size, and a handle-prefix search is the same query with a
//! sort-key prefix — never a table scan. Results are the user records; the wire layer's views of
//! them never carry the password hash or session state. Every change is a compare-and-swap on
//! the user record (retried on conflict) and is logged with app, user and action for the audit
//! trail.

use crate::domain::RequestContext;
use crate::domain::accounts;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::paging::{self, Page, PageRequest};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::domain::records::user::{User, UserStatus};
use crate::error::{Error, Result};

/// `GET /admin/apps/{appId}/users` query parameters.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Which page.
    pub page: PageRequest,
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

/// One user in detail: the record and the last login time, which lives in an item of its own
/// (a login must not rewrite the user record). The wire shows neither the password hash nor
/// session state.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDetail {
    /// The user as stored.
    pub user: User,
    /// The last successful login (ISO 8601), if any.
    pub last_login: Option<String>,
}

/// A user of `app_id` (404 when absent or of another app).
async fn load(state: &AppState, app_id: &str, user_id: &str) -> Result<(User, u64)> {
    load_with_app(state, app_id, user_id).await.map(|(_, u)| u)
}

/// [`load`], also returning the app (for the audit entry's retention).
async fn load_with_app(
    state: &AppState,
    app_id: &str,
    user_id: &str,
) -> Result<(App, (User, u64))> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    match repo::load_user(state, user_id).await? {
        Some((user, version)) if user.app_id == app_id => Ok((app, (user, version))),
        _ => Err(Error::UserNotFound),
    }
}

/// `GET /admin/apps/{appId}/users?limit=&cursor=&search=`: one page of users ordered by handle.
pub async fn list_users(state: &AppState, app_id: &str, req: ListRequest) -> Result<Page<User>> {
    repo::existing_app(state, app_id).await?;
    let search = req.search.unwrap_or_default().trim().to_lowercase();
    if search.len() > repo::MAX_HANDLE_BYTES {
        return Err(Error::invalid("search is longer than any handle"));
    }
    let pk = table_keys::user_listing(app_id, "").pk;
    paging::page(state, pk, search, req.page, |u: User| u).await
}

/// `GET /admin/apps/{appId}/users/{userId}`: the user's view plus the last login time.
pub async fn get_user(state: &AppState, app_id: &str, user_id: &str) -> Result<UserDetail> {
    let (user, _) = load(state, app_id, user_id).await?;
    Ok(UserDetail {
        user,
        last_login: repo::last_login(state, user_id).await?,
    })
}

/// `POST .../users/{userId}/suspend|reactivate|revoke-sessions`: the changed user.
pub async fn act(
    state: &AppState,
    app_id: &str,
    user_id: &str,
    action: Action,
    ctx: &RequestContext,
) -> Result<User> {
    let (app, _) = load_with_app(state, app_id, user_id).await?;
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
    let kind = match action {
        Action::Suspend => Kind::AdminUserSuspended,
        Action::Reactivate => Kind::AdminUserReactivated,
        Action::RevokeSessions => Kind::AdminSessionsRevoked,
    };
    audit::record_admin(state, ctx, Event::new(&app, kind).user(user_id)).await?;
    Ok(user)
}

/// `DELETE /admin/apps/{appId}/users/{userId}`: the same cleanup as `deleteAccount`.
pub async fn delete_user(
    state: &AppState,
    app_id: &str,
    user_id: &str,
    ctx: &RequestContext,
) -> Result<()> {
    let (app, (user, _)) = load_with_app(state, app_id, user_id).await?;
    accounts::purge(state, user_id).await?;
    tracing::info!(%app_id, %user_id, "admin: user deleted");
    let event = Event::new(&app, Kind::AdminUserDeleted)
        .user(user_id)
        .detail("handle", user.handle);
    audit::record_admin(state, ctx, event).await?;
    Ok(())
}
