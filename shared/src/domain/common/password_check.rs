//! Every password check against a stored user (login, changePassword, deleteAccount, the second
//! factor's checks) and the limits around it, written once.
//!
//! A lockout keyed on the handle alone lets any stranger lock the owner out with ten wrong
//! guesses. So the tight limit is per handle **and client address** ([`PASSWORD_LIMIT`]: the
//! owner on another address is unaffected), a looser ceiling per handle over all addresses
//! ([`HANDLE_CEILING`]) stops a guesser spreading over many addresses, the app's per-address
//! limit on failed checks stops one address guessing over many handles, and failures past the
//! fifth from one address are answered ever more slowly ([`delay_after_failure`]).
//!
//! # The ceiling is no lever against the owner
//! Strangers with ten addresses could keep the ceiling full for ever. So an address that proved
//! the account (a passed check, or a reset by mail, within [`VOUCH_TTL_SECS`]) is *vouched*:
//! its tries are answered past the ceiling, under its own per-address lockout like any other.
//! Each success writes its address's vouch in the transaction it commits anyway (one item per
//! address, so no read is needed); the vouch is read only when the ceiling is full. The owner's
//! right password from an address they used gets through, and from a new one the owner proves
//! the mailbox with `forgotPassword` and `resetPassword` sent from there; a guesser, who proves
//! nothing, meets the ceiling. A login token's `loginComplete` skips the ceiling altogether:
//! its password is proven, and its codes have their own budget per account
//! ([`crate::domain::common::factor_failures`]).
//!
//! # Read, check, then commit the outcome under a version check
//! Counting every try before the check and giving it back after a success is strict but costs
//! a warm login six counter writes. Instead the guard *reads* the handle's failure record
//! (one item: failures per address and in all, in one window) and the address's failure counter,
//! refuses when either is full, and only after the check writes, conditioned on the versions it
//! read:
//! - a **success** commits as one transaction: the caller's own write (a login's last-login
//!   time), this address's failures cleared, and checks that neither record changed since it
//!   was read;
//! - a **failure** adds to both records (the handle's under its version).
//!
//! When a concurrent try commits first, the condition fails and the guard reads again and
//! re-checks before answering. So answers are released in an order in which every one was
//! within the limits when it was checked: a burst of parallel guesses gets no more answers than
//! the same guesses one after another, and a right guess that loses the race to a full limit
//! is answered 615, not 200. A warm login with no failures on record costs two extra reads
//! (issued together with the handle claim's) and one write.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::audit;
use crate::domain::common::factor_failures;
use crate::domain::common::limits::{self, AddressFlow, Limit};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::ClientAddress;
use crate::domain::records::table_keys;
use crate::domain::records::user::{ClientPassword, User};
use crate::error::{Error, Result};
use crate::store::{Condition, Item, Key, StoreError, WriteOp};

/// Failed password tries per handle from one client address: 10 per 15 minutes.
pub const PASSWORD_LIMIT: Limit = Limit {
    max: 10,
    window_secs: 15 * 60,
};

/// Failed password tries per handle over every address: 100 per 15 minutes.
pub const HANDLE_CEILING: Limit = Limit {
    max: 100,
    window_secs: 15 * 60,
};

/// How long an address stays vouched for a handle after it last proved the account: 90 days,
/// refreshed by every success from it.
pub const VOUCH_TTL_SECS: i64 = 90 * 24 * 3600;

/// Failures from one address answered at full speed before the delay starts.
const FREE_FAILURES: i64 = 5;
/// The longest a failed answer is held back.
const MAX_DELAY: Duration = Duration::from_secs(2);
/// Commits retried after a concurrent try won, before the answer is withheld (615).
const COMMIT_ATTEMPTS: usize = 8;

/// A handle's failed tries in the current window (one item, so a success checks one version).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Failures {
    /// Failures over every address.
    total: i64,
    /// Failures per client address (at most [`HANDLE_CEILING`] entries).
    from: BTreeMap<String, i64>,
}

/// What the guard read, so the commit can require that nothing changed since.
#[derive(Debug, Clone)]
struct Seen {
    /// The handle's failures, their version and the window's end; `None` when none are live.
    failures: Option<(Failures, u64, i64)>,
    /// The address's failure counter: count, version, window end; `None` when none is live.
    address: Option<(i64, u64, Option<i64>)>,
}

/// Whether the handle's ceiling over all addresses applies to a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ceiling {
    /// It does, unless the try's address is vouched for the handle.
    Applies,
    /// It does not: the address is vouched, or a login token proved the password.
    Passed,
}

