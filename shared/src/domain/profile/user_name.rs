//! Usernames, when the app has `userNamesEnabled`: a user picks one once, it is
//! unique within the app, and login accepts it wherever a handle is expected.
//!
//! Uniqueness is one transaction: the conditional create of the name's claim item together with
//! the version-checked update of the user record. Either both happen or neither, so two users can
//! never hold one name, and a user can never hold a claim without the name on their record. The
//! claim carries the owner's handle, which is how login resolves a username
//! ([`crate::domain::common::repo::login_handle`]).

use crate::domain::common::caller::{self, Caller};
use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::ports::AppState;
use crate::domain::records::app::Feature;
use crate::domain::records::context::RequestContext;
use crate::domain::records::table_keys;
use crate::domain::records::user::UserName;
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// `setUserName` and `userNameAvailable` as the wire delivers them.
#[derive(Debug, Clone)]
pub struct UserNameRequest {
    /// The raw `userName`.
    pub user_name: String,
}

/// The caller, refused with 606 unless their app has usernames.
async fn caller_with_user_names(state: &AppState, ctx: &RequestContext) -> Result<Caller> {
    let caller = caller::user_from_access(state, ctx).await?;
    caller.app.require(Feature::UserNames)?;
    Ok(caller)
}

/// `POST /setUserName` with `userName`: once per user (602 when they have one), unique per app
/// (605 when another user holds it).
pub async fn set_user_name(
    state: &AppState,
    req: UserNameRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller_with_user_names(state, ctx).await?;
    let name = UserName::parse(&req.user_name)?;
    let (caller, name) = (&caller, &name);
    retry_on_conflict("user record", || async move {
        let (user, version) = caller::fresh_caller(state, caller).await?;
        if user.user_name.is_some() {
            return Err(Error::invalid("user already has a user name"));
        }
        let claim = repo::item(
            table_keys::user_name_claim(&user.app_id, name.as_str()),
            &serde_json::json!({ "userId": user.user_id, "handle": user.handle }),
            1,
        )?;
        let mut next = user.clone();
        next.user_name = Some(name.as_str().to_owned());
        next.updated_at = state.clock.now_ms();
        let mut tx = Transaction::new();
        let unclaimed = tx.push(WriteOp::Put(claim, Condition::Absent));
        tx.push(WriteOp::Put(
            repo::user_item(&next, version + 1)?,
            Condition::Version(version),
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => Ok(Attempt::Done(())),
            Err(StoreError::Conflict { op }) if op == unclaimed => Err(Error::UserNameTaken),
            // The user record changed underneath (another profile edit): decide again on the
            // fresh record, which may now hold a name.
            Err(StoreError::Conflict { .. }) => Ok(Attempt::Conflict),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Whether a username is free, so a client can say so while the user types, before
/// `setUserName` would refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Nobody in the app holds it.
    pub available: bool,
}

/// `GET /userNameAvailable?userName=`: `{"available": bool}`; a name that breaks the rules is
/// 602 rather than "unavailable", so the client can tell the user why.
pub async fn user_name_available(
    state: &AppState,
    req: UserNameRequest,
    ctx: &RequestContext,
) -> Result<Availability> {
    let caller = caller_with_user_names(state, ctx).await?;
    let name = UserName::parse(&req.user_name)?;
    let taken = state
        .store
        .get(&table_keys::user_name_claim(
            &caller.app.app_id,
            name.as_str(),
        ))
        .await?
        .is_some();
    Ok(Availability { available: !taken })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_trimmed_lower_case_and_free_of_at_signs() {
        assert_eq!(
            UserName::parse("  Bob_B.1-x ").unwrap().as_str(),
            "bob_b.1-x"
        );
        for bad in [
            "ab",
            "bob@x.com",
            "bob smith",
            "a".repeat(33).as_str(),
            "bób",
            "",
        ] {
            assert_eq!(UserName::parse(bad).unwrap_err().wire().code, 602, "{bad}");
        }
    }
}
