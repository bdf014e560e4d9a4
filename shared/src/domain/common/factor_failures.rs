//! The second factor's own budget of failures per account, and the mails that tell the owner.
//!
//! The password lockout counts per handle *and address*, so someone who holds the password and
//! many addresses could spread code guesses over them (ten addresses: about 7,700 TOTP guesses a
//! day, some 2% a day of passing). So every second-factor check of an account (`loginComplete`,
//! and an authenticator code offered to switch a factor) also counts on the account itself,
//! whatever the address: at most [`DAILY_BUDGET`] failures in a day. The one that spends it
//! locks the second factor ([`crate::error::Error::SecondFactorLocked`], 620) until the owner
//! resets the password by mail (the reset lifts the lock in its own transaction): a password
//! holder gets 20 guesses in all (about 6 in 100,000 of passing), and a stranger who does not
//! hold the password cannot reach these checks at all, so the lock is no lever against owners.
//!
//! A wrong code after a right password means someone holds the password: the owner is mailed
//! at the first such failure of a day, and again when the factor locks.
//!
//! Counted before the check and given back after a success, like the per-address limits, so
//! parallel guesses cannot race past the budget.

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::html::escape;
use crate::domain::common::limits::{self, Limit};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::ClientAddress;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Error, Result};
use crate::mail::{Channel, Message};
use crate::store::{Condition, StoreError, WriteOp};

/// Second-factor failures one account may make per day before its second factor locks.
pub const DAILY_BUDGET: Limit = Limit {
    max: 20,
    window_secs: 24 * 3600,
};

/// The owner hears of wrong codes at most once a day (the lock has its own mail).
const NOTICE: Limit = Limit {
    max: 1,
    window_secs: 24 * 3600,
};

/// One second-factor check counted on the account, to be ended by [`Counted::passed`] or
/// [`Counted::failed`].
#[must_use = "a counted check must end as passed or failed"]
pub struct Counted {
    count: i64,
    client: ClientAddress,
}

/// Refuses (620) while the account's second factor is locked. For the password step, which
/// hands out no code to guess when the factor is locked.
pub async fn check_unlocked(state: &AppState, user: &User) -> Result<()> {
    match state
        .store
        .get(&table_keys::factor_lock(&user.user_id))
        .await?
    {
        Some(_) => Err(Error::SecondFactorLocked),
        None => Ok(()),
    }
}

/// Counts one second-factor check on `user`'s daily budget before it runs (from `client`):
/// 620 when the factor is locked or the budget is spent.
pub async fn count(
    state: &AppState,
    app: &App,
    user: &User,
    client: &ClientAddress,
) -> Result<Counted> {
    check_unlocked(state, user).await?;
    let key = table_keys::factor_failures(&user.user_id);
    match limits::hit(state, &key, DAILY_BUDGET).await {
        Ok(count) => Ok(Counted {
            count,
            client: client.clone(),
        }),
        Err(Error::RateLimited { .. }) => {
            lock(state, app, user, client).await?;
            Err(Error::SecondFactorLocked)
        }
        Err(e) => Err(e),
    }
}

impl Counted {
    /// The code was right: the check gives its hit back, so only failures fill the budget.
    pub async fn passed(self, state: &AppState, user: &User) {
        let key = table_keys::factor_failures(&user.user_id);
        limits::give_back(state, &key, DAILY_BUDGET).await;
    }

    /// The code was wrong: the owner hears of it (once a day), and the failure that spends the
    /// budget locks the factor. Best effort: the refusal the caller answers stands either way.
    pub async fn failed(self, state: &AppState, app: &App, user: &User) {
        let notice = table_keys::factor_notice(&user.user_id);
        if limits::hit(state, &notice, NOTICE).await.is_ok() {
            let what = format!(
                "Someone who signed in with your password to your {} account {} entered a \
                 wrong second-factor code.",
                app.name, user.handle
            );
            let subject = format!("A wrong second-factor code for your {} account", app.name);
            mail_owner(state, user, subject, &what).await;
        }
        if self.count >= DAILY_BUDGET.max
            && let Err(e) = lock(state, app, user, &self.client).await
        {
            tracing::warn!(error = %e.report(), "second factor: could not lock");
        }
    }
}

/// Locks the factor (once), records it in the audit trail (`2fa.locked`) and mails the owner
/// how to lift the lock.
async fn lock(state: &AppState, app: &App, user: &User, client: &ClientAddress) -> Result<()> {
    let item = repo::item(
        table_keys::factor_lock(&user.user_id),
        &serde_json::json!({ "at": state.clock.now_ms() }),
        1,
    )?;
    match state.store.put(item, Condition::Absent).await {
        Ok(()) => {}
        // Locked already (a concurrent failure won): its mail is sent.
        Err(StoreError::Conflict { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    tracing::warn!(app_id = %app.app_id, user_id = %user.user_id, "second factor: locked");
    let event = Event::new(app, Kind::SecondFactorLocked).user(&user.user_id);
    audit::record(state, client, event).await;
    let what = format!(
        "Second-factor login for your {} account {} is locked after {} wrong codes. Reset your \
         password to unlock it: someone may know your password.",
        app.name, user.handle, DAILY_BUDGET.max
    );
    let subject = format!("Second-factor login locked for your {} account", app.name);
    mail_owner(state, user, subject, &what).await;
    Ok(())
}

/// The writes that lift a lock and forget the day's failures, for the transaction of a reset
/// by mail (the mailbox owner proved themselves) and of an admin's reset of the factors.
pub fn forgotten(user_id: &str) -> Vec<WriteOp> {
    vec![
        WriteOp::Delete(table_keys::factor_lock(user_id), Condition::Any),
        WriteOp::Delete(table_keys::factor_failures(user_id), Condition::Any),
    ]
}

/// Mails the owner (best effort: a lost notice never changes the answer). Carries no code.
async fn mail_owner(state: &AppState, user: &User, subject: String, what: &str) {
    let advice = "If this was not you, reset your password now.";
    let message = Message {
        channel: Channel::Email,
        to: user.handle.clone(),
        subject,
        text: format!("{what} {advice}"),
        html: format!("<p>{}</p><p>{advice}</p>", escape(what)),
    };
    if let Err(e) = state.mailer.send(&message).await {
        tracing::warn!(error = %e, "second factor: notice not sent");
    }
}
