//! Forgot, reset and change password.
//!
//! - `forgotPassword` answers `true` whenever the app checks pass, for known and unknown handles
//!   alike, and counts the per-handle email limit before looking the user up, so neither the
//!   answer nor the limit reveals which accounts exist (the original's 603 did).
//! - A reset code follows DESIGN §4 (six CSPRNG digits, keyed hash, 30 minutes, five tries, single
//!   use). There is at most one per handle: a new request replaces the record and its tries, so
//!   an older (possibly leaked) code dies.
//! - A reset writes the new hash and bumps the token epoch in the same transaction that consumes
//!   the code, so every access token issued before is refused (405) and the code cannot be used
//!   twice. Other fields (second factors, when they exist) are left as they are: a reset never
//!   silently removes a factor.
//! - A change checks the old password (wrong → 602 as in the original, but counted on the login
//!   limit) and revokes every session except the caller's.

use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::domain::auth::Credentials;
use crate::domain::limits::{self, Limit};
use crate::domain::repo::{Attempt, retry_on_conflict};
use crate::domain::templates::{self, TemplateName, Values};
use crate::domain::user::{ClientPassword, UserStatus};
use crate::domain::{auth, credentials, keys, one_time_code, repo};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// Reset codes live this long (DESIGN §4).
pub const CODE_TTL_SECS: i64 = 30 * 60;
/// Reset emails one handle may receive: 5 per hour, counted for every handle asked about.
pub const MAIL_LIMIT: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// How long an expired reset record is kept, so a late try still answers 411 rather than 602.
const KEEP_AFTER_EXPIRY_SECS: i64 = 24 * 3600;

/// A pending password reset, in its handle's partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingReset {
    user_id: String,
    code_hash: String,
    code_expires_at: i64,
}

fn code_context(app_id: &str, handle: &str) -> String {
    format!("{app_id}/reset/{handle}")
}

/// A forgot-password request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ForgotRequest {
    /// Email, or a username when the app has usernames.
    pub handle: String,
}

/// `POST /forgotPassword`: always `true` once the app checks pass.
pub async fn forgot_password(
    state: &AppState,
    creds: &Credentials,
    req: ForgotRequest,
) -> Result<()> {
    let app = auth::app_from_any(state, creds).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    // Counted before the lookup: an unknown handle hits the same limit as a known one.
    limits::hit(state, &keys::reset_mails(&app.app_id, &handle), MAIL_LIMIT).await?;
    let user = match repo::find_user_by_handle(state, &app.app_id, &handle).await? {
        Some((user, _)) if user.status == UserStatus::Active && !user.anonymous => user,
        // Unknown, suspended (a reset would not let them in) or anonymous (no password): the
        // same answer, no mail.
        _ => return Ok(()),
    };
    let issued = one_time_code::issue(state, &code_context(&app.app_id, &user.handle));
    let now = state.clock.now_secs();
    let pending = PendingReset {
        user_id: user.user_id.clone(),
        code_hash: issued.hash,
        code_expires_at: now + CODE_TTL_SECS,
    };
    let item = repo::item(keys::reset(&app.app_id, &user.handle), &pending, 1)?
        .expiring_at(now + CODE_TTL_SECS + KEEP_AFTER_EXPIRY_SECS);
    state
        .store
        .transact(vec![
            WriteOp::Put(item, Condition::Any),
            WriteOp::Delete(keys::reset_tries(&app.app_id, &user.handle), Condition::Any),
        ])
        .await?;
    let values = Values {
        handle: &user.handle,
        code: &issued.code,
        link: "",
    };
    if let Err(e) = templates::send(
        state,
        &app,
        &user.locale,
        TemplateName::ResetPassword,
        &user.handle,
        values,
    )
    .await
    {
        // Answering 500 here (and `true` for unknown handles) would reveal the account.
        tracing::error!(error = %e.report(), app_id = %app.app_id, "reset mail not sent");
    }
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "password reset requested");
    Ok(())
}

