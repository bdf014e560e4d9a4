//! Anonymous login, when the app has `anonymousLoginEnabled`.
//!
//! The handle is the whole credential, so it is handled with care the original lacked (it
//! looked up arrays as `$in` queries, so one request could log in as another user):
//! - it must be a single string (the wire layer refuses arrays and repeated form keys with 602,
//!   so `handle=ANON_&handle=victim@x.com` can never reach a lookup);
//! - it must **start** with `ANON_` (600 otherwise) and consist of `A-Z a-z 0-9 _ -` only, at
//!   most [`MAX_HANDLE_LEN`] long, with at least [`MIN_SUFFIX_LEN`] characters after the prefix
//!   (602) — an `@` can never appear, so an anonymous handle never names an email account, and a
//!   trivially guessable handle like `ANON_1` is refused;
//! - the user's status is checked (suspended → 404);
//! - new anonymous users per client address are limited (the app's
//!   `addressAnonymousUsersPerHour`, 615).
//! - an anonymous account can have no second factor (switching one on and `setPhone` answer
//!   608), so this login, which asks for nothing but the handle, never skips one.
//!
//! The case of the handle is preserved, as the clients generate it (the original did not
//! lower-case it either). The user has no password (`passwordHash` empty, which no password
//! verifies), so password login can never reach it, and every metadata field is filled with
//! `ANON_<fieldName>` as the original did, so required fields never block its JWT.

use serde_json::{Map, Value};

use crate::domain::RequestContext;
use crate::domain::accounts;
use crate::domain::common::caller;
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::repo;
use crate::domain::common::session;
use crate::domain::common::session::{Proof, Session};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, Feature};
use crate::domain::records::context::ClientAddress;
use crate::domain::records::metadata::set_path;
use crate::domain::records::user::{User, UserStatus};
use crate::error::{Error, Result};
use crate::store::StoreError;

// The handle's rule lives with the user record, since the CosyncJWT import checks it too.
pub use crate::domain::records::user::{
    ANONYMOUS_PREFIX as PREFIX, MAX_ANONYMOUS_HANDLE_LEN as MAX_HANDLE_LEN,
    MIN_ANONYMOUS_SUFFIX_LEN as MIN_SUFFIX_LEN, parse_anonymous_handle as parse_handle,
};

/// A `loginAnonymous` request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct AnonymousRequest {
    /// The raw `ANON_` handle.
    pub handle: String,
}

/// `POST /loginAnonymous` with `handle`: logs the anonymous user in, creating it on first use.
pub async fn login_anonymous(
    state: &AppState,
    req: AnonymousRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let app = caller::app_from_token(state, ctx).await?;
    app.require(Feature::AnonymousLogin)?;
    let handle = parse_handle(&req.handle)?;
    let user = match repo::find_user_by_handle(state, &app.app_id, handle).await? {
        Some((user, _)) => user,
        None => create(state, &app, handle, &ctx.client).await?,
    };
    if !user.anonymous {
        // Unreachable through handles (an anonymous one has no `@`); refuse rather than trust.
        return Err(Error::InvalidCredentials);
    }
    if user.status == UserStatus::Suspended {
        return Err(Error::UserSuspended);
    }
    session::issue(state, &app, &user, &ctx.base_url, Proof::Anonymous).await
}

/// Creates the anonymous user and its handle claim in one transaction. When a concurrent request
/// created it first, that user is read back and logged in instead.
async fn create(state: &AppState, app: &App, handle: &str, client: &ClientAddress) -> Result<User> {
    limits::hit_address(state, app, client, AddressFlow::AnonymousUsers).await?;
    let mut meta_data = Map::new();
    for f in app
        .settings
        .meta_data
        .iter()
        .filter(|f| f.field_name != "email")
    {
        set_path(
            &mut meta_data,
            &f.path,
            Value::String(format!("{PREFIX}{}", f.field_name)),
        );
    }
    let mut user = accounts::new_user(state, app, handle, String::new(), meta_data, "EN".into());
    user.anonymous = true;
    let (tx, claim) = accounts::creation(&user)?;
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict { op }) if op == claim => {
            match repo::find_user_by_handle(state, &app.app_id, handle).await? {
                Some((existing, _)) => Ok(existing),
                None => Err(Error::internal("anonymous handle claimed without a user")),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_handles_start_with_the_prefix_and_stay_plain() {
        assert_eq!(
            parse_handle("ANON_3f2a-B9c1_0000").unwrap(),
            "ANON_3f2a-B9c1_0000"
        );
        assert_eq!(
            parse_handle("x_ANON_12345678").unwrap_err().wire().code,
            600
        );
        assert_eq!(parse_handle("anon_12345678").unwrap_err().wire().code, 600);
        let too_long = format!("ANON_{}", "a".repeat(124));
        for bad in [
            "ANON_",
            "ANON_1234567",
            "ANON_abc@x.com1",
            "ANON_a b c d e f",
            &too_long,
        ] {
            assert_eq!(parse_handle(bad).unwrap_err().wire().code, 602, "{bad}");
        }
        assert!(parse_handle(&format!("ANON_{}", "a".repeat(123))).is_ok());
    }
}
