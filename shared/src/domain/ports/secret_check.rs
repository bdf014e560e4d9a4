//! The start-up check that the service secret is the table's: a replaced secret (a new value
//! put in place of the old one instead of rotating it, a key file from another data dir) would
//! otherwise start and then fail every login, every session and every code, silently.
//!
//! The table holds one small item, `KEYTURN/SECRETCHECK`, with a keyed digest of a fixed text
//! under each version of the secret that has started against the table. At start the runner
//! compares: every version both know must agree, and at least one must be shared (the current
//! one, or a previous one after a rotation). Then the versions the item lacks are added, so the
//! item follows rotations. The first start over an empty table writes it. One read per start
//! (a Lambda cold start), a write only when a version is new to the table; nothing per request.
//! A function whose role may not write (get-application and the other read-only functions)
//! still compares, and leaves the recording to the next start of one that may.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::crypto::keyring::{ServiceSecret, purpose};
use crate::domain::ports::AppState;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{Condition, Item};

/// The text each version's canary digest is made of.
const CANARY_TEXT: &[u8] = b"keyturn service secret check";

/// Each version's canary digest (hex), current first.
pub fn digests(secret: &ServiceSecret) -> Vec<(u32, String)> {
    secret
        .keys(purpose::CANARY)
        .into_iter()
        .map(|(v, key)| {
            // HMAC takes keys of every length.
            let mut mac = Hmac::<Sha256>::new_from_slice(&key)
                .unwrap_or_else(|_| crate::crypto::unreachable_hmac());
            mac.update(CANARY_TEXT);
            (v, hex::encode(mac.finalize().into_bytes()))
        })
        .collect()
}

/// What the check found wrong: said without any secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A version both know, with different masters.
    WrongVersion(u32),
    /// No version in common.
    NothingShared {
        /// Versions the table was written under.
        table: Vec<u32>,
        /// Versions the secret holds.
        secret: Vec<u32>,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::WrongVersion(v) => write!(
                f,
                "the service secret's version {v} is not the version {v} this table was written \
                 under: the secret was replaced, not rotated"
            ),
            Mismatch::NothingShared { table, secret } => write!(
                f,
                "the service secret holds versions {secret:?} but this table was written under \
                 versions {table:?}: the secret was replaced, or an old version dropped before any \
                 start under the new one"
            ),
        }
    }
}

/// Compares the secret's digests with the table's (`version → digest`).
pub fn compare(ours: &[(u32, String)], table: &BTreeMap<u32, String>) -> Result<(), Mismatch> {
    let mut shared = false;
    for (v, digest) in ours {
        if let Some(stored) = table.get(v) {
            if !crate::crypto::constant_time_eq(stored.as_bytes(), digest.as_bytes()) {
                return Err(Mismatch::WrongVersion(*v));
            }
            shared = true;
        }
    }
    if shared || table.is_empty() {
        Ok(())
    } else {
        Err(Mismatch::NothingShared {
            table: table.keys().copied().collect(),
            secret: ours.iter().map(|(v, _)| *v).collect(),
        })
    }
}

impl AppState {
    /// Refuses (with a message naming no secret) a service secret that cannot verify what the
    /// table holds, and records the secret's versions in the table; see the module doc. The
    /// local runner and the Lambda bootstraps call it once at start.
    pub async fn check_service_secret(&self) -> Result<()> {
        let key = table_keys::secret_check();
        // Two starts racing to record a version: the loser compares again against the winner's.
        for _ in 0..3 {
            let found = self.store.get(&key).await?;
            let (mut table, condition) = match &found {
                Some(item) => (
                    serde_json::from_value::<BTreeMap<u32, String>>(
                        item.data.get("versions").cloned().unwrap_or_default(),
                    )
                    .map_err(|_| Error::internal("the table's secret check item is unreadable"))?,
                    Condition::Version(item.version),
                ),
                None => (BTreeMap::new(), Condition::Absent),
            };
            compare(&self.secret_versions, &table).map_err(|m| {
                Error::internal(format!(
                    "refusing to start: {m} (see docs/operations.md, \"Rotating the service secret\")"
                ))
            })?;
            let before = table.len();
            for (v, digest) in &self.secret_versions {
                table.entry(*v).or_insert_with(|| digest.clone());
            }
            if table.len() == before {
                return Ok(());
            }
            let mut item = Item::new(key.clone(), serde_json::json!({ "versions": table }));
            item.version = found.as_ref().map_or(1, |i| i.version + 1);
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_conflict() => continue,
                Err(e) => {
                    // The comparison passed; recording is left to the next start of a function
                    // whose role may write (a read-only function's role has no PutItem).
                    tracing::warn!(error = %e, "service secret versions not recorded in the table");
                    return Ok(());
                }
            }
        }
        Err(Error::internal(
            "the table's secret check item kept changing: start again",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(u32, &str)]) -> BTreeMap<u32, String> {
        entries.iter().map(|(v, d)| (*v, (*d).to_owned())).collect()
    }

    #[test]
    fn a_secret_passes_when_every_shared_version_agrees() {
        let ours = vec![(2, "b".to_owned()), (1, "a".to_owned())];
        assert_eq!(compare(&ours, &table(&[])), Ok(()));
        assert_eq!(compare(&ours, &table(&[(1, "a")])), Ok(()));
        assert_eq!(compare(&ours, &table(&[(1, "a"), (2, "b")])), Ok(()));
        // Version 1 dropped from the secret after a start under version 2.
        assert_eq!(compare(&ours[..1], &table(&[(1, "a"), (2, "b")])), Ok(()));
    }

    #[test]
    fn a_replaced_secret_is_refused() {
        let ours = vec![(1, "x".to_owned())];
        assert_eq!(
            compare(&ours, &table(&[(1, "a")])),
            Err(Mismatch::WrongVersion(1))
        );
        let ours = vec![(3, "c".to_owned())];
        let err = compare(&ours, &table(&[(1, "a"), (2, "b")])).unwrap_err();
        assert_eq!(
            err,
            Mismatch::NothingShared {
                table: vec![1, 2],
                secret: vec![3]
            }
        );
        assert!(err.to_string().contains("[3]"));
    }
}
