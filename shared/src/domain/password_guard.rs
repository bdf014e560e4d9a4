//! Every password check against a stored user (login, changePassword, deleteAccount) and the
//! limits around it, written once.
//!
//! A lockout keyed on the handle alone lets any stranger lock the owner out with ten wrong
//! guesses. So the tight limit is per handle **and client address** ([`PASSWORD_LIMIT`]: the
//! owner on another address is unaffected), a looser ceiling per handle over all addresses
//! ([`HANDLE_CEILING`]) stops a guesser spreading over many addresses, the app's per-address
//! limit on failed checks stops one address guessing over many handles, and failures past the
//! fifth from one address are answered ever more slowly ([`delay_after_failure`]).
//!
//! Every try is counted before the password is checked, so parallel guesses cannot race past a
//! limit; a success clears its address's lockout and gives back its hits on the others, so they
//! count failures only.

use std::time::Duration;

use crate::AppState;
use crate::domain::context::ClientAddress;
use crate::domain::keys;
use crate::domain::limits::{self, AddressFlow, Limit};
use crate::domain::user::{ClientPassword, User};
use crate::error::Result;
use crate::store::Key;

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

/// Failures from one address answered at full speed before the delay starts.
const FREE_FAILURES: i64 = 5;
/// The longest a failed answer is held back.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// One counted password try; say how it ended with [`Guard::passed`] or [`Guard::failed`].
#[must_use = "a try must end as passed or failed"]
pub struct Guard {
    app_id: String,
    client: ClientAddress,
    from_address: Key,
    over_all: Key,
    count_from_address: i64,
}

/// Counts a password try on `handle` from `client`; 615 with `Retry-After` when a limit is full.
pub async fn enter(
    state: &AppState,
    app_id: &str,
    handle: &str,
    client: &ClientAddress,
) -> Result<Guard> {
    limits::hit_address(state, app_id, client, AddressFlow::FailedChecks).await?;
    let from_address = keys::login_tries_from(app_id, handle, client.as_str());
    let count_from_address = limits::hit(state, &from_address, PASSWORD_LIMIT).await?;
    let over_all = keys::login_tries(app_id, handle);
    limits::hit(state, &over_all, HANDLE_CEILING).await?;
    Ok(Guard {
        app_id: app_id.to_owned(),
        client: client.clone(),
        from_address,
        over_all,
        count_from_address,
    })
}

impl Guard {
    /// The password was right: this address's lockout ends, the other counters forget the try.
    /// The three writes are independent, so they go out together: one round trip of latency.
    pub async fn passed(self, state: &AppState) {
        tokio::join!(
            limits::clear(state, &self.from_address),
            limits::give_back(state, &self.over_all, HANDLE_CEILING),
            limits::give_back_address(state, &self.app_id, &self.client, AddressFlow::FailedChecks),
        );
    }

    /// Whether this try, if it fails, fills the handle's lockout from its address (the audit
    /// trail records that failure as the lockout).
    pub fn locks_out(&self) -> bool {
        self.count_from_address == PASSWORD_LIMIT.max
    }

    /// The password was wrong: the answer is held back progressively (see the module docs).
    pub async fn failed(self) {
        let delay = delay_after_failure(self.count_from_address);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
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
        .await;
    ok && parsed.is_some()
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
