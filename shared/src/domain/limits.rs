//! Counters with a ceiling and a window, in the store: failed logins, code tries, emails per
//! handle. Each hit is counted atomically before the guarded work, so parallel requests cannot
//! race past a limit.

use crate::AppState;
use crate::error::{Error, Result};
use crate::store::{Condition, Item, Key, StoreError};

/// Password tries per handle: 10 per 15 minutes (login, change password, delete account, and
/// second-factor codes at login and when disabling a factor).
pub const PASSWORD_LIMIT: Limit = Limit {
    max: 10,
    window_secs: 15 * 60,
};

/// One limit: at most `max` hits per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Hits allowed per window.
    pub max: i64,
    /// Window length in seconds, starting at the first hit.
    pub window_secs: i64,
}

/// Counts a hit on `key`; refuses with 615 (and the seconds until the window ends) past `max`.
pub async fn hit(state: &AppState, key: &Key, limit: Limit) -> Result<()> {
    let until = state.clock.now_secs() + limit.window_secs;
    match state.store.add(key, 1, Some(limit.max), Some(until)).await {
        Ok(_) => Ok(()),
        Err(StoreError::LimitReached) => Err(Error::RateLimited {
            retry_after_secs: retry_after(state, key).await,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Forgets the hits on `key` (after a success). Best effort: a leftover counter only delays.
pub async fn clear(state: &AppState, key: &Key) {
    if let Err(e) = state.store.delete(key, Condition::Any).await {
        tracing::warn!(error = %e, "could not clear a counter");
    }
}

/// Seconds until the counter at `key` expires (at least 1).
async fn retry_after(state: &AppState, key: &Key) -> u64 {
    let now = state.clock.now_secs();
    let until = match state.store.get(key).await {
        Ok(Some(Item {
            expires_at: Some(t),
            ..
        })) => t,
        _ => now + 60,
    };
    u64::try_from((until - now).max(1)).unwrap_or(1)
}