/// Which limit a try met.
enum Full {
    /// The handle's lockout from this address, or the address's failures over all handles.
    Address(Option<i64>),
    /// The handle's ceiling over all addresses.
    Ceiling(Option<i64>),
}

/// One password try, checked against the limits as they were read; say how it ended with
/// [`Guard::passed`], [`Guard::failed`] or [`Guard::held`].
#[must_use = "a try must end as passed, failed or held"]
pub struct Guard {
    app_id: String,
    address_limit: Limit,
    failures_key: Key,
    address_key: Key,
    vouch_key: Key,
    client: ClientAddress,
    seen: Seen,
    ceiling: Ceiling,
}

/// [`enter_for`] when the caller holds only the app's id (the app comes from the warm cache).
pub async fn enter(
    state: &AppState,
    app_id: &str,
    handle: &str,
    client: &ClientAddress,
) -> Result<Guard> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    enter_for(state, &app, handle, client).await
}

/// Reads the limits of a password try on `handle` from `client`; 615 with `Retry-After` when
/// one is full (the handle's ceiling only when the address is not vouched). Writes nothing:
/// the outcome is committed by the method that ends the try.
pub async fn enter_for(
    state: &AppState,
    app: &App,
    handle: &str,
    client: &ClientAddress,
) -> Result<Guard> {
    open(state, app, handle, client, Ceiling::Applies).await
}

/// [`enter_for`] for the code check of a login token, whose password is proven: the handle's
/// ceiling (a limit on password guesses) does not apply, the lockout per address does.
pub async fn enter_proven(
    state: &AppState,
    app: &App,
    handle: &str,
    client: &ClientAddress,
) -> Result<Guard> {
    open(state, app, handle, client, Ceiling::Passed).await
}

async fn open(
    state: &AppState,
    app: &App,
    handle: &str,
    client: &ClientAddress,
    ceiling: Ceiling,
) -> Result<Guard> {
    let app_id = app.app_id.as_str();
    let flow = AddressFlow::FailedChecks;
    let mut guard = Guard {
        app_id: app_id.to_owned(),
        address_limit: flow.limit(&app.settings),
        failures_key: table_keys::login_tries(app_id, handle),
        address_key: table_keys::address_limit(app_id, client.as_str(), flow.name()),
        vouch_key: table_keys::login_vouch(app_id, handle, client.as_str()),
        client: client.clone(),
        seen: Seen {
            failures: None,
            address: None,
        },
        ceiling,
    };
    guard.read(state).await?;
    guard.admit(state).await?;
    Ok(guard)
}

impl Guard {
    /// The password was right: commits `also` (when given) together with this address's
    /// lockout cleared and its vouch refreshed, provided no try committed since the limits were
    /// read; else reads again and, within the limits, tries again. 615 when a concurrent
    /// failure filled a limit.
    pub async fn passed(self, state: &AppState) -> Result<()> {
        self.passed_with(state, None).await
    }

