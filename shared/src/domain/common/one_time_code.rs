//! The life of a one-time code (signup, invite, reset), written once: six CSPRNG digits, stored
//! only as a keyed hash bound to its context, an expiry, at most [`MAX_TRIES`] tries (then dead,
//! 614), and single use (the caller deletes the record in the transaction that consumes it).

use crate::domain::common::limits::{self, Channel, Limit, Spent};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{Key, StoreError};

/// Tries a code gets before it is dead (a signup code: tries from one client address).
pub const MAX_TRIES: i64 = 5;

/// Tries a signup code gets over every client address before it is dead. A signup code's tries
/// are counted per address ([`MAX_TRIES`] each) so a stranger probing a handle from one address
/// cannot kill the code its owner is about to type; this ceiling still bounds how many guesses
/// one code can take from many addresses (then the owner signs up again for a new code).
pub const MAX_TRIES_IN_ALL: i64 = 10;

/// Where the tries at one code are counted when they are kept per client address under a
/// ceiling over all addresses (signup codes).
pub struct SpreadTries {
    /// This address's tries at this code ([`MAX_TRIES`]).
    pub from_address: Key,
    /// Every address's tries at this code ([`MAX_TRIES_IN_ALL`]).
    pub in_all: Key,
    /// When both counters lapse: the code's own expiry.
    pub expires_at: i64,
}

/// Counts one try at a code on [`SpreadTries`], before comparing it: 614 once this address has
/// spent its [`MAX_TRIES`] or every address together [`MAX_TRIES_IN_ALL`].
pub async fn count_spread_try(state: &AppState, tries: &SpreadTries) -> Result<()> {
    for (key, ceiling) in [
        (&tries.from_address, MAX_TRIES),
        (&tries.in_all, MAX_TRIES_IN_ALL),
    ] {
        match state
            .store
            .add(key, 1, Some(ceiling), Some(tries.expires_at))
            .await
        {
            Ok(_) => {}
            Err(StoreError::LimitReached) => return Err(Error::CodeExhausted),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Signup-code tries one handle gets per day over every code it is sent: 10, as reset codes
/// have. A repeated signup issues a new code with five fresh tries; without this budget each
/// re-signup would buy five more guesses (25 an hour under the mail limit).
pub const SIGNUP_TRIES_PER_DAY: Limit = Limit {
    max: 10,
    window_secs: 24 * 3600,
};

/// Counts a signup-code try on `handle` before anything is looked up (so it says nothing about
/// a pending signup): on the handle's [`SIGNUP_TRIES_PER_DAY`], then on the app's daily cap of
/// failed signup-code checks (`signupCodeFailureDailyLimit`, 615 until the next UTC day). A
/// right code gives the cap's unit back with [`limits::refund`], so the cap counts failures.
pub async fn count_signup_try(state: &AppState, app: &App, handle: &str) -> Result<Spent> {
    let budget = table_keys::signup_code_budget(&app.app_id, handle);
    limits::hit(state, &budget, SIGNUP_TRIES_PER_DAY).await?;
    let cap = i64::from(app.settings.signup_code_failure_daily_limit);
    limits::spend_daily(state, &app.app_id, Channel::SignupCodeFailures, cap).await
}

/// A freshly drawn code and the digest to store.
pub struct Issued {
    /// The code to send (never stored, never logged).
    pub code: String,
    /// The keyed hash to store.
    pub hash: String,
}

/// Draws a code for `context` (e.g. `<appId>/reset/<handle>`).
pub fn issue(state: &AppState, context: &str) -> Issued {
    let code = state.codes.six_digits();
    let hash = state.code_hasher.hash(context, &code);
    Issued { code, hash }
}

/// The one answer to a wrong, malformed or unknown code (602): a caller that checks the format
/// first and answers a missing record with this same error tells nobody whether a code is
/// pending.
pub fn wrong_code() -> Error {
    Error::invalid("wrong code")
}

/// A wire code in its canonical six-digit form, or [`wrong_code`] when it cannot be one. Call it
/// before any lookup, so a malformed code costs no try and reveals nothing.
///
/// Codes are drawn from 000000–999999, but the wire coerces a JSON number to its string form and
/// the original compared codes as integers, so `12345` must mean `012345`: up to six digits are
/// left-padded (the same code, never a wider match).
pub fn parse(raw: &str) -> Result<String> {
    let code = raw.trim();
    if code.is_empty() || code.len() > 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong_code());
    }
    Ok(format!("{code:0>6}"))
}

/// Checks `code` against a stored digest: 602 when malformed or wrong, 411 when expired, 614
/// once [`MAX_TRIES`] tries were spent. Every try is counted on `tries` before comparing.
pub async fn check(
    state: &AppState,
    context: &str,
    code: &str,
    stored_hash: &str,
    expires_at: i64,
    tries: &Key,
) -> Result<()> {
    let code = parse(code)?;
    if expires_at <= state.clock.now_secs() {
        return Err(Error::CodeExpired);
    }
    match state
        .store
        .add(tries, 1, Some(MAX_TRIES), Some(expires_at))
        .await
    {
        Ok(_) => {}
        Err(StoreError::LimitReached) => return Err(Error::CodeExhausted),
        Err(e) => return Err(e.into()),
    }
    if state.code_hasher.verify(context, &code, stored_hash) {
        Ok(())
    } else {
        Err(wrong_code())
    }
}
