//! The sealed factor record every second-factor step shares: the authenticator's secret, its
//! recovery codes, and the compare-and-swap that consumes a code.
//!
//! - **TOTP secrets** are sealed (AES-256-GCM, the user id as associated data) in the `2FA` item
//!   of the user's partition, never on the indexed user record. The item also remembers the last
//!   TOTP step accepted; accepting a code and advancing the step is one compare-and-swap, so two
//!   requests racing with one code cannot both win (no replay).
//! - **Recovery codes** (10, shown once) are stored as keyed hashes; using one removes it under
//!   the same compare-and-swap, so each works once.
//! - Every code check (login, disabling a factor) counts as a password try (the same per handle
//!   and address lockout: [`crate::domain::common::password_check::guarded_code_check`]), so a
//!   password holder cannot guess codes faster than passwords.

use serde::{Deserialize, Serialize};

use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::factors::totp;
use crate::domain::ports::AppState;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Context, Result};
use crate::store::Condition;

/// Recovery codes handed out with each authenticator enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The `2FA` item: the sealed TOTP secret, recovery-code hashes and the last accepted step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Factors {
    /// AES-256-GCM sealed TOTP secret ([`crate::crypto::seal`]).
    #[serde(default)]
    pub sealed_totp_secret: Option<String>,
    /// Keyed hashes of the unused recovery codes.
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
    /// The last TOTP step accepted (replay refusal).
    #[serde(default)]
    pub last_step: Option<u64>,
}

fn recovery_context(user: &User) -> String {
    format!("{}/recovery/{}", user.app_id, user.user_id)
}

/// Recovery codes as typed: lower-cased, spaces and dashes dropped.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The factor record and its version.
async fn load_factors(state: &AppState, user_id: &str) -> Result<Option<(Factors, u64)>> {
    match state.store.get(&table_keys::factors(user_id)).await? {
        Some(item) => Ok(Some((repo::record(&item)?, item.version))),
        None => Ok(None),
    }
}

/// A fresh TOTP secret and recovery codes for `user`, written over any previous ones. Returns
/// the secret's bytes and the recovery codes in clear, to be shown once.
pub async fn enrol_totp(state: &AppState, user: &User) -> Result<(Vec<u8>, Vec<String>)> {
    let secret =
        hex::decode(state.codes.random_hex(totp::SECRET_BYTES)).context("random secret")?;
    let context = recovery_context(user);
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = state.codes.random_hex(5);
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect();
    let factors = Factors {
        sealed_totp_secret: Some(state.sealer.seal(&user.user_id, &secret)?),
        recovery_hashes: codes
            .iter()
            .map(|c| {
                state
                    .code_hasher
                    .stable_hash(&context, &normalise_recovery(c))
            })
            .collect(),
        last_step: None,
    };
    state
        .store
        .put(
            repo::item(table_keys::factors(&user.user_id), &factors, 1)?,
            Condition::Any,
        )
        .await?;
    Ok((secret, codes))
}

/// Forgets the user's TOTP secret and recovery codes.
pub async fn forget_factors(state: &AppState, user_id: &str) -> Result<()> {
    state
        .store
        .delete(&table_keys::factors(user_id), Condition::Any)
        .await?;
    Ok(())
}

/// Accepts `code` as a current TOTP code of a step not used before, or as an unused recovery
/// code, and consumes it (advances the step, or removes the recovery code) in one
/// compare-and-swap. `false` when it is neither.
pub async fn consume_authenticator_code(state: &AppState, user: &User, code: &str) -> Result<bool> {
    let context = recovery_context(user);
    let recovery = normalise_recovery(code);
    let (context, recovery) = (&context, &recovery);
    // A conflict means someone else used a code meanwhile: decide again on the fresh record (a
    // replay of the same step then fails).
    retry_on_conflict("factor record", || async move {
        let Some((mut factors, version)) = load_factors(state, &user.user_id).await? else {
            return Ok(Attempt::Done(false));
        };
        let secret = factors
            .sealed_totp_secret
            .as_deref()
            .and_then(|s| state.sealer.open(&user.user_id, s));
        // Sealed under a previous version of the service secret: sealed again under the
        // current one by the same write that consumes the code, so the old version can go.
        let reseal = match (&secret, factors.sealed_totp_secret.as_deref()) {
            (Some(plain), Some(sealed)) if !state.sealer.is_current(sealed) => {
                Some(state.sealer.seal(&user.user_id, plain)?)
            }
            _ => None,
        };
        let step = secret.as_deref().and_then(|secret| {
            totp::accepted_step(secret, code, state.clock.now_secs(), factors.last_step)
        });
        if let Some(step) = step {
            factors.last_step = Some(step);
        } else if let Some(i) = factors
            .recovery_hashes
            .iter()
            .position(|h| state.code_hasher.stable_verify(context, recovery, h))
        {
            factors.recovery_hashes.remove(i);
        } else {
            return Ok(Attempt::Done(false));
        }
        if reseal.is_some() {
            factors.sealed_totp_secret = reseal;
        }
        let item = repo::item(table_keys::factors(&user.user_id), &factors, version + 1)?;
        repo::attempt(
            state.store.put(item, Condition::Version(version)).await,
            true,
        )
    })
    .await
}
