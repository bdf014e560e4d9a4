//! WebAuthn relying-party checks for passkeys, written over what Keyturn already links (`ring`,
//! `sha2`, `serde_json`) instead of a WebAuthn crate: with attestation "none" a relying party
//! parses `clientDataJSON`, `authenticatorData` and a COSE key and checks one signature, which
//! is this folder ([`cbor`], [`cose`], [`data`]) and the two functions below. The choice and its
//! measurements are in docs/passkeys.md.
//!
//! Everything here is pure: the use cases in [`crate::domain::passkeys`] fetch the ceremony and
//! the stored credential, call these, and write what they return. Every refusal is a fixed
//! phrase ([`Refusal`]) for the log and the audit trail; the wire answers all of them alike.

pub mod cbor;
pub mod cose;
pub mod data;

use sha2::{Digest, Sha256};

use cose::PublicKey;
use data::{AuthData, BE, BS, ClientData, UP, UV};

/// Why a response failed verification: a fixed phrase, never the input.
pub type Refusal = &'static str;

/// What a credential must be bound to: the app's RP id and the origins it lists.
#[derive(Debug, Clone, Copy)]
pub struct Relying<'a> {
    /// The registrable domain credentials are scoped to.
    pub rp_id: &'a str,
    /// Exact origins (`https://…`, `android:apk-key-hash:…`) ceremonies may come from.
    pub origins: &'a [String],
}

/// The ceremony a response must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// `navigator.credentials.create` (`webauthn.create`).
    Create,
    /// `navigator.credentials.get` (`webauthn.get`).
    Get,
}

impl Ceremony {
    fn client_type(self) -> &'static str {
        match self {
            Ceremony::Create => "webauthn.create",
            Ceremony::Get => "webauthn.get",
        }
    }
}

/// A verified registration: the credential to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Credential id.
    pub credential_id: Vec<u8>,
    /// Its COSE public key, as the authenticator sent it.
    pub cose_key: Vec<u8>,
    /// Its COSE algorithm.
    pub alg: i64,
    /// The counter it starts at.
    pub sign_count: u32,
    /// Whether it may be synced (`BE`).
    pub backup_eligible: bool,
    /// Whether it is synced now (`BS`).
    pub backed_up: bool,
    /// The authenticator model, hex (zeros under attestation "none").
    pub aaguid: String,
}

/// A verified assertion: what the stored credential learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asserted {
    /// The counter the authenticator reports now.
    pub sign_count: u32,
    /// Whether it is backed up now (`BS`).
    pub backed_up: bool,
    /// Whether it may be backed up (`BE`), which must not change.
    pub backup_eligible: bool,
}

/// Checks `clientDataJSON` against the ceremony: type, challenge (the one issued, base64url),
/// an allowed origin, not from a cross-origin frame.
pub fn check_client_data(
    rp: &Relying<'_>,
    client: &ClientData,
    ceremony: Ceremony,
    challenge: &str,
) -> Result<(), Refusal> {
    if client.kind != ceremony.client_type() {
        return Err("wrong clientData type");
    }
    if client.challenge != challenge {
        return Err("challenge mismatch");
    }
    if !rp.origins.contains(&client.origin) {
        return Err("origin not allowed");
    }
    if client.cross_origin {
        return Err("cross-origin call");
    }
    Ok(())
}

/// Checks what every authenticatorData must show: this RP id's hash, the user present and
/// verified (Keyturn always asks for verification, so a passkey is a whole login).
fn check_auth_data(rp: &Relying<'_>, data: &AuthData) -> Result<(), Refusal> {
    let expected: [u8; 32] = Sha256::digest(rp.rp_id.as_bytes()).into();
    if data.rp_id_hash != expected {
        return Err("RP id hash mismatch");
    }
    if !data.has(UP) {
        return Err("user not present");
    }
    if !data.has(UV) {
        return Err("user not verified");
    }
    Ok(())
}

