//! Service tokens (app, access and login tokens): HS256 under a key only Keyturn holds,
//! with the algorithm pinned and a `purpose` claim checked on every verification.
//!
//! Pinning defeats algorithm confusion (`alg: none`, or an RS/HS swap): a token whose header
//! names anything but HS256 is refused before its signature is considered. The purpose claim
//! stops one kind of token being replayed as another (the original accepted its app token
//! wherever a user token was expected).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;

/// What a service token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Identifies an app to the end-user API; embedded in client apps, no expiry.
    App,
    /// A logged-in user's session; expires and is revocable through the user's token epoch.
    Access,
    /// A password-proven login waiting for its second factor; minutes long, single use.
    Login,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::App => "app",
            Purpose::Access => "access",
            Purpose::Login => "login",
        }
    }
}

/// Claims of an app token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AppClaims {
    /// Always `"app"`.
    pub purpose: String,
    /// The app this token identifies.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
}

/// Claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AccessClaims {
    /// Always `"access"`.
    pub purpose: String,
    /// The app the session belongs to.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// The user's stable id.
    pub sub: String,
    /// The user's token epoch when issued; a higher stored epoch revokes the token.
    pub epoch: u64,
    /// Session id, so one session can survive a revocation of all the others.
    pub sid: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expiry (epoch seconds).
    pub exp: i64,
    /// When the user proved themselves (epoch seconds), signed like every claim so a client
    /// cannot freshen it: switching a second factor on trusts a recent one in place of the
    /// password. Absent from tokens minted before the claim existed, which are never recent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

/// Claims of a login token (second factor pending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LoginClaims {
    /// Always `"login"`.
    pub purpose: String,
    /// The app of the login.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// The user who proved their password.
    pub sub: String,
    /// The user's token epoch at login; a revocation meanwhile kills the login token too.
    pub epoch: u64,
    /// Id of this login attempt; its pending record makes the token single use.
    pub jti: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expiry (epoch seconds).
    pub exp: i64,
}

/// Issues and verifies service tokens.
///
/// Access and login tokens are signed under the current version of the service secret and name
/// it in the header's `kid`; they verify under the version they name (a token without `kid`
/// predates rotation: version 1) for as long as the secret keeps that version. App tokens live
/// in shipped client apps with no expiry, so they are signed and verified under the stable
/// app-token key (see [`super::keyring`]), which rotation never changes.
#[derive(Clone)]
pub struct ServiceTokens {
    current: u32,
    keys: std::sync::Arc<[(u32, Vec<u8>)]>,
    app_key: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for ServiceTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceTokens(..)")
    }
}

impl ServiceTokens {
    /// Tokens under one 32-byte key (see [`super::derive_key`]): a secret that was never rotated.
    pub fn new(key: &[u8]) -> Self {
        Self::versioned(vec![(1, key.to_vec())], key.to_vec())
    }

    /// Tokens under the service-token key of every version held (current first, as
    /// [`super::keyring::ServiceSecret::keys`] lists them) and the stable app-token key.
    pub fn versioned(keys: Vec<(u32, Vec<u8>)>, app_key: Vec<u8>) -> Self {
        Self {
            current: keys.first().map_or(1, |(v, _)| *v),
            keys: keys.into(),
            app_key: app_key.into(),
        }
    }

    fn current_key(&self) -> &[u8] {
        self.keys.first().map_or(&[][..], |(_, k)| k.as_slice())
    }

    /// Signs access- or login-token `claims` (which must carry the right `purpose`) under the
    /// current version, named in `kid` (left out under version 1, as before rotation existed).
    pub fn issue<C: Serialize>(&self, claims: &C) -> Result<String> {
        let kid = (self.current != 1).then(|| self.current.to_string());
        super::jws::sign_hs256(self.current_key(), kid.as_deref(), claims)
    }

    /// Signs app-token claims under the stable app-token key.
    pub fn issue_app(&self, claims: &AppClaims) -> Result<String> {
        super::jws::sign_hs256(&self.app_key, None, claims)
    }

