//! Apps as stored: the record, its status and the decoder that trusts no hand edit. The settings,
//! their vocabulary and their validation are in [`super::settings`] (re-exported here); the wire
//! layer decides what of them `getApplication` shows.

use serde::{Deserialize, Serialize};

use crate::crypto::signing_key::PublicKeyInfo;
use crate::error::{Error, Result};

pub use crate::domain::records::settings::{
    DEFAULT_DAILY_MESSAGES, Feature, JwtSubject, MAX_PER_ADDRESS, Settings, SignupFlow, TwoFactor,
};

/// Whether the app serves its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppStatus {
    /// Serving.
    Active,
    /// Refused with 402.
    Inactive,
    /// Being deleted (`DELETE /admin/apps/{appId}` started and has not finished): serves
    /// nothing, every door answers as for an unknown app; only a repeated DELETE touches it.
    Deleting,
}

/// Decodes a stored app record, trusting nothing a hand edit may have changed: every field must
/// have its type (no default replaces a value that is present but wrong) and the settings must
/// pass [`Settings::validate`]. The error names the attribute's path and the problem, e.g.
/// `settings.signupFlow: unknown variant `bogus`, expected one of ...`.
pub fn decode_stored(record: &serde_json::Value) -> std::result::Result<App, String> {
    let app: App = serde_path_to_error::deserialize(record)
        .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
    app.settings.validate().map_err(|e| match e {
        Error::InvalidData(reason) | Error::InvalidMetadata(reason) => {
            format!("settings: {reason}")
        }
        other => format!("settings: {other}"),
    })?;
    Ok(app)
}

/// An app as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// Public id (32 hex characters, like the original's).
    pub app_id: String,
    /// Display name, used in emails.
    pub name: String,
    /// Serving or not.
    pub status: AppStatus,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last settings change (epoch ms).
    pub updated_at: i64,
    /// When the app token was issued (epoch s); part of the token's claims.
    pub token_issued_at: i64,
    /// Published signing keys, current first (older ones stay until their tokens expire).
    pub public_keys: Vec<PublicKeyInfo>,
    /// Developer settings.
    pub settings: Settings,
    /// The public half of the app's Twilio account (the auth token is in the secrets port).
    #[serde(default)]
    pub twilio: Option<TwilioInfo>,
    /// The kid that signs new user JWTs; `None` on records from before key rotation, whose
    /// current key is the first of `public_keys`. Signers pick their key by this kid, so a
    /// warm instance notices an activation through the app record (cached at most briefly)
    /// and re-reads its cached key ring when the ring lacks the kid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_kid: Option<String>,
    /// A key staged by `keys/rotate`: published in the JWKS, not yet signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged_kid: Option<String>,
    /// The app token replaced by the last rotation, while its grace period lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_app_token: Option<PreviousAppToken>,
    /// The app token of the CosyncJWT app this app was created from (`--create-app`), kept as
    /// a keyed hash so apps already in the stores work on the day of the switch; the next
    /// `app-token/rotate` ends it (see [`crate::domain::common::legacy_app_token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_app_token: Option<LegacyAppToken>,
}

/// An imported app token: never a Keyturn service token (the original's server key signed
/// it), so it is recognised by its keyed hash, not by a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyAppToken {
    /// HMAC-SHA256 (the code-hash key) of the token, hex.
    pub hash: String,
    /// Epoch seconds at which it stops working; `None` until an `app-token/rotate` sets it
    /// (to the rotation's end of grace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
}

/// An app token that still works after a rotation, until `valid_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousAppToken {
    /// The old token's `iat` (app tokens are told apart by it).
    pub issued_at: i64,
    /// Epoch seconds at which it stops working.
    pub valid_until: i64,
}

/// What the admin API shows of an app's Twilio account: never the auth token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwilioInfo {
    /// Account SID.
    pub account_sid: String,
    /// Sender number (E.164).
    pub phone_number: String,
}

impl App {
    /// The kid that signs new user JWTs (see [`App::current_kid`]).
    pub fn signing_kid(&self) -> Option<&str> {
        self.current_kid
            .as_deref()
            .or_else(|| self.public_keys.first().map(|k| k.kid.as_str()))
    }

    /// Whether an app token issued at `iat` identifies this app at `now_secs`: the current
    /// token, or the one replaced by the last rotation while its grace lasts.
    pub fn accepts_app_token(&self, iat: i64, now_secs: i64) -> bool {
        iat == self.token_issued_at
            || self
                .previous_app_token
                .is_some_and(|p| p.issued_at == iat && now_secs < p.valid_until)
    }

