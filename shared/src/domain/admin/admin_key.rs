//! The admin API key.
//!
//! The key is a high-entropy random string, so it is stored as a SHA-256 (a slow hash buys
//! nothing for 256 random bits) and compared in constant time. In AWS its hash comes from the
//! stack parameter; the local runner generates one on first start, prints it once and stores
//! only the hash. There is no never-expiring all-powerful token as in the original.
//!
//! **Wrong keys** are logged (`admin: wrong admin key`) every time, and when the route names an
//! existing app (`/admin/apps/{appId}/…`) also recorded in that app's audit trail as
//! `admin-key.refused`, so the app's operators see guesses and stale keys aimed at their app.
//! A wrong key on a route without an app (`/admin/apps`) has no trail to go to: the log is its
//! record. The trail cannot be flooded: every presented key is first counted by the per-address
//! limit ([`AddressFlow::AdminKey`], deployment-wide), and a refusal by that limit (615) writes
//! nothing, so one address adds at most 20 entries an hour to all trails together. There is no
//! per-app ceiling on purpose: one would let a flood from many addresses use it up and hide the
//! guess that matters.
//!
//! The entry carries the presented key's fingerprint ([`presented_fingerprint`]) only when the
//! presented string is at least [`MIN_ADMIN_KEY_LEN`] characters long, i.e. could be an admin
//! key at all (current or replaced): 48 bits of the SHA-256 of a long random string reveal
//! nothing about it and nothing about the right key, but let an operator tell one stale deploy
//! key (the same fingerprint, matching an old key's hash) from a guesser (a new one each time).
//! A shorter string may be a password typed into the wrong field, and an unsalted hash of a
//! low-entropy secret can be brute-forced offline, so it gets no fingerprint.

use serde_json::Value;

use crate::crypto::{constant_time_eq, sha256_hex};
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::context::ClientAddress;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::Condition;

/// Shortest admin key accepted: 32 characters (a generated key has 57, `openssl rand -hex 32`
/// (the README's suggestion) 64), so the key cannot be guessed even without the per-address limit.
pub const MIN_ADMIN_KEY_LEN: usize = 32;

/// The scope of the wrong-admin-key counters: the whole deployment, not one app (no app id is
/// ever `KEYTURN`, which is not 32 hex digits).
const ADMIN_SCOPE: &str = "KEYTURN";

/// What a request presenting a key asked for, as the door saw it: the trail's only context
/// for a wrong key, since no key proved who is asking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    /// The app the route names (its `{appId}`), whose trail records a wrong key.
    pub app_id: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The route as declared (`/admin/apps/{app_id}/keys/rotate`), never the raw path, so the
    /// trail holds no text the caller chose.
    pub route: String,
}

/// Refuses the call (617) unless `bearer` is the admin key. Every presented key counts toward
/// the client address's limit ([`AddressFlow::AdminKey`]: 20 per hour) before it is compared,
/// and a right one gives its hit back; so once an address is limited even the right key gets
/// 615, and the answer is no oracle for guesses. A wrong key is logged and, when `attempt`
/// names an existing app, recorded in its trail (see the module docs); the answer stays 617
/// whether or not that write succeeds.
pub async fn authorize(
    state: &AppState,
    bearer: Option<&str>,
    client: &ClientAddress,
    attempt: &Attempt,
) -> Result<()> {
    let presented = bearer.ok_or(Error::InvalidAdminKey)?;
    let (flow, limit) = (AddressFlow::AdminKey, limits::ADMIN_KEY_LIMIT);
    limits::hit_scoped(state, ADMIN_SCOPE, client, flow, limit).await?;
    if key_matches(state, presented).await? {
        limits::give_back_scoped(state, ADMIN_SCOPE, client, flow, limit).await;
        Ok(())
    } else {
        refused(state, presented, client, attempt).await;
        Err(Error::InvalidAdminKey)
    }
}

/// The fingerprint a wrong key is recorded with: [`audit::admin_fingerprint`] of a string long
/// enough to be an admin key, `None` for a shorter one (see the module docs for why).
pub fn presented_fingerprint(presented: &str) -> Option<String> {
    (presented.chars().count() >= MIN_ADMIN_KEY_LEN).then(|| audit::admin_fingerprint(presented))
}

/// Logs a wrong key, and records it in the trail of the app the route names when that app
/// exists. Best effort: nothing changed, so a failed write must not turn the 617 into a 500.
async fn refused(state: &AppState, presented: &str, client: &ClientAddress, attempt: &Attempt) {
    let fingerprint = presented_fingerprint(presented);
    tracing::warn!(
        client = %client.as_str(),
        app_id = attempt.app_id.as_deref().unwrap_or("-"),
        method = %attempt.method,
        route = %attempt.route,
        presented_key = fingerprint.as_deref().unwrap_or("-"),
        "admin: wrong admin key"
    );
    let Some(app_id) = attempt.app_id.as_deref() else {
        return;
    };
    // An id no app has (or a malformed one) has no trail; the log line above is the record.
    let Ok((app, _)) = repo::existing_app(state, app_id).await else {
        return;
    };
    let event = Event::new(&app, Kind::AdminKeyRefused)
        .detail("method", attempt.method.clone())
        .detail("route", attempt.route.clone())
        .detail("presentedKey", fingerprint);
    audit::record(state, client, event).await;
}

/// Whether `presented` hashes to the configured (or, locally, the stored) admin key hash,
/// compared in constant time.
async fn key_matches(state: &AppState, presented: &str) -> Result<bool> {
    let expected = match &state.config.admin_key_sha256 {
        Some(h) => h.clone(),
        None => state
            .store
            .get(&table_keys::admin_key())
            .await?
            .and_then(|i| {
                i.data
                    .get("sha256")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or(Error::InvalidAdminKey)?,
    };
    Ok(constant_time_eq(
        sha256_hex(presented).as_bytes(),
        expected.as_bytes(),
    ))
}

/// Local runner start-up: stores the hash of `provided` (from `KEYTURN_ADMIN_KEY`), or, when
/// none is given and none is stored yet, generates a key and returns it to be printed once. A
/// provided key shorter than [`MIN_ADMIN_KEY_LEN`] is refused (602) and nothing is stored.
pub async fn ensure_admin_key(state: &AppState, provided: Option<&str>) -> Result<Option<String>> {
    let key = table_keys::admin_key();
    if let Some(k) = provided {
        if k.chars().count() < MIN_ADMIN_KEY_LEN {
            return Err(Error::invalid(format!(
                "KEYTURN_ADMIN_KEY must be at least {MIN_ADMIN_KEY_LEN} characters \
                 (try: openssl rand -hex 32)"
            )));
        }
        let item = repo::item(key, &serde_json::json!({ "sha256": sha256_hex(k) }), 1)?;
        state.store.put(item, Condition::Any).await?;
        return Ok(None);
    }
    if state.store.get(&key).await?.is_some() {
        return Ok(None);
    }
    let generated = format!("kt_admin_{}", state.codes.random_hex(24));
    let item = repo::item(
        key,
        &serde_json::json!({ "sha256": sha256_hex(&generated) }),
        1,
    )?;
    match state.store.put(item, Condition::Absent).await {
        Ok(()) => Ok(Some(generated)),
        Err(e) if e.is_conflict() => Ok(None),
        Err(e) => Err(e.into()),
    }
}
