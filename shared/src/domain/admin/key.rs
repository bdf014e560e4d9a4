//! The admin API key.
//!
//! The key is a high-entropy random string, so it is stored as a SHA-256 (a slow hash buys
//! nothing for 256 random bits) and compared in constant time. In AWS its hash comes from the
//! stack parameter; the local runner generates one on first start, prints it once and stores
//! only the hash. There is no never-expiring all-powerful token as in the original.

use serde_json::Value;

use crate::AppState;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::domain::{keys, repo};
use crate::error::{Error, Result};
use crate::store::Condition;

/// Refuses the call (617) unless `bearer` is the admin key.
pub async fn authorize(state: &AppState, bearer: Option<&str>) -> Result<()> {
    let presented = bearer.ok_or(Error::InvalidAdminKey)?;
    let expected = match &state.config.admin_key_sha256 {
        Some(h) => h.clone(),
        None => state
            .store
            .get(&keys::admin_key())
            .await?
            .and_then(|i| {
                i.data
                    .get("sha256")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or(Error::InvalidAdminKey)?,
    };
    if constant_time_eq(sha256_hex(presented).as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Error::InvalidAdminKey)
    }
}

/// Local runner start-up: stores the hash of `provided` (from `KEYTURN_ADMIN_KEY`), or, when
/// none is given and none is stored yet, generates a key and returns it to be printed once.
pub async fn ensure_admin_key(state: &AppState, provided: Option<&str>) -> Result<Option<String>> {
    let key = keys::admin_key();
    if let Some(k) = provided {
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