    /// The issuer URL of this app's user JWTs.
    pub fn issuer(&self, base_url: &str) -> String {
        format!("{base_url}/apps/{}", self.app_id)
    }

    /// The JWT audience: the configured one, else the app id.
    pub fn audience(&self) -> String {
        self.settings
            .realm_app_id
            .clone()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| self.app_id.clone())
    }

    /// The locale a request asks for (`EN` when absent, upper-cased), refused with 602 unless
    /// the app offers it.
    pub fn requested_locale(&self, raw: Option<String>) -> Result<String> {
        let locale = crate::domain::records::user::parse_locale(raw);
        self.check_locale(&locale)?;
        Ok(locale)
    }

    /// Refuses (602) a locale the app does not offer.
    pub fn check_locale(&self, locale: &str) -> Result<()> {
        if self.offers_locale(locale) {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "locale {locale} is not offered by this app"
            )))
        }
    }

    /// Refuses (with the feature's own code) a request for a feature the app has switched off.
    pub fn require(&self, feature: Feature) -> Result<()> {
        let s = &self.settings;
        let (on, refusal) = match feature {
            Feature::Signup => (s.signup_enabled, Error::SignupDisabled),
            Feature::Invitations => (s.invitation_enabled, Error::InvitationDisabled),
            Feature::AnonymousLogin => (s.anonymous_login_enabled, Error::AnonymousLoginDisabled),
            Feature::UserNames => (s.user_names_enabled, Error::UserNamesDisabled),
        };
        if on { Ok(()) } else { Err(refusal) }
    }

    /// Whether `locale` (already upper-cased) is one the app offers.
    pub fn offers_locale(&self, locale: &str) -> bool {
        locale == "EN" || self.settings.locales.iter().any(|l| l == locale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn defaults_match_the_original() {
        let s = Settings::default();
        assert!(s.signup_enabled && s.meta_data_email);
        assert_eq!(s.signup_flow, SignupFlow::Code);
        assert_eq!(s.user_jwt_expiration, 24);
        assert_eq!(s.locales, vec!["EN"]);
    }

    #[test]
    fn patches_apply_by_wire_name() {
        let s = Settings::default()
            .patched(&patch(
                serde_json::json!({"signupFlow":"link","userJWTExpiration":2,"realmAppId":"aud-1"}),
            ))
            .unwrap();
        assert_eq!(s.signup_flow, SignupFlow::Link);
        assert_eq!(s.user_jwt_expiration, 2);
        assert_eq!(s.realm_app_id.as_deref(), Some("aud-1"));
    }

    fn stored(settings: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "appId": "a", "name": "n", "status": "active", "createdAt": 0, "updatedAt": 0,
            "tokenIssuedAt": 0, "publicKeys": [], "settings": settings,
        })
    }

    #[test]
    fn stored_records_name_the_bad_attribute() {
        assert!(decode_stored(&stored(serde_json::json!({"signupFlow": "link"}))).is_ok());
        let bogus = decode_stored(&stored(serde_json::json!({"signupFlow": "bogus"}))).unwrap_err();
        assert!(
            bogus.starts_with("settings.signupFlow: unknown variant `bogus`"),
            "{bogus}"
        );
        let mistyped =
            decode_stored(&stored(serde_json::json!({"passwordMinLength": "x"}))).unwrap_err();
        assert!(
            mistyped.starts_with("settings.passwordMinLength: invalid type"),
            "{mistyped}"
        );
        let range =
            decode_stored(&stored(serde_json::json!({"userJWTExpiration": 0}))).unwrap_err();
        assert_eq!(range, "settings: userJWTExpiration must be 1..=8760 hours");
    }

    #[test]
    fn unknown_or_mistyped_settings_are_602() {
        let s = Settings::default();
        assert_eq!(
            s.patched(&patch(serde_json::json!({"nope":1})))
                .unwrap_err()
                .wire()
                .code,
            602
        );
        assert_eq!(
            s.patched(&patch(serde_json::json!({"signupFlow":"maybe"})))
                .unwrap_err()
                .wire()
                .code,
            602
        );
        assert_eq!(
            s.patched(&patch(serde_json::json!({"locales":["FR"]})))
                .unwrap_err()
                .wire()
                .code,
            602
        );
        assert_eq!(
            s.patched(&patch(serde_json::json!({"userJWTExpiration":0})))
                .unwrap_err()
                .wire()
                .code,
            602
        );
    }
}
