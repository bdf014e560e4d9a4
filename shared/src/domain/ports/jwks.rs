//! The providers' signing keys: the [`JwksFetcher`] port (an adapter fetches a provider's JWKS
//! document from its fixed URL) and [`JwksCache`], the warm instance's cache over it.
//!
//! Why these rules:
//! - **Fixed URLs.** The adapter knows one URL per provider (Apple
//!   `https://appleid.apple.com/auth/keys`, Google `https://www.googleapis.com/oauth2/v3/certs`),
//!   never one from the token (`jku`, `x5u`) or a discovery document, so no token can point
//!   Keyturn at an attacker's keys.
//! - **`Cache-Control` max-age**, as Google asks, clamped to 5 minutes – 24 hours (1 hour when
//!   absent): a provider's rotation is seen within its own announced lifetime, and a bogus
//!   header can neither hammer the provider nor pin a key for days.
//! - **An unknown `kid` refetches at most once per provider per minute**, through one in-flight
//!   fetch (the provider's mutex is held across it, so concurrent requests wait for its result
//!   instead of fetching again). Tokens with random kids therefore cost one fetch a minute, not
//!   one each (the original's fetch amplification).
//! - **A failed fetch (or one without a usable key) keeps the last good set** for up to 24 hours past its freshness, so a
//!   provider's outage does not stop logins; with no keys at all the answer is a 500, not 613.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::records::social::Provider;
use crate::error::{Error, Result};

/// Shortest time a fetched key set is trusted as fresh.
pub const MIN_MAX_AGE_SECS: i64 = 300;
/// Longest time a fetched key set is trusted as fresh.
pub const MAX_MAX_AGE_SECS: i64 = 86_400;
/// Freshness when the provider sends no `max-age`.
pub const DEFAULT_MAX_AGE_SECS: i64 = 3_600;
/// At most one fetch per provider in this many seconds (unknown kids, stale sets, failures).
pub const REFETCH_INTERVAL_SECS: i64 = 60;
/// How long past its freshness a set keeps serving while fetches fail.
pub const STALE_GRACE_SECS: i64 = 86_400;

/// A JWKS document as fetched.
#[derive(Debug, Clone)]
pub struct FetchedJwks {
    /// The response body (JSON `{"keys": [...]}`).
    pub body: Vec<u8>,
    /// `Cache-Control: max-age` in seconds, when the response had one.
    pub max_age_secs: Option<i64>,
}

/// Fetches a provider's JWKS document.
#[async_trait]
pub trait JwksFetcher: Send + Sync {
    /// MUST fetch from the provider's fixed JWKS URL (or the deployment's loopback override for
    /// tests) and nowhere else; MUST return `Err` with a reason for a transport failure, a
    /// timeout or a status other than 200; MUST report `max-age` from `Cache-Control` when
    /// present.
    async fn fetch(&self, provider: Provider) -> std::result::Result<FetchedJwks, String>;
}

/// One RSA verification key of a provider (the JWK's `n` and `e`, decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaJwk {
    /// Key id, as the token's header names it.
    pub kid: String,
    /// Modulus, big-endian bytes.
    pub n: Vec<u8>,
    /// Public exponent, big-endian bytes.
    pub e: Vec<u8>,
}

/// Parses a JWKS document, keeping only keys usable for RS256: `kty` `RSA`, `alg` `RS256` or
/// absent, `use` `sig` or absent, with a `kid`, `n` and `e`. Others are skipped, not errors, so a
/// provider adding an EC key does not break logins.
pub fn parse_jwks(body: &[u8]) -> std::result::Result<Vec<RsaJwk>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("JWKS is not JSON: {e}"))?;
    let keys = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("JWKS has no keys array")?;
    let s =
        |k: &serde_json::Value, name: &str| k.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(keys
        .iter()
        .filter(|k| s(k, "kty").as_deref() == Some("RSA"))
        .filter(|k| matches!(s(k, "alg").as_deref(), None | Some("RS256")))
        .filter(|k| matches!(s(k, "use").as_deref(), None | Some("sig")))
        .filter_map(|k| {
            Some(RsaJwk {
                kid: s(k, "kid")?,
                n: URL_SAFE_NO_PAD.decode(s(k, "n")?).ok()?,
                e: URL_SAFE_NO_PAD.decode(s(k, "e")?).ok()?,
            })
        })
        .collect())
}