/// Verifies a registration response whose client data was already checked against its
/// ceremony ([`check_client_data`]): the attestation object's authenticator data, and the new
/// credential's key (ES256 or RS256). `claimed_id` is the id the client says it created.
pub fn verify_registration(
    rp: &Relying<'_>,
    attestation_object: &[u8],
    claimed_id: &[u8],
) -> Result<Registered, Refusal> {
    let auth_data = data::auth_data_of_attestation(attestation_object)?;
    let parsed = AuthData::parse(&auth_data)?;
    check_auth_data(rp, &parsed)?;
    let Some(attested) = &parsed.attested else {
        return Err("no attested credential");
    };
    if attested.credential_id != claimed_id {
        return Err("credential id differs from rawId");
    }
    let key = PublicKey::from_cose(&attested.cose_key)?;
    Ok(Registered {
        credential_id: attested.credential_id.clone(),
        cose_key: attested.cose_key.clone(),
        alg: key.alg(),
        sign_count: parsed.sign_count,
        backup_eligible: parsed.has(BE),
        backed_up: parsed.has(BS),
        aaguid: hex::encode(attested.aaguid),
    })
}

/// Verifies an assertion whose client data was already checked: the authenticator data, then
/// the signature over `authenticatorData || SHA-256(clientDataJSON)` under the stored key.
pub fn verify_assertion(
    rp: &Relying<'_>,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    cose_key: &[u8],
) -> Result<Asserted, Refusal> {
    let parsed = AuthData::parse(authenticator_data)?;
    check_auth_data(rp, &parsed)?;
    if parsed.attested.is_some() {
        return Err("attested data in an assertion");
    }
    let key = PublicKey::from_cose(cose_key)?;
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    if !key.verifies(&signed, signature) {
        return Err("bad signature");
    }
    Ok(Asserted {
        sign_count: parsed.sign_count,
        backed_up: parsed.has(BS),
        backup_eligible: parsed.has(BE),
    })
}

/// Whether a counter moved as a genuine authenticator's does: both zero (an authenticator that
/// keeps none, as synced passkeys do), or strictly up. Anything else suggests a cloned key.
pub fn counter_advanced(stored: u32, reported: u32) -> bool {
    (stored == 0 && reported == 0) || reported > stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_must_rise_unless_the_authenticator_keeps_none() {
        assert!(counter_advanced(0, 0));
        assert!(counter_advanced(0, 1));
        assert!(counter_advanced(5, 6));
        assert!(!counter_advanced(5, 5));
        assert!(!counter_advanced(5, 4));
        assert!(!counter_advanced(5, 0));
    }

    #[test]
    fn client_data_must_match_type_challenge_and_origin() {
        let origins = vec!["https://app.example.com".to_owned()];
        let rp = Relying {
            rp_id: "example.com",
            origins: &origins,
        };
        let client = |kind: &str, challenge: &str, origin: &str, cross: bool| ClientData {
            kind: kind.into(),
            challenge: challenge.into(),
            origin: origin.into(),
            cross_origin: cross,
        };
        let ok = client("webauthn.get", "c", "https://app.example.com", false);
        assert_eq!(check_client_data(&rp, &ok, Ceremony::Get, "c"), Ok(()));
        for (bad, ceremony) in [
            (
                client("webauthn.create", "c", "https://app.example.com", false),
                Ceremony::Get,
            ),
            (
                client("webauthn.get", "d", "https://app.example.com", false),
                Ceremony::Get,
            ),
            (
                client("webauthn.get", "c", "https://evil.example.com", false),
                Ceremony::Get,
            ),
            (
                client("webauthn.get", "c", "https://app.example.com", true),
                Ceremony::Get,
            ),
            (
                client("webauthn.get", "c", "https://app.example.com", false),
                Ceremony::Create,
            ),
        ] {
            assert!(
                check_client_data(&rp, &bad, ceremony, "c").is_err(),
                "{bad:?}"
            );
        }
    }
}
