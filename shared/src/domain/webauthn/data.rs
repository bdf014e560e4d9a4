//! The two structures every WebAuthn response carries, parsed: `clientDataJSON` (what the
//! browser or platform saw: ceremony type, challenge, origin) and `authenticatorData` (what the
//! authenticator signed: RP id hash, flags, counter, and at registration the new credential).

use serde::Deserialize;

use super::cbor::{self, Cbor};

/// Flag: the user was present (touched, clicked).
pub const UP: u8 = 0x01;
/// Flag: the user was verified (biometrics, PIN).
pub const UV: u8 = 0x04;
/// Flag: the credential may be backed up (a synced passkey).
pub const BE: u8 = 0x08;
/// Flag: the credential is backed up now.
pub const BS: u8 = 0x10;
/// Flag: attested credential data follows the counter.
pub const AT: u8 = 0x40;
/// Flag: extensions follow.
pub const ED: u8 = 0x80;

/// Longest credential id WebAuthn allows.
pub const MAX_CREDENTIAL_ID: usize = 1023;

/// `clientDataJSON`, the fields a relying party checks.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientData {
    /// `webauthn.create` or `webauthn.get`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The challenge, base64url as the client encoded it.
    pub challenge: String,
    /// The caller's origin (`https://…`, or `android:apk-key-hash:…`).
    pub origin: String,
    /// Whether the call came from a cross-origin iframe.
    #[serde(default)]
    pub cross_origin: bool,
}

impl ClientData {
    /// Parses the JSON bytes (any other field is ignored, as the specification asks).
    pub fn parse(bytes: &[u8]) -> Result<Self, &'static str> {
        serde_json::from_slice(bytes).map_err(|_| "clientDataJSON is not the expected JSON")
    }
}

/// The credential a registration creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attested {
    /// The authenticator model (zero for attestation "none" on most platforms).
    pub aaguid: [u8; 16],
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The COSE public key, exactly as sent.
    pub cose_key: Vec<u8>,
}

/// `authenticatorData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthData {
    /// SHA-256 of the RP id the authenticator scoped the credential to.
    pub rp_id_hash: [u8; 32],
    /// `UP`, `UV`, `BE`, `BS`, `AT`, `ED`.
    pub flags: u8,
    /// The signature counter (0 when the authenticator keeps none).
    pub sign_count: u32,
    /// At registration: the new credential.
    pub attested: Option<Attested>,
}

impl AuthData {
    /// Parses the bytes: 37 fixed bytes, the attested credential when `AT`, extensions when
    /// `ED`, nothing after. A backup state without backup eligibility is malformed.
    pub fn parse(bytes: &[u8]) -> Result<Self, &'static str> {
        if bytes.len() < 37 {
            return Err("authenticatorData shorter than 37 bytes");
        }
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(&bytes[..32]);
        let flags = bytes[32];
        let sign_count = u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]);
        if flags & BS != 0 && flags & BE == 0 {
            return Err("backed up but not backup eligible");
        }
        let mut rest = &bytes[37..];
        let attested = if flags & AT != 0 {
            if rest.len() < 18 {
                return Err("attested credential data truncated");
            }
            let mut aaguid = [0u8; 16];
            aaguid.copy_from_slice(&rest[..16]);
            let len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
            if len == 0 || len > MAX_CREDENTIAL_ID || rest.len() < 18 + len {
                return Err("credential id of a bad length");
            }
            let credential_id = rest[18..18 + len].to_vec();
            rest = &rest[18 + len..];
            let (_, used) = cbor::decode_prefix(rest).map_err(|e| e.0)?;
            let cose_key = rest[..used].to_vec();
            rest = &rest[used..];
            Some(Attested {
                aaguid,
                credential_id,
                cose_key,
            })
        } else {
            None
        };
        if flags & ED != 0 {
            let (extensions, used) = cbor::decode_prefix(rest).map_err(|e| e.0)?;
            if !matches!(extensions, Cbor::Map(_)) {
                return Err("extensions are not a map");
            }
            rest = &rest[used..];
        }
        if !rest.is_empty() {
            return Err("bytes after authenticatorData");
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count,
            attested,
        })
    }

    /// Whether every bit of `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }
}

/// The `authData` of an attestation object (`{fmt, attStmt, authData}`). The statement is not
/// verified: Keyturn asks for attestation "none" and trusts no authenticator model, so
/// whatever format a client still sends is read past, never believed.
pub fn auth_data_of_attestation(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    let object = cbor::decode(bytes).map_err(|e| e.0)?;
    if !matches!(object.text_key("fmt"), Some(Cbor::Text(_))) {
        return Err("attestation object without fmt");
    }
    object
        .text_key("authData")
        .and_then(Cbor::as_bytes)
        .map(<[u8]>::to_vec)
        .ok_or("attestation object without authData")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(flags: u8, count: u32) -> Vec<u8> {
        let mut b = vec![7u8; 32];
        b.push(flags);
        b.extend_from_slice(&count.to_be_bytes());
        b
    }

    #[test]
    fn reads_flags_and_counter_and_refuses_trailing_bytes() {
        let data = AuthData::parse(&fixed(UP | UV, 9)).unwrap();
        assert!(data.has(UP | UV) && !data.has(BE));
        assert_eq!(data.sign_count, 9);
        let mut longer = fixed(UP, 1);
        longer.push(0);
        assert!(AuthData::parse(&longer).is_err());
        assert!(AuthData::parse(&fixed(UP | BS, 0)).is_err());
        assert!(AuthData::parse(&fixed(UP | AT, 0)).is_err());
        assert!(AuthData::parse(&[0u8; 36]).is_err());
    }

    #[test]
    fn reads_an_attested_credential_and_its_key_length() {
        let mut b = fixed(UP | UV | AT, 0);
        b.extend_from_slice(&[0u8; 16]);
        b.extend_from_slice(&[0, 3, 9, 8, 7]);
        b.extend_from_slice(&[0xa1, 0x01, 0x02]);
        let data = AuthData::parse(&b).unwrap();
        let attested = data.attested.unwrap();
        assert_eq!(attested.credential_id, vec![9, 8, 7]);
        assert_eq!(attested.cose_key, vec![0xa1, 0x01, 0x02]);
    }
}
