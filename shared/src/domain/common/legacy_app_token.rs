//! The app token of the CosyncJWT app an app was created from (`keyturn import cosync
//! --create-app`), accepted beside the app's own so the apps already in the stores keep working
//! on the day of the switch with only a base-URL change.
//!
//! The original's server key signed that token, and Keyturn does not hold it, so the token is
//! recognised by its keyed hash (HMAC under the code-hash key, bound to the app id): a table
//! dump reveals no usable token, and nothing but the exact token matches. Its payload is read
//! unchecked only to learn which app to look at; the hash is what authenticates it. The next
//! `app-token/rotate` ends it (at once, or at the end of the rotation's grace), and the
//! original's access tokens are never accepted: clients log in again.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, LegacyAppToken};
use crate::error::{Error, Result};

/// The keyed hash to store for `token`, an app token of the original app `app_id`.
pub fn protect(state: &AppState, app_id: &str, token: &str) -> LegacyAppToken {
    LegacyAppToken {
        hash: state
            .code_hasher
            .stable_hash(&context(app_id), token.trim()),
        valid_until: None,
    }
}

fn context(app_id: &str) -> String {
    format!("{app_id}/cosync-app-token")
}

/// The app whose kept CosyncJWT app token `token` is (400 otherwise, as for any bad app token,
/// also when the app it names does not exist, so a forged token learns nothing).
pub async fn app_of(state: &AppState, token: Option<&str>) -> Result<App> {
    let token = token.map(str::trim).ok_or(Error::InvalidAppToken)?;
    let app_id = named_app(token).ok_or(Error::InvalidAppToken)?;
    let app = match repo::existing_app(state, &app_id).await {
        Ok((app, _)) => app,
        Err(Error::AppNotFound) => return Err(Error::InvalidAppToken),
        Err(other) => return Err(other),
    };
    let kept = app
        .legacy_app_token
        .as_ref()
        .ok_or(Error::InvalidAppToken)?;
    let live = kept
        .valid_until
        .is_none_or(|until| state.clock.now_secs() < until);
    if live
        && state
            .code_hasher
            .stable_verify(&context(&app.app_id), token, &kept.hash)
    {
        Ok(app)
    } else {
        Err(Error::InvalidAppToken)
    }
}

/// The `appId` of an original app token (`{appId, scope: "app", iat}`), read without checking
/// the signature; `None` unless it is a three-part JWT of that scope naming a 32-hex-digit id.
fn named_app(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if claims.get("scope")?.as_str()? != "app" {
        return None;
    }
    let id = claims.get("appId")?.as_str()?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: serde_json::Value) -> String {
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            part(serde_json::json!({"alg": "RS256"})),
            part(claims)
        )
    }

    #[test]
    fn only_an_app_scoped_token_naming_a_hex_app_id_is_looked_at() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            named_app(&token(serde_json::json!({"appId": id, "scope": "app"}))).as_deref(),
            Some(id)
        );
        let user = token(serde_json::json!({"appId": id, "scope": "user", "handle": "a@b.c"}));
        assert_eq!(named_app(&user), None, "an original access token");
        assert_eq!(
            named_app(&token(serde_json::json!({"appId": "x", "scope": "app"}))),
            None
        );
        assert_eq!(named_app("not a jwt"), None);
    }
}
