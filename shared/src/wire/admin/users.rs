//! `/admin/apps/{appId}/users[/{userId}[/{action}]]`: the admin views of users and the actions
//! on them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::clock::iso_millis;
use crate::domain::admin::users;
use crate::domain::records::user::User;
use crate::wire::records::UserStatus;

/// The admin view of a user: profile and status, never the password hash or session state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    user_id: String,
    app_id: String,
    handle: String,
    user_name: Option<String>,
    status: UserStatus,
    locale: String,
    meta_data: Map<String, Value>,
    anonymous: bool,
    created_at: String,
    updated_at: String,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            user_id: user.user_id,
            app_id: user.app_id,
            handle: user.handle,
            user_name: user.user_name,
            status: user.status.into(),
            locale: user.locale,
            meta_data: user.meta_data,
            anonymous: user.anonymous,
            created_at: iso_millis(user.created_at),
            updated_at: iso_millis(user.updated_at),
        }
    }
}

/// One user in detail: the view plus the last login time.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    #[serde(flatten)]
    user: UserView,
    last_login: Option<String>,
}

convert!(users::UserDetail => UserDetail {
    user: UserView::from,
    last_login,
});

page_reply! {
    /// `{"users": [...], "cursor": ...}` and the like: one page of a listing.
    UserPage {
        /// The users, ordered by handle.
        users: Vec<UserView>
    } from User
}

/// What `POST /admin/apps/{appId}/users/{userId}/{action}` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UserAction {
    /// Suspend the user (every session ends).
    Suspend,
    /// Lift a suspension.
    Reactivate,
    /// End every session.
    RevokeSessions,
}

impl UserAction {
    /// The action a path segment names, by the names the document lists (`None`: no such
    /// route, which the admin function answers like any unknown path).
    pub fn parse(segment: &str) -> Option<Self> {
        serde_json::from_value(Value::String(segment.to_owned())).ok()
    }
}

impl From<UserAction> for users::Action {
    fn from(action: UserAction) -> Self {
        match action {
            UserAction::Suspend => Self::Suspend,
            UserAction::Reactivate => Self::Reactivate,
            UserAction::RevokeSessions => Self::RevokeSessions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_by_their_path_names_only() {
        assert_eq!(UserAction::parse("suspend"), Some(UserAction::Suspend));
        assert_eq!(
            UserAction::parse("reactivate"),
            Some(UserAction::Reactivate)
        );
        assert_eq!(
            UserAction::parse("revoke-sessions"),
            Some(UserAction::RevokeSessions)
        );
        for other in ["Suspend", "revoke_sessions", "revokeSessions", "delete", ""] {
            assert_eq!(UserAction::parse(other), None, "{other}");
        }
    }
}
