//! Verifying an Apple or Google ID token, without I/O: the header, the RS256 signature (ring),
//! then the claims. Every refusal is a [`Refusal`] naming the reason for the log; the caller
//! answers 613 whatever it is and never logs the token.
//!
//! The order is the point. The header's `alg` must be exactly `RS256` before anything else is
//! looked at, and the key comes from the provider's JWKS by `kid`, never from the token (`jku`,
//! `x5u` and `jwk` are ignored), so a token cannot choose its algorithm (HS256 MACed with the
//! provider's public key, `none`, RS384, PS256) or its key: the original's algorithm-confusion
//! forgery cannot be expressed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::domain::ports::jwks::RsaJwk;
use crate::domain::records::social::{AudienceList, Provider};

/// Tolerated clock skew, seconds.
pub const LEEWAY_SECS: i64 = 60;
/// Longest lifetime (`exp − iat`) a token may claim: Google's own verifier's cap.
pub const MAX_LIFETIME_SECS: i64 = 86_400;
/// Longest token accepted (Apple's and Google's are about 1 KiB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Longest `sub` accepted (both providers' are far shorter; it becomes part of a key).
pub const MAX_SUB_BYTES: usize = 255;

/// Why a token was refused (for the log only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// A token's parts after the header check: what the key lookup needs.
#[derive(Debug)]
pub struct Unverified<'a> {
    /// The header's key id.
    pub kid: String,
    signing_input: &'a str,
    signature: Vec<u8>,
    payload: &'a str,
}

/// Step 1: three base64url parts, a header of exactly `alg: RS256` with a `kid` and no `crit`.
pub fn parse(token: &str) -> Result<Unverified<'_>, Refusal> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Refusal("token too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal("not three parts"));
    };
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(Refusal("header is not base64url JSON"))?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(Refusal("alg is not RS256"));
    }
    if header.contains_key("crit") {
        return Err(Refusal("header has crit"));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty() && k.len() <= 256)
        .ok_or(Refusal("no kid"))?
        .to_owned();
    let signature = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Refusal("signature is not base64url"))?;
    let signing_input = &token[..header_len(token, payload)];
    Ok(Unverified {
        kid,
        signing_input,
        signature,
        payload,
    })
}

fn header_len(token: &str, payload: &str) -> usize {
    // `header.payload`: everything before the second dot.
    token.find('.').map_or(0, |i| i + 1 + payload.len())
}

/// What the app expects of a token.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The provider whose issuers are accepted.
    pub provider: Provider,
    /// `aud` must name one of these.
    pub audiences: &'a AudienceList,
    /// When not empty, `azp` must be one of these (Google).
    pub authorized_parties: &'a AudienceList,
    /// Epoch seconds.
    pub now: i64,
}

/// The claims Keyturn uses from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    /// The provider's stable subject.
    pub sub: String,
    /// The email, lower-cased and trimmed, when the token has one.
    pub email: Option<String>,
    /// The provider says it verified the email (bool or `"true"`).
    pub email_verified: bool,
    /// Apple: the email is a private relay address.
    pub is_private_email: bool,
    /// The token's `nonce` claim.
    pub nonce: Option<String>,
    /// Apple's `nonce_supported` (`false` when the platform cannot carry a nonce).
    pub nonce_supported: Option<bool>,
    /// Google's hosted domain (`hd`), when the account belongs to one.
    pub hosted_domain: Option<String>,
    /// Expiry, epoch seconds.
    pub exp: i64,
}

