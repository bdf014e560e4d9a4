//! Forgot and reset password.
//!
//! - `forgotPassword` answers `true` whenever the app checks pass, for known and unknown handles
//!   alike. Its limits on the caller (messages per client address, mails per canonical mailbox
//!   from this address and over all addresses) are counted before the user is looked up; for an
//!   unknown handle it stores a decoy reset whose code is never sent and waits as long as a
//!   reset mail takes here, so neither the answer, the limits, `resetPassword`'s later answers
//!   nor the timing reveal which accounts exist (the original's 603 did). Only a mail that goes
//!   out spends the app's daily mail budget, so decoys cost the caller's address and not the
//!   app's mail; once the budget is spent a known handle's mail is dropped (logged) and the
//!   answer is still `true` after the same wait, since a 615 only for real accounts would name
//!   them.
//! - `resetPassword` refuses a malformed code before any lookup, then counts the try on the
//!   client address and on the handle's daily budget of [`CODE_TRIES_PER_DAY`], which new codes
//!   do not refill (each code's own five tries do restart). A right code writes the new hash
//!   and bumps the token epoch in the transaction that consumes the code, so every earlier
//!   access token is refused (405) and the code cannot be used twice. Second factors are left
//!   as they are: a reset never silently removes a factor.

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::factor_failures;
use crate::domain::common::limits::{self, AddressFlow, Limit};
use crate::domain::common::one_time_code;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::common::reset_code::{self, PendingReset};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::{ClientPassword, UserStatus};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// Reset emails one mailbox may receive per hour from one client address: 5, counted for every
/// handle asked about (over all addresses, [`limits::MAILBOX_CEILING`]).
pub const MAIL_LIMIT: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// Reset-code tries one handle gets per day over all its codes: 10.
pub const CODE_TRIES_PER_DAY: Limit = Limit {
    max: 10,
    window_secs: 24 * 3600,
};

/// A forgot-password request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ForgotRequest {
    /// Email, or a username when the app has usernames.
    pub handle: String,
}

/// `POST /forgotPassword`: always `true` once the app checks and limits pass.
pub async fn forgot_password(
    state: &AppState,
    req: ForgotRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let app = caller::app_from_any(state, ctx).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    // Counted before the lookup: an unknown handle hits the same limits as a known one.
    limits::hit_address(state, &app, &ctx.client, AddressFlow::Messages).await?;
    limits::count_mailbox(
        state,
        &app.app_id,
        "RESET",
        MAIL_LIMIT,
        &handle,
        &ctx.client,
    )
    .await?;
    let user = match repo::find_user_by_handle(state, &app.app_id, &handle).await? {
        Some((user, _)) if user.status == UserStatus::Active && !user.anonymous => Some(user),
        // Unknown, suspended (a reset would not let them in) or anonymous (no password): the
        // same answer and the same stored state, no mail.
        _ => None,
    };
    let user_id = user.as_ref().map_or("", |u| u.user_id.as_str());
    let (ops, code) = reset_code::issue(state, &app.app_id, &handle, user_id)?;
    state.store.transact(ops).await?;
    let Some(user) = user else {
        state.reset_mail_pace.wait().await;
        return Ok(());
    };
    match limits::spend_daily_budget(
        state,
        &app.app_id,
        limits::Channel::Mail,
        app.settings.mail_daily_limit,
    )
    .await
    {
        Ok(()) => {}
        Err(Error::RateLimited { .. }) => {
            tracing::warn!(app_id = %app.app_id, "reset mail not sent: the daily mail budget is spent");
            state.reset_mail_pace.wait().await;
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    let started = std::time::Instant::now();
    if let Err(e) = reset_code::mail(state, &app, &user.locale, &user.handle, &code).await {
        // Answering 500 here (and `true` for unknown handles) would reveal the account.
        tracing::error!(error = %e.report(), app_id = %app.app_id, "reset mail not sent");
    }
    state.reset_mail_pace.record(started.elapsed());
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "password reset requested");
    Ok(())
}

/// A reset request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// Email, or a username when the app has usernames.
    pub handle: String,
    /// The new password (client MD5).
    pub password: Redacted,
    /// The emailed code.
    pub code: Redacted,
}