    /// [`Guard::passed`] with the caller's own write in the same transaction (one round trip).
    pub async fn passed_with(mut self, state: &AppState, also: Option<Item>) -> Result<()> {
        for _ in 0..COMMIT_ATTEMPTS {
            let mut ops: Vec<WriteOp> = also
                .iter()
                .map(|item| WriteOp::Put(item.clone(), Condition::Any))
                .collect();
            ops.push(self.failures_op()?);
            ops.push(match &self.seen.address {
                Some((_, version, _)) => {
                    WriteOp::Check(self.address_key.clone(), Condition::Version(*version))
                }
                None => WriteOp::Check(self.address_key.clone(), Condition::Absent),
            });
            ops.push(WriteOp::Put(
                vouch(state, self.vouch_key.clone())?,
                Condition::Any,
            ));
            match state.store.transact(ops).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_conflict() => {
                    self.read(state).await?;
                    self.admit(state).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(self.withheld(state))
    }

    /// Whether this try, if it fails, fills a lockout of the handle: from its address
    /// ([`PASSWORD_LIMIT`]) or over all addresses ([`HANDLE_CEILING`]), as the limits were read.
    /// The audit trail records that failure as the lockout.
    pub fn locks_out(&self) -> bool {
        self.seen
            .failures
            .as_ref()
            .map_or(PASSWORD_LIMIT.max <= 1, |(f, _, _)| {
                let here = f.from.get(self.client.as_str()).copied().unwrap_or(0);
                here + 1 == PASSWORD_LIMIT.max || f.total + 1 == HANDLE_CEILING.max
            })
    }

    /// A wrong password or code at `step`: writes the failure to the audit trail (as
    /// `login.locked` when it fills the lockout), then [`Guard::failed`].
    pub async fn refused(
        self,
        state: &AppState,
        app: &App,
        user_id: Option<&str>,
        (step, reason): (&'static str, &'static str),
        refusal: Error,
    ) -> Error {
        let event = audit::failed_check(app, user_id, self.locks_out(), step, reason);
        audit::record(state, &self.client, event).await;
        self.failed(state, refusal).await
    }

    /// The password was wrong: counts the failure, then answers `refusal` after the progressive
    /// delay, or 615 when a concurrent failure filled a limit first.
    pub async fn failed(self, state: &AppState, refusal: Error) -> Error {
        match self.count_failure(state).await {
            Ok(from_address) => {
                let delay = delay_after_failure(from_address);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                refusal
            }
            Err(e) => e,
        }
    }

    /// The password was right but a second factor is still due: the try stays counted like a
    /// failure (without the delay) until the second factor's own guarded check passes, so a
    /// password holder cannot clear the lockout between code guesses.
    pub async fn held(self, state: &AppState) -> Result<()> {
        self.count_failure(state).await.map(drop)
    }

    /// Adds one failure to the address counter and to the handle's record; returns this
    /// address's failures on the handle.
    async fn count_failure(mut self, state: &AppState) -> Result<i64> {
        let flow = AddressFlow::FailedChecks;
        limits::hit_scoped(state, &self.app_id, &self.client, flow, self.address_limit).await?;
        let window = state.clock.now_secs() + PASSWORD_LIMIT.window_secs;
        for _ in 0..COMMIT_ATTEMPTS {
            let (mut failures, condition, expires_at) = match self.seen.failures.take() {
                Some((f, version, until)) => (f, Some(version), until),
                None => (Failures::default(), None, window),
            };
            let from_address = failures
                .from
                .entry(self.client.as_str().to_owned())
                .or_default();
            *from_address += 1;
            let count = *from_address;
            failures.total += 1;
            let version = condition.map_or(1, |v| v + 1);
            let item =
                repo::item(self.failures_key.clone(), &failures, version)?.expiring_at(expires_at);
            let condition = condition.map_or(Condition::Absent, Condition::Version);
            match state.store.put(item, condition).await {
                Ok(()) => return Ok(count),
                Err(StoreError::Conflict { .. }) => {
                    self.read(state).await?;
                    self.admit(state).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(self.withheld(state))
    }

    /// The handle's record as a success leaves it: this address's failures dropped (a write
    /// under the version read), or, with none to drop, a check that it did not change.
    fn failures_op(&self) -> Result<WriteOp> {
        Ok(match &self.seen.failures {
            None => WriteOp::Check(self.failures_key.clone(), Condition::Absent),
            Some((failures, version, until))
                if failures.from.contains_key(self.client.as_str()) =>
            {
                let mut left = failures.clone();
                left.from.remove(self.client.as_str());
                let item =
                    repo::item(self.failures_key.clone(), &left, version + 1)?.expiring_at(*until);
                WriteOp::Put(item, Condition::Version(*version))
            }
            Some((_, version, _)) => {
                WriteOp::Check(self.failures_key.clone(), Condition::Version(*version))
            }
        })
    }

    /// Reads both records afresh (together: one round trip).
    async fn read(&mut self, state: &AppState) -> Result<()> {
        let (failures, address) = tokio::join!(
            state.store.get(&self.failures_key),
            state.store.get(&self.address_key)
        );
        self.seen.failures = match failures? {
            Some(item) => {
                let until = item.expires_at.unwrap_or(i64::MAX);
                Some((repo::record(&item)?, item.version, until))
            }
            None => None,
        };
        self.seen.address = address?.map(|item| (item.counter, item.version, item.expires_at));
        Ok(())
    }

    /// The limit the records read are at, if any.
    fn full(&self) -> Option<Full> {
        if let Some((count, _, until)) = &self.seen.address
            && *count >= self.address_limit.max
        {
            return Some(Full::Address(*until));
        }
        let (failures, _, until) = self.seen.failures.as_ref()?;
        let here = failures
            .from
            .get(self.client.as_str())
            .copied()
            .unwrap_or(0);
        if here >= PASSWORD_LIMIT.max {
            Some(Full::Address(Some(*until)))
        } else if failures.total >= HANDLE_CEILING.max {
            Some(Full::Ceiling(Some(*until)))
        } else {
            None
        }
    }

    /// 615 when the records read are at a limit; the handle's ceiling lets a vouched address
    /// (read now, only in that case) or a proven password pass.
    async fn admit(&mut self, state: &AppState) -> Result<()> {
        match self.full() {
            None => Ok(()),
            Some(Full::Address(until)) => Err(rate_limited(state, until)),
            Some(Full::Ceiling(_)) if self.ceiling == Ceiling::Passed => Ok(()),
            Some(Full::Ceiling(until)) => {
                if state.store.get(&self.vouch_key).await?.is_some() {
                    self.ceiling = Ceiling::Passed;
                    Ok(())
                } else {
                    Err(rate_limited(state, until))
                }
            }
        }
    }

    /// The answer when commits kept losing to concurrent tries: withheld, as if limited.
    fn withheld(&self, state: &AppState) -> Error {
        rate_limited(state, None)
    }
}

/// The vouch a success leaves for its address (see the module docs), refreshed each time.
fn vouch(state: &AppState, key: Key) -> Result<Item> {
    let now = state.clock.now_secs();
    let at = serde_json::json!({ "at": now });
    Ok(repo::item(key, &at, 1)?.expiring_at(now + VOUCH_TTL_SECS))
}

/// The writes by which a reset by mail from `client` vouches for its address: the owner on a
/// new address proves the mailbox to get past a ceiling strangers keep full.
pub fn vouched_by_reset(
    state: &AppState,
    app_id: &str,
    handle: &str,
    client: &ClientAddress,
) -> Result<WriteOp> {
    let key = table_keys::login_vouch(app_id, handle, client.as_str());
    Ok(WriteOp::Put(vouch(state, key)?, Condition::Any))
}

/// 615 with the seconds until `until` (a minute when unknown).
fn rate_limited(state: &AppState, until: Option<i64>) -> Error {
    let now = state.clock.now_secs();
    let until = until.filter(|t| *t < i64::MAX).unwrap_or(now + 60);
    Error::RateLimited {
        retry_after_secs: u64::try_from((until - now).max(1)).unwrap_or(1),
    }
}

/// Whether `raw` (a wire password field) is the user's password. Malformed input still costs a
/// verify, so timing does not tell malformed from wrong.
pub async fn proves(state: &AppState, user: &User, raw: &str) -> bool {
    let parsed = ClientPassword::parse(raw).ok();
    let secret = parsed.as_ref().map(ClientPassword::expose).unwrap_or("");
    let ok = state
        .passwords
        .verify(secret, Some(&user.password_hash))
        .await
        && parsed.is_some();
    if ok {
        // An imported bcrypt hash is replaced by Argon2id now that its password is in hand.
        crate::domain::common::rehash::upgrade_legacy_hash(state, user, secret).await;
    }
    ok
}

/// How long the answer to the `n`th failure from one address waits: nothing up to the fifth,
/// then 100 ms doubling per failure, at most two seconds.
pub fn delay_after_failure(n: i64) -> Duration {
    if n <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = u32::try_from((n - FREE_FAILURES - 1).min(10)).unwrap_or(10);
    Duration::from_millis(100u64 << doublings).min(MAX_DELAY)
}

/// Checks the current password for a sensitive change, counted like a login try (615 once
/// locked); a wrong one is 600.
pub async fn require_password(
    state: &AppState,
    user: &User,
    raw: &str,
    client: &ClientAddress,
) -> Result<()> {
    let (app, _) = repo::existing_app(state, &user.app_id).await?;
    let guard = enter_for(state, &app, &user.handle, client).await?;
    if proves(state, user, raw).await {
        guard.passed(state).await
    } else {
        Err(guard.failed(state, Error::InvalidCredentials).await)
    }
}

/// Checks a second-factor code with `check`, counted like a password try (615 once locked) and
/// on the account's second-factor budget (620 once spent, see
/// [`crate::domain::common::factor_failures`]): a success ends the lockout of this handle and
/// address as a right password does; a failure is 600.
pub async fn guarded_code_check<F>(
    state: &AppState,
    user: &User,
    client: &ClientAddress,
    check: F,
) -> Result<()>
where
    F: std::future::Future<Output = Result<bool>>,
{
    let (app, _) = repo::existing_app(state, &user.app_id).await?;
    let guard = enter_for(state, &app, &user.handle, client).await?;
    let counted = factor_failures::count(state, &app, user, client).await?;
    if check.await? {
        counted.passed(state, user).await;
        guard.passed(state).await?;
        Ok(())
    } else {
        counted.failed(state, &app, user).await;
        Err(guard.failed(state, Error::InvalidCredentials).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_after_five_failures_and_is_capped() {
        assert_eq!(delay_after_failure(5), Duration::ZERO);
        assert_eq!(delay_after_failure(6), Duration::from_millis(100));
        assert_eq!(delay_after_failure(7), Duration::from_millis(200));
        assert_eq!(delay_after_failure(10), Duration::from_millis(1600));
        assert_eq!(delay_after_failure(50), MAX_DELAY);
    }
}
