//! The `credential` a client posts, in WebAuthn Level 3's JSON form
//! (`PublicKeyCredential.toJSON()`: `{id, rawId, type, response: {...}}`, binary fields
//! base64url), decoded into bytes. Shape errors are 602 with the field's name; whether the bytes
//! verify is [`crate::domain::webauthn`]'s question (641).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::domain::webauthn::data::MAX_CREDENTIAL_ID;
use crate::error::{Error, Result};

/// Largest decoded field accepted (an RSA key's attestation object is about 1 KB).
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// A registration response (`AuthenticatorAttestationResponse`).
#[derive(Debug, Clone)]
pub struct Attestation {
    /// The credential id (`rawId`).
    pub raw_id: Vec<u8>,
    /// `clientDataJSON`.
    pub client_data_json: Vec<u8>,
    /// `attestationObject`.
    pub attestation_object: Vec<u8>,
    /// `transports`, kept as hints for `excludeCredentials`.
    pub transports: Vec<String>,
}

/// A login response (`AuthenticatorAssertionResponse`).
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The credential id (`rawId`).
    pub raw_id: Vec<u8>,
    /// `clientDataJSON`.
    pub client_data_json: Vec<u8>,
    /// `authenticatorData`.
    pub authenticator_data: Vec<u8>,
    /// `signature`.
    pub signature: Vec<u8>,
    /// `userHandle`: the user id the credential was created for.
    pub user_handle: Option<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    id: String,
    #[serde(default)]
    raw_id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    response: Map<String, Value>,
}

/// The credential id in its wire form (base64url without padding).
pub fn encode_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// Bytes of a base64url field (padding tolerated).
pub fn decode(field: &'static str, text: &str) -> Result<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| Error::invalid(format!("credential {field} is not base64url")))?;
    if bytes.len() > MAX_FIELD_BYTES {
        return Err(Error::invalid(format!("credential {field} is too large")));
    }
    Ok(bytes)
}

fn envelope(credential: &Map<String, Value>) -> Result<(Vec<u8>, Map<String, Value>)> {
    let env: Envelope = serde_json::from_value(Value::Object(credential.clone()))
        .map_err(|_| Error::invalid("credential must be {id, rawId, type, response}"))?;
    if env.kind != "public-key" {
        return Err(Error::invalid("credential type must be public-key"));
    }
    let raw_id = decode("id", &env.id)?;
    if raw_id.is_empty() || raw_id.len() > MAX_CREDENTIAL_ID {
        return Err(Error::invalid("credential id has a bad length"));
    }
    if let Some(raw) = env.raw_id
        && decode("rawId", &raw)? != raw_id
    {
        return Err(Error::invalid("credential rawId differs from id"));
    }
    Ok((raw_id, env.response))
}

fn field(response: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>> {
    match response.get(name) {
        Some(Value::String(s)) => decode(name, s),
        None | Some(Value::Null) => Err(Error::MissingParam(name)),
        Some(_) => Err(Error::invalid(format!(
            "credential {name} must be a string"
        ))),
    }
}

impl Attestation {
    /// Reads a registration credential.
    pub fn parse(credential: &Map<String, Value>) -> Result<Self> {
        let (raw_id, response) = envelope(credential)?;
        let transports = match response.get("transports") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| t.len() <= 32)
                .take(8)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            raw_id,
            client_data_json: field(&response, "clientDataJSON")?,
            attestation_object: field(&response, "attestationObject")?,
            transports,
        })
    }
}

impl Assertion {
    /// Reads a login credential.
    pub fn parse(credential: &Map<String, Value>) -> Result<Self> {
        let (raw_id, response) = envelope(credential)?;
        let user_handle = match response.get("userHandle") {
            Some(Value::String(s)) if !s.is_empty() => Some(decode("userHandle", s)?),
            _ => None,
        };
        Ok(Self {
            raw_id,
            client_data_json: field(&response, "clientDataJSON")?,
            authenticator_data: field(&response, "authenticatorData")?,
            signature: field(&response, "signature")?,
            user_handle,
        })
    }
}
