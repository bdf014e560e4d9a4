//! Replacing an imported bcrypt hash by Argon2id, or an Argon2id hash peppered under a previous
//! version of the service secret by one under the current version, once its password is proven.
//!
//! The second is what lets an operator drop an old version of the service secret (see
//! `crypto::keyring`): each user's next login re-peppers their hash. Checking costs a parse of
//! the stored string, no Argon2 run; re-peppering costs one hash, once per user.
//!
//! Users imported from CosyncJWT keep the original's bcrypt hash until their first proven
//! password (login, changePassword, deleteAccount, the second-factor switches all prove it
//! through `password_check::proves`). Then, and only then, the client MD5 is in hand, so the
//! hash is upgraded: Argon2id with the pepper, written under the version of a fresh read and
//! only when that read still holds the very bcrypt string that was proven. A concurrent change
//! (a reset, a password change, an admin action) therefore wins, and a lost race leaves the
//! bcrypt hash for the next login to upgrade. A failed upgrade never fails the caller's request:
//! the password was right, and the old hash still works.

use crate::crypto::password::is_legacy;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::user::User;
use crate::store::Condition;

/// Upgrades `user`'s legacy hash (or a hash under an old pepper version) to Argon2id of
/// `proven` (the client MD5 that just verified against it) under the current pepper. Does
/// nothing for a current Argon2id hash.
pub async fn upgrade_legacy_hash(state: &AppState, user: &User, proven: &str) {
    let legacy = is_legacy(&user.password_hash);
    if !legacy && state.passwords.is_current(&user.password_hash) {
        return;
    }
    let hash = match state.passwords.hash(proven).await {
        Ok(hash) => hash,
        Err(e) => {
            tracing::warn!(user_id = %user.user_id, error = %e.report(), "legacy hash not upgraded");
            return;
        }
    };
    let written = async {
        let Some((mut fresh, version)) = repo::load_user(state, &user.user_id).await? else {
            return Ok(false);
        };
        if fresh.password_hash != user.password_hash {
            return Ok(false);
        }
        fresh.password_hash = hash;
        fresh.updated_at = state.clock.now_ms();
        let item = repo::user_item(&fresh, version + 1)?;
        match state.store.put(item, Condition::Version(version)).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_conflict() => Ok(false),
            Err(e) => Err(crate::error::Error::from(e)),
        }
    }
    .await;
    match written {
        Ok(true) if legacy => {
            tracing::info!(user_id = %user.user_id, "imported bcrypt hash upgraded to Argon2id")
        }
        Ok(true) => {
            tracing::info!(user_id = %user.user_id, "password hash re-peppered under the current secret version")
        }
        Ok(false) => {
            tracing::info!(user_id = %user.user_id, "legacy hash changed meanwhile: left to that change")
        }
        Err(e) => {
            tracing::warn!(user_id = %user.user_id, error = %e.report(), "legacy hash not upgraded")
        }
    }
}
