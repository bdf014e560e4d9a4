//! Compact JWS for the two kinds of token Keyturn issues: RS256 user JWTs (signed with ring) and
//! HS256 service tokens (HMAC-SHA256 under a key only Keyturn holds).
//!
//! Why our own ~100 lines instead of a JWT library: the library's signing went through a
//! process-wide crypto provider built on aws-lc (see [`crate::net`] for why aws-lc is gone), and
//! its RSA signer re-parsed the PKCS#8 key on every token. Keyturn needs no generic JWT handling:
//! it signs with one algorithm per kind and verifies only its own HS256 tokens, with the header
//! pinned to exactly `HS256` before the signature is looked at (no `none`, no RS/HS swap, no
//! `crit` extensions). The tests verify every user JWT with an independent implementation (the
//! `jsonwebtoken` crate over RustCrypto) against the published JWKS.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::{Context, Error, Result};

/// A parsed RSA private key ready to sign RS256 (parsed once per warm instance and kept, see
/// [`super::signing_key::ParsedKeys`]).
pub struct RsaSigner {
    pair: ring::signature::RsaKeyPair,
    rng: ring::rand::SystemRandom,
}

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaSigner(..)")
    }
}

impl RsaSigner {
    /// Parses (and checks) a PKCS#8 DER RSA private key of at least 2048 bits.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self> {
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der)
            .map_err(|e| Error::internal(format!("signing key rejected: {e}")))?;
        Ok(Self {
            pair,
            rng: ring::rand::SystemRandom::new(),
        })
    }

    /// `header.claims.signature` with `{"alg":"RS256","typ":"JWT","kid":kid}`.
    pub fn sign<C: Serialize>(&self, kid: &str, claims: &C) -> Result<String> {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        let mut token = signing_input(&header, claims)?;
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &self.rng,
                token.as_bytes(),
                &mut sig,
            )
            .map_err(|_| Error::internal("rsa signing failed"))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(sig));
        Ok(token)
    }
}

/// Signs `claims` as an HS256 JWS under `key`, naming the key's version in the header's `kid`
/// when given (service tokens minted under a rotated service secret, see
/// [`super::keyring`]).
pub fn sign_hs256<C: Serialize>(key: &[u8], kid: Option<&str>, claims: &C) -> Result<String> {
    let header = match kid {
        Some(kid) => serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        None => serde_json::json!({"alg": "HS256", "typ": "JWT"}),
    };
    let mut token = signing_input(&header, claims)?;
    let sig = hmac(key, token.as_bytes()).finalize().into_bytes();
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(token)
}

/// The claims of an HS256 JWS signed under `key`, or `None` for anything else: a header that is
/// not exactly an HS256 JWT header, a wrong signature (compared in constant time), a payload that
/// is not a JSON object, or a token that is not three base64url parts.
pub fn verify_hs256(key: &[u8], token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (header, payload, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    // Pinned: the algorithm is HS256 and nothing asks for extensions we do not implement.
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") || header.contains_key("crit") {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    hmac(key, &token.as_bytes()[..signed_len])
        .verify_slice(&sig)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The `kid` of an HS256 token's header, read before any check, only to pick the key its
/// signature is then verified under: `Ok(None)` when the header names none, `Err` when the
/// header is unreadable or its `kid` is not a string.
pub(crate) fn hs256_kid(token: &str) -> std::result::Result<Option<String>, ()> {
    let header = token.split('.').next().ok_or(())?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|_| ())?).map_err(|_| ())?;
    match header.get("kid") {
        None => Ok(None),
        Some(serde_json::Value::String(kid)) => Ok(Some(kid.clone())),
        Some(_) => Err(()),
    }
}

fn signing_input<C: Serialize>(header: &serde_json::Value, claims: &C) -> Result<String> {
    let claims = serde_json::to_vec(claims).context("encode token claims")?;
    Ok(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims)
    ))
}

fn hmac(key: &[u8], msg: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of every length, so `new_from_slice` cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| super::unreachable_hmac());
    mac.update(msg);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_round_trips_and_refuses_other_keys_and_tampering() {
        let claims = serde_json::json!({"purpose": "app", "appId": "a1"});
        let token = sign_hs256(b"k1", None, &claims).unwrap();
        assert_eq!(
            verify_hs256(b"k1", &token).unwrap()["appId"],
            serde_json::json!("a1")
        );
        assert!(verify_hs256(b"k2", &token).is_none());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(r#"{"purpose":"app","appId":"a2"}"#);
        assert!(verify_hs256(b"k1", &parts.join(".")).is_none());
        assert!(verify_hs256(b"k1", &format!("{token}.x")).is_none());
        assert!(verify_hs256(b"k1", "a.b").is_none());
        let with_kid = sign_hs256(b"k1", Some("2"), &claims).unwrap();
        assert_eq!(hs256_kid(&with_kid), Ok(Some("2".to_owned())));
        assert_eq!(hs256_kid(&token), Ok(None));
        assert!(verify_hs256(b"k1", &with_kid).is_some());
    }

    #[test]
    fn hs256_refuses_a_header_naming_another_algorithm_even_with_a_valid_mac() {
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"alg":"HS256","crit":["b64"]}"#,
            r#"{"typ":"JWT"}"#,
        ] {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(r#"{"purpose":"app"}"#)
            );
            let sig = hmac(b"k", input.as_bytes()).finalize().into_bytes();
            let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
            assert!(verify_hs256(b"k", &token).is_none(), "{header}");
        }
    }
}