/// `POST /resetPassword`: a right code sets the new password and revokes every access token.
pub async fn reset_password(
    state: &AppState,
    req: ResetRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let app = caller::app_from_any(state, ctx).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    let code = one_time_code::parse(req.code.expose())?;
    let password = ClientPassword::parse(req.password.expose())?;
    limits::hit_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await?;
    limits::hit(
        state,
        &table_keys::reset_code_budget(&app.app_id, &handle),
        CODE_TRIES_PER_DAY,
    )
    .await?;
    let (pending, version) = checked_reset(state, &app, &handle, &code).await?;
    let password_hash = state.passwords.hash(password.expose()).await?;
    set_password(state, &app, &handle, &pending, version, &password_hash, ctx).await
}

/// The pending reset of `handle` and its item version, once `code` (canonical) is its code;
/// the try is counted on the reset's tries first. A missing reset and a decoy's answer as a
/// wrong code does, so neither says anything about the account.
async fn checked_reset(
    state: &AppState,
    app: &App,
    handle: &str,
    code: &str,
) -> Result<(PendingReset, u64)> {
    let key = table_keys::reset(&app.app_id, handle);
    let Some(item) = state.store.get(&key).await? else {
        // The same 602 as a wrong code: no pending reset says nothing about the account.
        return Err(one_time_code::wrong_code());
    };
    let pending: PendingReset = repo::record(&item)?;
    let tries = &table_keys::reset_tries(&app.app_id, handle);
    one_time_code::check(
        state,
        &reset_code::context(&app.app_id, handle),
        code,
        &pending.code_hash,
        pending.code_expires_at,
        tries,
    )
    .await?;
    if pending.user_id.is_empty() {
        // A decoy's code is never sent; refuse even if one were guessed.
        return Err(one_time_code::wrong_code());
    }
    Ok((pending, item.version))
}

/// In one transaction: the new password hash, the email proven, every session revoked, the
/// reset and its tries spent, the handle's lockout lifted and the audit entry written. A
/// concurrent change of the user is retried; a reset spent meanwhile is a wrong code.
async fn set_password(
    state: &AppState,
    app: &App,
    handle: &str,
    pending: &PendingReset,
    pending_version: u64,
    password_hash: &str,
    ctx: &RequestContext,
) -> Result<()> {
    let key = &table_keys::reset(&app.app_id, handle);
    let tries = &table_keys::reset_tries(&app.app_id, handle);
    retry_on_conflict("user being reset", || async move {
        let Some((mut user, version)) = repo::load_user(state, &pending.user_id).await? else {
            return Err(one_time_code::wrong_code());
        };
        if user.app_id != app.app_id || user.handle != handle {
            return Err(one_time_code::wrong_code());
        }
        user.password_hash = password_hash.to_owned();
        // The reset code reached the handle's mailbox: the address is proven (an account made
        // through signup flow `none` becomes verified here).
        user.email_verified = true;
        user.revoke_sessions(None);
        user.updated_at = state.clock.now_ms();
        let mut tx = Transaction::new();
        let record = tx.push(WriteOp::Put(
            repo::user_item(&user, version + 1)?,
            Condition::Version(version),
        ));
        tx.push(WriteOp::Delete(
            key.clone(),
            Condition::Version(pending_version),
        ));
        tx.push(WriteOp::Delete(tries.clone(), Condition::Any));
        // Whoever proved the mailbox is no longer locked out by earlier wrong guesses (the
        // handle's failure record holds every address's), their address passes the handle's
        // ceiling from now on, and a second factor locked by wrong codes is unlocked.
        tx.push(WriteOp::Delete(
            table_keys::login_tries(&app.app_id, handle),
            Condition::Any,
        ));
        tx.push(password_check::vouched_by_reset(
            state,
            &app.app_id,
            handle,
            &ctx.client,
        )?);
        for op in factor_failures::forgotten(&user.user_id) {
            tx.push(op);
        }
        // The entry is part of the reset: it exists exactly when the password changed.
        let event = Event::new(app, Kind::PasswordReset).user(&user.user_id);
        tx.push(WriteOp::Put(
            audit::item(state, &ctx.client, event)?,
            Condition::Any,
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => {
                limits::give_back_address(state, app, &ctx.client, AddressFlow::FailedChecks).await;
                tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "password reset");
                Ok(Attempt::Done(()))
            }
            Err(StoreError::Conflict { op }) if op == record => Ok(Attempt::Conflict),
            // The code was consumed or replaced meanwhile: it is no longer valid.
            Err(StoreError::Conflict { .. }) => Err(one_time_code::wrong_code()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
