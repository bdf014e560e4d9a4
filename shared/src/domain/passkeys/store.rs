//! Reading and writing a user's passkey set and the credential-id claims, as operations for the
//! caller's transaction: the set under compare-and-swap, each claim created only if absent.

use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::passkey::{PasskeySet, claim_key};
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{Condition, WriteOp};

/// The user's passkeys and the set's version (`None` while the user has never had one).
pub async fn load(state: &AppState, user_id: &str) -> Result<(PasskeySet, Option<u64>)> {
    match state.store.get(&table_keys::passkeys(user_id)).await? {
        Some(item) => Ok((repo::record(&item)?, Some(item.version))),
        None => Ok((
            PasskeySet {
                user_id: user_id.to_owned(),
                passkeys: Vec::new(),
            },
            None,
        )),
    }
}

/// Writes `set` over the version it was read at (created when it was absent).
pub fn save_op(set: &PasskeySet, read_at: Option<u64>) -> Result<WriteOp> {
    let key = table_keys::passkeys(&set.user_id);
    Ok(match read_at {
        Some(v) => WriteOp::Put(repo::item(key, set, v + 1)?, Condition::Version(v)),
        None => WriteOp::Put(repo::item(key, set, 1)?, Condition::Absent),
    })
}

/// Creates the claim on credential `id` for `user_id` (fails if any user of the app holds it).
pub fn claim_op(app_id: &str, id: &str, user_id: &str) -> Result<WriteOp> {
    Ok(WriteOp::Put(
        repo::item(
            claim_key(app_id, id),
            &serde_json::json!({ "userId": user_id }),
            1,
        )?,
        Condition::Absent,
    ))
}

/// Deletes the claim on credential `id`.
pub fn release_op(app_id: &str, id: &str) -> WriteOp {
    WriteOp::Delete(claim_key(app_id, id), Condition::Exists)
}

/// The user who holds credential `id` in `app_id`, if any.
pub async fn owner(state: &AppState, app_id: &str, id: &str) -> Result<Option<String>> {
    let Some(claim) = state.store.get(&claim_key(app_id, id)).await? else {
        return Ok(None);
    };
    claim
        .data
        .get("userId")
        .and_then(|v| v.as_str())
        .map(|s| Some(s.to_owned()))
        .ok_or_else(|| Error::internal("passkey claim without userId"))
}
