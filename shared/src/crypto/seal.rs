//! Sealing small secrets at rest (TOTP secrets): AES-256-GCM (aws-lc-rs) under a key derived from
//! the service secret, a fresh random 96-bit nonce per sealing, and the owner's id as associated
//! data, so a sealed value copied onto another user's record does not open.
//!
//! A table dump therefore reveals no TOTP secret: opening one needs the service secret, which
//! lives in Secrets Manager. The stored form is `v<N>.<base64url(nonce | ciphertext | tag)>`,
//! `N` the service secret's version it was sealed under (see [`super::keyring`]): a value opens
//! under that version while the secret keeps it, and the login that opens one under an old
//! version seals it again under the current one ([`Sealer::is_current`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::SecureRandom as _;

use crate::error::{Error, Result};

/// Seals and opens values bound to an owner.
pub struct Sealer {
    current: u32,
    keys: Vec<(u32, LessSafeKey)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer over one 32-byte key (see [`super::derive_key`]): a secret never rotated.
    pub fn new(key: &[u8]) -> Result<Self> {
        Self::versioned(&[(1, key.to_vec())])
    }

    /// A sealer over the sealing key of every version held, current first.
    pub fn versioned(keys: &[(u32, Vec<u8>)]) -> Result<Self> {
        let keys = keys
            .iter()
            .map(|(v, key)| {
                let unbound = UnboundKey::new(&AES_256_GCM, key)
                    .map_err(|_| Error::internal("sealing key must be 32 bytes"))?;
                Ok((*v, LessSafeKey::new(unbound)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            current: keys.first().map_or(1, |(v, _)| *v),
            keys,
        })
    }

    /// The service-secret version `sealed` names (`None` when it is not of the sealed form).
    pub fn version(sealed: &str) -> Option<u32> {
        Self::version_of(sealed).map(|(v, _)| v)
    }

    /// The version new values are sealed under.
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// Whether the key of `version` is still held.
    pub fn holds(&self, version: u32) -> bool {
        self.keys.iter().any(|(v, _)| *v == version)
    }

    /// The version `sealed` names, when it is of the sealed form, and its body.
    fn version_of(sealed: &str) -> Option<(u32, &str)> {
        let (version, body) = sealed.strip_prefix('v')?.split_once('.')?;
        Some((version.parse().ok()?, body))
    }

    /// Whether `sealed` is sealed under the current version (otherwise, once opened, it is
    /// sealed again, so the old version can be dropped).
    pub fn is_current(&self, sealed: &str) -> bool {
        Self::version_of(sealed).is_some_and(|(v, _)| v == self.current)
    }

    /// Encrypts `plaintext` for `owner` under a fresh random nonce.
    pub fn seal(&self, owner: &str, plaintext: &[u8]) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        ring::rand::SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::internal("no randomness for a nonce"))?;
        let mut buf = plaintext.to_vec();
        let Some((_, key)) = self.keys.first() else {
            return Err(Error::internal("no sealing key"));
        };
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(owner.as_bytes()),
            &mut buf,
        )
        .map_err(|_| Error::internal("seal failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("v{}.{}", self.current, URL_SAFE_NO_PAD.encode(out)))
    }

    /// Decrypts a value sealed for `owner`; `None` when it was tampered with, sealed for another
    /// owner, under another key or under a version no longer held.
    pub fn open(&self, owner: &str, sealed: &str) -> Option<Vec<u8>> {
        let (version, body) = Self::version_of(sealed)?;
        let key = &self.keys.iter().find(|(v, _)| *v == version)?.1;
        let raw = URL_SAFE_NO_PAD.decode(body).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut buf)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_owner_and_key() {
        let s = Sealer::new(&[3; 32]).unwrap();
        let sealed = s.seal("user-1", b"totp secret bytes").unwrap();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("totp"));
        assert_eq!(s.open("user-1", &sealed).unwrap(), b"totp secret bytes");
        assert!(s.open("user-2", &sealed).is_none());
        assert!(
            Sealer::new(&[4; 32])
                .unwrap()
                .open("user-1", &sealed)
                .is_none()
        );
    }

    #[test]
    fn each_sealing_uses_a_fresh_nonce_and_tampering_is_detected() {
        let s = Sealer::new(&[3; 32]).unwrap();
        let a = s.seal("u", b"same").unwrap();
        let b = s.seal("u", b"same").unwrap();
        assert_ne!(a, b);
        let mut raw = URL_SAFE_NO_PAD.decode(&a[3..]).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let tampered = format!("v1.{}", URL_SAFE_NO_PAD.encode(raw));
        assert!(s.open("u", &tampered).is_none());
        assert!(s.open("u", "v1.").is_none());
        assert!(s.open("u", "garbage").is_none());
    }

    #[test]
    fn values_sealed_under_a_kept_version_open_and_report_it() {
        let v1 = Sealer::new(&[3; 32]).unwrap();
        let old = v1.seal("u", b"secret").unwrap();
        let v2 = Sealer::versioned(&[(2, vec![4; 32]), (1, vec![3; 32])]).unwrap();
        assert_eq!(v2.open("u", &old).unwrap(), b"secret");
        assert!(!v2.is_current(&old));
        let new = v2.seal("u", b"secret").unwrap();
        assert!(new.starts_with("v2.") && v2.is_current(&new));
        assert!(v1.open("u", &new).is_none());
        let v3 = Sealer::versioned(&[(3, vec![5; 32]), (2, vec![4; 32])]).unwrap();
        assert!(v3.open("u", &old).is_none());
        assert_eq!(v3.open("u", &new).unwrap(), b"secret");
        // A value relabelled with another version does not open.
        assert!(v2.open("u", &format!("v1.{}", &new[3..])).is_none());
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Sealer::new(&[1; 16]).is_err());
    }
}
