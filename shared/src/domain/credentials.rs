//! Password checks against a stored user, with the per-handle limit on tries that login,
//! `changePassword` and `deleteAccount` share.

use crate::AppState;
use crate::domain::keys;
use crate::domain::limits::{self, Limit};
use crate::domain::user::{ClientPassword, User};
use crate::error::Result;
use crate::store::Key;

/// Password tries per handle: 10 per 15 minutes (login, change password, delete account).
pub const PASSWORD_LIMIT: Limit = Limit {
    max: 10,
    window_secs: 15 * 60,
};

/// Counts one password try on `handle` (615 past [`PASSWORD_LIMIT`]) before the password is
/// checked, so parallel guesses cannot race past the limit. Returns the counter, for the caller
/// to clear after a success.
pub async fn count_try(state: &AppState, app_id: &str, handle: &str) -> Result<Key> {
    let tries = keys::login_tries(app_id, handle);
    limits::hit(state, &tries, PASSWORD_LIMIT).await?;
    Ok(tries)
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
