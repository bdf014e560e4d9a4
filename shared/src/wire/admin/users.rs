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

/// One user in detail, as the console's user panel shows it: the view plus the last login
/// time, how the user signs in, and their second factors with the phone masked.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    #[serde(flatten)]
    user: UserView,
    last_login: Option<String>,
    /// `password`, `anonymous`, or the social provider (`apple`, `google`).
    provider: &'static str,
    email_verified: bool,
    two_factor: SecondFactorView,
}

/// A user's second factors as an admin sees them: switches and a masked phone, never the TOTP
/// secret, the recovery codes or the whole number.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecondFactorView {
    /// Authenticator-app (TOTP) login is on.
    google: bool,
    /// SMS login is on.
    phone: bool,
    /// Whether the phone was verified by a code.
    phone_verified: bool,
    /// The phone with all but the country code and last two digits masked.
    masked_phone: Option<String>,
}

impl From<users::UserDetail> for UserDetail {
    fn from(detail: users::UserDetail) -> Self {
        let u = &detail.user;
        let provider = match (&u.social, u.anonymous) {
            (Some(social), _) => social.provider.as_str(),
            (None, true) => "anonymous",
            (None, false) => "password",
        };
        let two_factor = SecondFactorView {
            google: u.two_factor.google,
            phone: u.two_factor.phone_login,
            phone_verified: u.two_factor.phone_verified,
            masked_phone: u.two_factor.masked_phone(),
        };
        Self {
            provider,
            email_verified: u.email_verified,
            two_factor,
            last_login: detail.last_login,
            user: UserView::from(detail.user),
        }
    }
}

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
