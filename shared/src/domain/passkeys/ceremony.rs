//! Ceremony state in the table: a begin writes the challenge's record for five minutes, keyed
//! by the challenge's SHA-256; the finish reads it back from the challenge the client signed
//! into `clientDataJSON` and deletes it under its version, so exactly one finish per challenge
//! goes on, whichever Lambda instance serves it and however many race.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::crypto::sha256_hex;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::Condition;

/// How long a begun ceremony may be finished (WebAuthn's recommended timeout).
pub const TTL_SECS: i64 = 300;

/// Bytes of randomness in a challenge.
const CHALLENGE_BYTES: usize = 32;

/// Longest challenge text a finish may name (ours are 43 characters).
const MAX_CHALLENGE_CHARS: usize = 128;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Adding a passkey to the signed-in user.
    Register,
    /// Signing in with a discoverable passkey.
    Login,
}

/// A ceremony as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ceremony {
    /// What it is for.
    pub kind: Kind,
    /// The user registering (registration only).
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Starts a ceremony: a fresh challenge (base64url), stored with `ceremony` until it expires.
pub async fn begin(state: &AppState, app: &App, ceremony: &Ceremony) -> Result<String> {
    let random = hex::decode(state.codes.random_hex(CHALLENGE_BYTES))
        .map_err(|_| Error::internal("random hex did not decode"))?;
    let challenge = URL_SAFE_NO_PAD.encode(random);
    let key = table_keys::passkey_ceremony(&app.app_id, &sha256_hex(&challenge));
    let item = repo::item(key, ceremony, 1)?.expiring_at(state.clock.now_secs() + TTL_SECS);
    state.store.put(item, Condition::Absent).await?;
    Ok(challenge)
}

/// Consumes the ceremony of `challenge` (as the client data names it) if it is of `kind`: 640
/// when it was never issued, has expired, was already consumed or is of the other kind.
pub async fn consume(state: &AppState, app: &App, challenge: &str, kind: Kind) -> Result<Ceremony> {
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE_CHARS {
        return Err(Error::PasskeyCeremonyUnknown);
    }
    let key = table_keys::passkey_ceremony(&app.app_id, &sha256_hex(challenge));
    let item = state
        .store
        .get(&key)
        .await?
        .ok_or(Error::PasskeyCeremonyUnknown)?;
    match state
        .store
        .delete(&key, Condition::Version(item.version))
        .await
    {
        Ok(()) => {}
        Err(e) if e.is_conflict() => return Err(Error::PasskeyCeremonyUnknown),
        Err(e) => return Err(e.into()),
    }
    let ceremony: Ceremony = repo::record(&item)?;
    if ceremony.kind != kind {
        return Err(Error::PasskeyCeremonyUnknown);
    }
    Ok(ceremony)
}