/// Steps 2–5: the signature under `key` (RS256, 2048–8192-bit modulus), then issuer, audience,
/// authorized party, time and subject.
pub fn verify(
    token: &Unverified<'_>,
    key: &RsaJwk,
    expected: Expected<'_>,
) -> Result<IdClaims, Refusal> {
    let public = ring::signature::RsaPublicKeyComponents {
        n: &key.n,
        e: &key.e,
    };
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            token.signing_input.as_bytes(),
            &token.signature,
        )
        .map_err(|_| Refusal("bad signature"))?;
    let claims: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(token.payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(Refusal("payload is not base64url JSON"))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let iss = text("iss").ok_or(Refusal("no iss"))?;
    if !expected.provider.issuers().contains(&iss) {
        return Err(Refusal("wrong iss"));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => expected.audiences.contains(a),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| expected.audiences.contains(a)),
        _ => false,
    };
    if !aud_ok {
        return Err(Refusal("aud not configured for the app"));
    }
    if !expected.authorized_parties.is_empty()
        && !text("azp").is_some_and(|azp| expected.authorized_parties.contains(azp))
    {
        return Err(Refusal("azp not authorized"));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let now = expected.now;
    let exp = number("exp").ok_or(Refusal("no exp"))?;
    let iat = number("iat").ok_or(Refusal("no iat"))?;
    if exp <= now - LEEWAY_SECS {
        return Err(Refusal("expired"));
    }
    if iat > now + LEEWAY_SECS {
        return Err(Refusal("issued in the future"));
    }
    if number("nbf").is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(Refusal("not yet valid"));
    }
    if claims.contains_key("nbf") && number("nbf").is_none() {
        return Err(Refusal("nbf is not a number"));
    }
    if exp - iat > MAX_LIFETIME_SECS {
        return Err(Refusal("lifetime over 24 h"));
    }
    let sub = text("sub")
        .filter(|s| !s.is_empty() && s.len() <= MAX_SUB_BYTES)
        .ok_or(Refusal("no usable sub"))?
        .to_owned();
    Ok(IdClaims {
        sub,
        email: text("email")
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
        email_verified: flag(claims.get("email_verified")).unwrap_or(false),
        is_private_email: flag(claims.get("is_private_email")).unwrap_or(false),
        nonce: text("nonce").map(str::to_owned),
        nonce_supported: flag(claims.get("nonce_supported")),
        hosted_domain: text("hd").map(str::to_owned),
        exp,
    })
}

/// A boolean claim that Apple sends as a bool or as the string `"true"`/`"false"`.
fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// The nonce hash a token must carry for the raw `nonce` a client sends: lower-case hex
/// SHA-256 (Apple's and Supabase's convention). The raw value itself is never accepted, since
/// anyone holding the token could read it.
pub fn nonce_hash(raw: &str) -> String {
    crate::crypto::sha256_hex(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode("sig")
        )
    }

    #[test]
    fn only_an_rs256_header_with_a_kid_and_no_crit_passes() {
        assert_eq!(
            parse(&token(r#"{"alg":"RS256","kid":"k"}"#)).unwrap().kid,
            "k"
        );
        for (header, why) in [
            (r#"{"alg":"HS256","kid":"k"}"#, "alg is not RS256"),
            (r#"{"alg":"none","kid":"k"}"#, "alg is not RS256"),
            (r#"{"alg":"RS384","kid":"k"}"#, "alg is not RS256"),
            (r#"{"alg":"PS256","kid":"k"}"#, "alg is not RS256"),
            (r#"{"alg":"rs256","kid":"k"}"#, "alg is not RS256"),
            (r#"{"alg":"RS256"}"#, "no kid"),
            (
                r#"{"alg":"RS256","kid":"k","crit":["x"]}"#,
                "header has crit",
            ),
        ] {
            assert_eq!(parse(&token(header)).unwrap_err(), Refusal(why), "{header}");
        }
        assert_eq!(parse("a.b").unwrap_err(), Refusal("not three parts"));
    }

    #[test]
    fn string_booleans_are_read() {
        assert_eq!(flag(Some(&Value::String("true".into()))), Some(true));
        assert_eq!(flag(Some(&Value::String("false".into()))), Some(false));
        assert_eq!(flag(Some(&Value::Bool(true))), Some(true));
        assert_eq!(flag(Some(&Value::String("yes".into()))), None);
    }
}