    /// The key a token of `purpose` verifies under: the app-token key, or the key of the version
    /// its `kid` names (version 1 when none); `None` for a version no longer held.
    fn key_for(&self, token: &str, purpose: Purpose) -> Option<&[u8]> {
        if purpose == Purpose::App {
            return Some(&self.app_key);
        }
        let version = match super::jws::hs256_kid(token).ok()? {
            None => 1,
            Some(kid) => kid.parse().ok()?,
        };
        super::keyring::key_of(&self.keys, version)
    }

    /// The claims of a genuine token of `purpose`, or `None`. Expiry is enforced when the
    /// token carries `exp` and required for [`Purpose::Access`], with no leeway.
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        purpose: Purpose,
        now_secs: i64,
    ) -> Option<C> {
        // Expiry is checked below against the injected clock, not the wall clock.
        let claims = super::jws::verify_hs256(self.key_for(token, purpose)?, token)?;
        if claims.get("purpose").and_then(|p| p.as_str()) != Some(purpose.as_str()) {
            return None;
        }
        match claims.get("exp").and_then(serde_json::Value::as_i64) {
            Some(exp) if exp <= now_secs => return None,
            None if purpose != Purpose::App => return None,
            _ => {}
        }
        serde_json::from_value(serde_json::Value::Object(claims)).ok()
    }

    /// Builds app-token claims.
    pub fn app_claims(app_id: &str, now_secs: i64) -> AppClaims {
        AppClaims {
            purpose: Purpose::App.as_str().to_owned(),
            app_id: app_id.to_owned(),
            iat: now_secs,
        }
    }

    /// Builds login-token claims.
    pub fn login_claims(
        app_id: &str,
        user_id: &str,
        epoch: u64,
        jti: &str,
        now_secs: i64,
        ttl_secs: i64,
    ) -> LoginClaims {
        LoginClaims {
            purpose: Purpose::Login.as_str().to_owned(),
            app_id: app_id.to_owned(),
            sub: user_id.to_owned(),
            epoch,
            jti: jti.to_owned(),
            iat: now_secs,
            exp: now_secs + ttl_secs,
        }
    }

    /// Builds access-token claims. An access token is only minted by the login, signup or
    /// registration that proved the user, so its issue time is its `auth_time`.
    pub fn access_claims(
        app_id: &str,
        user_id: &str,
        epoch: u64,
        sid: &str,
        now_secs: i64,
        ttl_secs: i64,
    ) -> AccessClaims {
        AccessClaims {
            purpose: Purpose::Access.as_str().to_owned(),
            app_id: app_id.to_owned(),
            sub: user_id.to_owned(),
            epoch,
            sid: sid.to_owned(),
            iat: now_secs,
            exp: now_secs + ttl_secs,
            auth_time: Some(now_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(v: &serde_json::Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn tokens_verify_only_for_their_purpose() {
        let t = ServiceTokens::new(&[1; 32]);
        let app = t.issue_app(&ServiceTokens::app_claims("a1", 100)).unwrap();
        let got: AppClaims = t.verify(&app, Purpose::App, 200).unwrap();
        assert_eq!(got.app_id, "a1");
        assert!(
            t.verify::<AccessClaims>(&app, Purpose::Access, 200)
                .is_none()
        );
    }

    #[test]
    fn login_tokens_are_neither_app_nor_access_tokens_and_expire() {
        let t = ServiceTokens::new(&[1; 32]);
        let login = t
            .issue(&ServiceTokens::login_claims("a1", "u1", 0, "j1", 100, 600))
            .unwrap();
        assert!(
            t.verify::<LoginClaims>(&login, Purpose::Login, 699)
                .is_some()
        );
        assert!(
            t.verify::<LoginClaims>(&login, Purpose::Login, 700)
                .is_none()
        );
        assert!(t.verify::<AppClaims>(&login, Purpose::App, 200).is_none());
        assert!(
            t.verify::<AccessClaims>(&login, Purpose::Access, 200)
                .is_none()
        );
        let acc = t
            .issue(&ServiceTokens::access_claims("a1", "u1", 0, "s1", 100, 600))
            .unwrap();
        assert!(t.verify::<LoginClaims>(&acc, Purpose::Login, 200).is_none());
        let app = t.issue_app(&ServiceTokens::app_claims("a1", 100)).unwrap();
        assert!(t.verify::<LoginClaims>(&app, Purpose::Login, 200).is_none());
    }

    #[test]
    fn access_tokens_expire() {
        let t = ServiceTokens::new(&[1; 32]);
        let acc = t
            .issue(&ServiceTokens::access_claims("a1", "u1", 0, "s1", 100, 60))
            .unwrap();
        assert!(
            t.verify::<AccessClaims>(&acc, Purpose::Access, 159)
                .is_some()
        );
        assert!(
            t.verify::<AccessClaims>(&acc, Purpose::Access, 160)
                .is_none()
        );
    }

    #[test]
    fn tokens_of_a_previous_version_verify_until_it_is_dropped() {
        let v1 = ServiceTokens::new(&[1; 32]);
        let old = v1
            .issue(&ServiceTokens::access_claims("a1", "u1", 0, "s1", 100, 600))
            .unwrap();
        let app = v1.issue_app(&ServiceTokens::app_claims("a1", 100)).unwrap();
        let v2 = ServiceTokens::versioned(vec![(2, vec![2; 32]), (1, vec![1; 32])], vec![1; 32]);
        assert!(
            v2.verify::<AccessClaims>(&old, Purpose::Access, 200)
                .is_some()
        );
        let new = v2
            .issue(&ServiceTokens::access_claims("a1", "u1", 0, "s1", 100, 600))
            .unwrap();
        assert_eq!(super::super::jws::hs256_kid(&new), Ok(Some("2".into())));
        assert!(
            v2.verify::<AccessClaims>(&new, Purpose::Access, 200)
                .is_some()
        );
        // Version 1 itself does not know version 2.
        assert!(
            v1.verify::<AccessClaims>(&new, Purpose::Access, 200)
                .is_none()
        );
        let v3 = ServiceTokens::versioned(vec![(3, vec![3; 32]), (2, vec![2; 32])], vec![1; 32]);
        assert!(
            v3.verify::<AccessClaims>(&old, Purpose::Access, 200)
                .is_none()
        );
        assert!(
            v3.verify::<AccessClaims>(&new, Purpose::Access, 200)
                .is_some()
        );
        // App tokens stay valid across every rotation.
        assert!(v3.verify::<AppClaims>(&app, Purpose::App, 200).is_some());
        // A token naming version 2 but signed under version 3's key is refused.
        let forged = super::super::jws::sign_hs256(
            &[3; 32],
            Some("2"),
            &ServiceTokens::access_claims("a1", "u1", 0, "s1", 100, 600),
        )
        .unwrap();
        assert!(
            v3.verify::<AccessClaims>(&forged, Purpose::Access, 200)
                .is_none()
        );
    }

    #[test]
    fn forged_and_confused_tokens_are_refused() {
        let t = ServiceTokens::new(&[1; 32]);
        let other = ServiceTokens::new(&[2; 32]);
        let forged = other
            .issue_app(&ServiceTokens::app_claims("a1", 1))
            .unwrap();
        assert!(t.verify::<AppClaims>(&forged, Purpose::App, 2).is_none());
        let claims = serde_json::json!({"purpose":"app","appId":"a1","iat":1});
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg":"none","typ":"JWT"})),
            b64(&claims)
        );
        assert!(t.verify::<AppClaims>(&none, Purpose::App, 2).is_none());
        let genuine = t.issue_app(&ServiceTokens::app_claims("a1", 1)).unwrap();
        let sig = genuine.rsplit('.').next().unwrap();
        let rs = format!(
            "{}.{}.{sig}",
            b64(&serde_json::json!({"alg":"RS256","typ":"JWT"})),
            b64(&claims)
        );
        assert!(t.verify::<AppClaims>(&rs, Purpose::App, 2).is_none());
        assert!(t.verify::<AppClaims>("garbage", Purpose::App, 2).is_none());
    }
}