/// A reset request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// Email, or a username when the app has usernames.
    pub handle: String,
    /// The new password (client MD5).
    pub password: String,
    /// The emailed code.
    pub code: String,
}

/// `POST /resetPassword`: a right code sets the new password and revokes every access token.
pub async fn reset_password(
    state: &AppState,
    creds: &Credentials,
    req: ResetRequest,
) -> Result<()> {
    let app = auth::app_from_any(state, creds).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    let password = ClientPassword::parse(&req.password)?;
    let key = keys::reset(&app.app_id, &handle);
    let Some(item) = state.store.get(&key).await? else {
        // The same 602 as a wrong code: no pending reset says nothing about the account.
        return Err(Error::invalid("wrong code"));
    };
    let pending: PendingReset = repo::record(&item)?;
    let tries = keys::reset_tries(&app.app_id, &handle);
    one_time_code::check(
        state,
        &code_context(&app.app_id, &handle),
        &req.code,
        &pending.code_hash,
        pending.code_expires_at,
        &tries,
    )
    .await?;
    let password_hash = state.passwords.hash(password.expose()).await?;
    let (app, handle, key, tries) = (&app, &handle, &key, &tries);
    let (pending, password_hash) = (&pending, &password_hash);
    retry_on_conflict("user being reset", || async move {
        let Some((mut user, version)) = repo::load_user(state, &pending.user_id).await? else {
            return Err(Error::invalid("wrong code"));
        };
        if user.app_id != app.app_id || user.handle != *handle {
            return Err(Error::invalid("wrong code"));
        }
        user.password_hash = password_hash.clone();
        user.revoke_sessions(None);
        user.updated_at = state.clock.now_ms();
        let mut tx = Transaction::new();
        let record = tx.push(WriteOp::Put(
            repo::user_item(&user, version + 1)?,
            Condition::Version(version),
        ));
        tx.push(WriteOp::Delete(
            key.clone(),
            Condition::Version(item.version),
        ));
        tx.push(WriteOp::Delete(tries.clone(), Condition::Any));
        // Whoever proved the mailbox is no longer locked out by earlier wrong guesses.
        tx.push(WriteOp::Delete(
            keys::login_tries(&app.app_id, handle),
            Condition::Any,
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => {
                tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "password reset");
                Ok(Attempt::Done(()))
            }
            Err(StoreError::Conflict { op }) if op == record => Ok(Attempt::Conflict),
            // The code was consumed or replaced meanwhile: it is no longer valid.
            Err(StoreError::Conflict { .. }) => Err(Error::invalid("wrong code")),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// A change-password request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    /// The current password (client MD5).
    pub password: String,
    /// The new password (client MD5).
    pub new_password: String,
}

/// `POST /changePassword`: the old password proves the caller; every other session is revoked.
pub async fn change_password(
    state: &AppState,
    creds: &Credentials,
    req: ChangeRequest,
) -> Result<()> {
    let caller = auth::user_from_access(state, creds).await?;
    if req.password == req.new_password {
        return Err(Error::invalid(
            "the new password must differ from the old one",
        ));
    }
    let new_password = ClientPassword::parse(&req.new_password)?;
    let app_id = caller.app.app_id.clone();
    let tries = credentials::count_try(state, &app_id, &caller.user.handle).await?;
    if !credentials::proves(state, &caller.user, &req.password).await {
        // The original's 602 (clients map it), counted like a failed login.
        return Err(Error::invalid("wrong password"));
    }
    limits::clear(state, &tries).await;
    let password_hash = state.passwords.hash(new_password.expose()).await?;
    let (sid, epoch) = (caller.sid.clone(), caller.epoch);
    let user = auth::update_caller(state, &caller, |user| {
        user.password_hash = password_hash.clone();
        user.revoke_sessions(Some((&sid, epoch)));
        Ok(())
    })
    .await?;
    tracing::info!(%app_id, user_id = %user.user_id, "password changed");
    Ok(())
}
