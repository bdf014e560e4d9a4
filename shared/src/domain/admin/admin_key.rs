//! The admin API key.
//!
//! The key is a high-entropy random string, so it is stored as a SHA-256 (a slow hash buys
//! nothing for 256 random bits) and compared in constant time. In AWS its hash comes from the
//! stack parameter; the local runner generates one on first start, prints it once and stores
//! only the hash. There is no never-expiring all-powerful token as in the original.

use serde_json::Value;

use crate::crypto::{constant_time_eq, sha256_hex};
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

/// Refuses the call (617) unless `bearer` is the admin key. Every presented key counts toward
/// the client address's limit ([`AddressFlow::AdminKey`]: 20 per hour) before it is compared,
/// and a right one gives its hit back; so once an address is limited even the right key gets
/// 615, and the answer is no oracle for guesses.
pub async fn authorize(
    state: &AppState,
    bearer: Option<&str>,
    client: &ClientAddress,
) -> Result<()> {
    let presented = bearer.ok_or(Error::InvalidAdminKey)?;
    limits::hit_address(state, ADMIN_SCOPE, client, AddressFlow::AdminKey).await?;
    if key_matches(state, presented).await? {
        limits::give_back_address(state, ADMIN_SCOPE, client, AddressFlow::AdminKey).await;
        Ok(())
    } else {
        tracing::warn!(client = %client.as_str(), "admin: wrong admin key");
        Err(Error::InvalidAdminKey)
    }
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