#[derive(Default)]
struct Slot {
    keys: Vec<RsaJwk>,
    /// Epoch seconds until which `keys` are fresh; 0 when never fetched.
    fresh_until: i64,
    /// When the last fetch (successful or not) started.
    last_fetch: Option<i64>,
    /// Fetches made (for logs and tests).
    fetches: u64,
}

/// The warm instance's provider keys (see the module comment for the rules).
pub struct JwksCache {
    fetcher: Arc<dyn JwksFetcher>,
    apple: tokio::sync::Mutex<Slot>,
    google: tokio::sync::Mutex<Slot>,
}

impl JwksCache {
    /// An empty cache over `fetcher`.
    pub fn new(fetcher: Arc<dyn JwksFetcher>) -> Self {
        Self {
            fetcher,
            apple: Default::default(),
            google: Default::default(),
        }
    }

    /// The key `kid` of `provider` at `now` (epoch seconds): `Ok(None)` when the provider does
    /// not publish it (after at most one refetch a minute), `Err` (500) when no key set of the
    /// provider can be had at all.
    pub async fn key(&self, provider: Provider, kid: &str, now: i64) -> Result<Option<RsaJwk>> {
        let mut slot = match provider {
            Provider::Apple => self.apple.lock().await,
            Provider::Google => self.google.lock().await,
        };
        let fresh = now < slot.fresh_until;
        let known = slot.keys.iter().any(|k| k.kid == kid);
        let may_fetch = slot
            .last_fetch
            .is_none_or(|t| now - t >= REFETCH_INTERVAL_SECS);
        if (!fresh || !known) && may_fetch {
            slot.last_fetch = Some(now);
            slot.fetches += 1;
            match self.fetcher.fetch(provider).await.and_then(|f| {
                let keys = parse_jwks(&f.body)?;
                // An empty set is an outage, not a revocation of every key at once.
                if keys.is_empty() {
                    return Err("JWKS holds no RS256 signing key".to_owned());
                }
                Ok((keys, f.max_age_secs))
            }) {
                Ok((keys, max_age)) => {
                    let age = max_age
                        .unwrap_or(DEFAULT_MAX_AGE_SECS)
                        .clamp(MIN_MAX_AGE_SECS, MAX_MAX_AGE_SECS);
                    tracing::info!(
                        provider = provider.as_str(),
                        keys = keys.len(),
                        max_age = age,
                        "social: JWKS fetched"
                    );
                    slot.keys = keys;
                    slot.fresh_until = now + age;
                }
                Err(reason) => {
                    tracing::warn!(provider = provider.as_str(), %reason, "social: JWKS fetch failed; serving the last good set");
                }
            }
        }
        if slot.fresh_until == 0 || now >= slot.fresh_until + STALE_GRACE_SECS {
            return Err(Error::internal(format!(
                "no usable {} signing keys",
                provider.as_str()
            )));
        }
        Ok(slot.keys.iter().find(|k| k.kid == kid).cloned())
    }

    /// How many fetches of `provider`'s keys this instance made (operators' logs, tests).
    pub async fn fetches(&self, provider: Provider) -> u64 {
        match provider {
            Provider::Apple => self.apple.lock().await.fetches,
            Provider::Google => self.google.lock().await.fetches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rs256_signing_keys_are_kept() {
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": "AQAB", "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "RSA", "kid": "b", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "c", "n": "AQAB", "e": "AQAB", "alg": "RS384"},
            {"kty": "RSA", "kid": "d", "n": "AQAB", "e": "AQAB", "use": "enc"},
            {"kty": "EC", "kid": "e", "x": "AQAB", "y": "AQAB"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        ]});
        let keys = parse_jwks(body.to_string().as_bytes()).unwrap();
        let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["a", "b"]);
    }
}
