//! Passkeys as stored: a user's credentials ([`PasskeySet`], one item under the user) and the
//! syntax of the app settings that bind them (`passkeyRpId`, `passkeyOrigins`).
//!
//! Why one item per user rather than one per credential: the per-user limit
//! (`passkeyMaxPerUser`) is then a compare-and-swap on the set's version, so two registrations
//! racing past the limit cannot both land, and a login updates one item. A set is small (at most
//! [`MAX_PER_USER`] credentials of at most ~1.5 KB each). The per-app credential-id claim
//! (`table_keys::passkey_claim`) makes an id unique within the app and names its user for the
//! discoverable login, which has no user to start from.

use serde::{Deserialize, Serialize};

use crate::crypto::sha256_hex;
use crate::domain::records::{origins, table_keys};
use crate::error::{Error, Result};
use crate::store::Key;

/// The most `passkeyMaxPerUser` may be raised to: the set stays one small item, and an
/// account's deletion one transaction.
pub const MAX_PER_USER: u32 = 10;

/// Longest name a user may give a passkey (characters).
pub const MAX_NAME_CHARS: usize = 64;

/// One registered credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Passkey {
    /// The credential id, base64url: what the wire calls the passkey's `id`.
    pub id: String,
    /// The user's name for it.
    pub name: String,
    /// The COSE public key, base64url, exactly as the authenticator sent it.
    pub public_key: String,
    /// Its COSE algorithm (-7 ES256, -257 RS256).
    pub alg: i64,
    /// The last signature counter seen.
    pub sign_count: u32,
    /// Whether it may be synced (fixed at registration).
    pub backup_eligible: bool,
    /// Whether it was synced at its last use.
    pub backed_up: bool,
    /// The authenticator model, hex.
    pub aaguid: String,
    /// The transports the client reported, for `excludeCredentials` hints.
    #[serde(default)]
    pub transports: Vec<String>,
    /// Registration time (epoch ms).
    pub created_at: i64,
    /// Last login with it (epoch ms).
    #[serde(default)]
    pub last_used_at: Option<i64>,
}

/// Every passkey of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeySet {
    /// The user.
    pub user_id: String,
    /// Oldest first.
    pub passkeys: Vec<Passkey>,
}

impl PasskeySet {
    /// The passkey with this id.
    pub fn find(&self, id: &str) -> Option<&Passkey> {
        self.passkeys.iter().find(|p| p.id == id)
    }

    /// The passkey with this id, to change.
    pub fn find_mut(&mut self, id: &str) -> Option<&mut Passkey> {
        self.passkeys.iter_mut().find(|p| p.id == id)
    }
}

/// The key of the claim on credential `id` (base64url) in `app_id`: every flow that adds,
/// removes or purges a passkey names the claim this way.
pub fn claim_key(app_id: &str, id: &str) -> Key {
    table_keys::passkey_claim(app_id, &sha256_hex(id))
}

/// A passkey name as given: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control
/// characters (602 otherwise).
pub fn check_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name must not contain control characters"));
    }
    Ok(name.to_owned())
}

/// Checks `passkeyRpId`: a lower-case DNS name (a registrable domain the developer owns; the
/// public-suffix rule is the browser's to enforce) or `localhost`.
pub fn check_rp_id(rp_id: &str) -> Result<()> {
    let ok = !rp_id.is_empty()
        && rp_id.len() <= 253
        && !rp_id.starts_with('.')
        && !rp_id.ends_with('.')
        && rp_id
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
        && rp_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "passkeyRpId {rp_id:?} must be a lower-case domain name"
        )))
    }
}

/// Prefix of an Android app's origin (its signing certificate's SHA-256, base64url).
pub const ANDROID_ORIGIN: &str = "android:apk-key-hash:";

/// Checks `passkeyOrigins` against the RP id: each an `https` origin on the RP id or a
/// subdomain of it (`http` only on a loopback host, for local development), or an Android app's
/// `android:apk-key-hash:<base64url>`; no duplicates, at most [`origins::MAX_ORIGINS`].
pub fn check_origins(rp_id: Option<&str>, list: &[String]) -> Result<()> {
    if list.len() > origins::MAX_ORIGINS {
        return Err(Error::invalid(format!(
            "passkeyOrigins: at most {} origins",
            origins::MAX_ORIGINS
        )));
    }
    for (i, origin) in list.iter().enumerate() {
        if list[..i].contains(origin) {
            return Err(Error::invalid(format!("origin {origin:?} is listed twice")));
        }
        if let Some(hash) = origin.strip_prefix(ANDROID_ORIGIN) {
            let ok = (40..=64).contains(&hash.len())
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(Error::invalid(format!(
                    "origin {origin:?}: an Android origin is android:apk-key-hash: and the \
                     certificate's SHA-256 in unpadded base64url"
                )));
            }
            continue;
        }
        origins::check_syntax(origin)?;
        let (scheme, rest) = origin.split_once("://").unwrap_or(("", origin));
        let host = match rest.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => rest.split(':').next().unwrap_or(""),
        };
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1");
        if scheme != "https" && !loopback {
            return Err(Error::invalid(format!(
                "origin {origin:?}: passkeys need https (http only on a loopback host)"
            )));
        }
        if let Some(rp_id) = rp_id
            && host != rp_id
            && !host.ends_with(&format!(".{rp_id}"))
        {
            return Err(Error::invalid(format!(
                "origin {origin:?} is not on passkeyRpId {rp_id:?} or a subdomain of it"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_sit_on_the_rp_id() {
        let rp = Some("example.com");
        let ok = |o: &str| check_origins(rp, &[o.to_owned()]).is_ok();
        assert!(ok("https://example.com"));
        assert!(ok("https://login.example.com:8443"));
        assert!(ok(
            "android:apk-key-hash:lzIbzBXR3kJwNDCwyWqiGcYsP3J3xtrLW2jNeLrHGMk"
        ));
        assert!(!ok("https://example.com.evil.net"));
        assert!(!ok("https://notexample.com"));
        assert!(!ok("http://example.com"));
        assert!(!ok("android:apk-key-hash:short"));
        assert!(check_origins(Some("localhost"), &["http://localhost:5173".into()]).is_ok());
    }

    #[test]
    fn rp_ids_and_names_have_a_syntax() {
        for ok in ["example.com", "localhost", "a-b.example.co.uk"] {
            assert!(check_rp_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Example.com",
            "https://example.com",
            "example.com.",
            "-a.com",
            "a..b",
        ] {
            assert!(check_rp_id(bad).is_err(), "{bad}");
        }
        assert_eq!(check_name("  Laptop ").unwrap(), "Laptop");
        assert!(check_name("   ").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
