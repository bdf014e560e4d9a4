//! The key design of the one table, written down with why.
//!
//! | item | pk | sk | secondary index (pk / sk) |
//! |---|---|---|---|
//! | app settings | `APP#<appId>` | `APP` | `APPS` / `<appId>` |
//! | user | `USER#<userId>` | `USER` | `APP#<appId>#USERS` / `<handle>` |
//! | user's last login | `USER#<userId>` | `LOGIN` | – |
//! | handle claim (uniqueness) | `APP#<appId>#H#<handle>` | `HANDLE` | – |
//! | pending signup | `APP#<appId>#H#<handle>` | `SIGNUP` | – |
//! | signup code attempts | `APP#<appId>#H#<handle>` | `SIGNUP#TRIES` | – |
//! | signup emails sent (limit) | `APP#<appId>#H#<handle>` | `SIGNUP#MAILS` | – |
//! | failed logins (lockout) | `APP#<appId>#H#<handle>` | `LOGIN#TRIES` | – |
//! | admin key hash (local runner) | `KEYTURN` | `ADMINKEY` | – |
//!
//! Why: every write an end user causes lands in a partition of its own user or handle, so no
//! partition takes writes in proportion to an app's whole traffic, however many millions of
//! users it has. Uniqueness of a handle per app is the conditional create of its claim item
//! (never read-then-write). App-wide listings go through the sparse secondary index, which only
//! user and app records enter; hot-changing data (last login, counters) lives in separate items
//! so logins never rewrite the indexed user record.

use crate::store::Key;

/// An app's settings record.
pub fn app(app_id: &str) -> Key {
    Key::new(format!("APP#{app_id}"), "APP")
}

/// Index key listing every app.
pub fn app_listing(app_id: &str) -> Key {
    Key::new("APPS", app_id)
}

/// A user's record.
pub fn user(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "USER")
}

/// Index key listing a user under its app, ordered by handle.
pub fn user_listing(app_id: &str, handle: &str) -> Key {
    Key::new(format!("APP#{app_id}#USERS"), handle)
}

/// A user's last-login record.
pub fn last_login(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "LOGIN")
}

fn handle_pk(app_id: &str, handle: &str) -> String {
    format!("APP#{app_id}#H#{handle}")
}

/// The claim that makes a handle unique within its app.
pub fn handle_claim(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "HANDLE")
}

/// A pending signup.
pub fn signup(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP")
}

/// Attempts at the pending signup's code.
pub fn signup_tries(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP#TRIES")
}

/// Signup emails sent to a handle in the current window.
pub fn signup_mails(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP#MAILS")
}

/// Failed logins of a handle in the current lockout window.
pub fn login_tries(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "LOGIN#TRIES")
}

/// The local runner's admin key hash.
pub fn admin_key() -> Key {
    Key::new("KEYTURN", "ADMINKEY")
}
