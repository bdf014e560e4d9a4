//! An app's settings: every setting a developer may edit, their vocabulary (flows, factors,
//! features), their defaults (the original's where CosyncJWT had one) and the validation of the
//! whole set. Kept apart from the stored record (`app`, which depends on this module and not the
//! other way round) so the rules of the many settings do not bury the record's shape.

use serde::{Deserialize, Serialize};

use crate::domain::records::metadata::{MetaField, validate_jwt_fields};
use crate::domain::records::social::{AudienceList, SocialLinking, SocialSecondFactor};
use crate::error::{Error, Result};

/// The messages an app may send per UTC day when its settings say nothing else.
pub const DEFAULT_DAILY_MESSAGES: i64 = 10_000;

/// How a signup becomes an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupFlow {
    /// The account exists at once.
    None,
    /// A 6-digit code is emailed and posted back.
    Code,
    /// A link is emailed; opening it shows a confirm page whose POST completes.
    Link,
}

/// The second factor an app offers its users (each user switches it on for themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TwoFactor {
    /// No second factor.
    None,
    /// Authenticator app (TOTP).
    Google,
    /// SMS code.
    Phone,
}

/// What the user JWT's `sub` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JwtSubject {
    /// The Keyturn user id: stable for the account's life, never reused.
    #[default]
    UserId,
    /// The handle, as CosyncJWT's `sub` was: backends that key their data on the original's
    /// `sub` (Realm custom-JWT users, `owner_id` fields) keep working after a migration. A
    /// handle is mutable in spirit (an email), so it is a compatibility choice, not a default.
    Handle,
}

/// A feature an app switches on or off in its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `signupEnabled` (407 when off).
    Signup,
    /// `invitationEnabled` (406 when off).
    Invitations,
    /// `anonymousLoginEnabled` (414 when off).
    AnonymousLogin,
    /// `userNamesEnabled` (606 when off).
    UserNames,
}

fn yes() -> bool {
    true
}
fn default_hours() -> u32 {
    24
}
fn default_locales() -> Vec<String> {
    vec!["EN".to_owned()]
}
fn default_min_length() -> u32 {
    8
}
fn default_flow() -> SignupFlow {
    SignupFlow::Code
}
fn default_two_factor() -> TwoFactor {
    TwoFactor::None
}
fn default_sms_daily_limit() -> u32 {
    1000
}
fn default_audit_retention_days() -> u32 {
    90
}
fn default_mail_daily_limit() -> i64 {
    DEFAULT_DAILY_MESSAGES
}
fn default_address_sends() -> u32 {
    30
}
fn default_address_texts() -> u32 {
    10
}
fn default_address_failures() -> u32 {
    50
}
fn default_address_anonymous() -> u32 {
    30
}
fn default_passkeys_per_user() -> u32 {
    crate::domain::records::passkey::MAX_PER_USER
}
fn default_signup_code_failures() -> u32 {
    10_000
}

/// The most any per-address limit may be raised to: far above a school or carrier NAT, yet
/// still a ceiling on one address (the per-handle, per-mailbox, per-number and daily limits do
/// not depend on addresses and stay as they are).
pub const MAX_PER_ADDRESS: u32 = 1_000_000;

/// Every developer-editable setting, under its Cosync wire name (docs/settings.md lists them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Users may sign up themselves.
    #[serde(default = "yes")]
    pub signup_enabled: bool,
    /// Users may be invited.
    #[serde(default)]
    pub invitation_enabled: bool,
    /// How a signup is confirmed.
    #[serde(default = "default_flow")]
    pub signup_flow: SignupFlow,
    /// Metadata fields written into the user JWT.
    #[serde(default)]
    pub meta_data: Vec<MetaField>,
    /// Metadata fields an inviter may set.
    #[serde(default)]
    pub meta_data_invite: Vec<MetaField>,
    /// Add the `email` claim automatically.
    #[serde(default = "yes")]
    pub meta_data_email: bool,
    /// User JWT lifetime in hours.
    #[serde(default = "default_hours", rename = "userJWTExpiration")]
    pub user_jwt_expiration: u32,
    /// Access-token lifetime in hours.
    #[serde(default = "default_hours")]
    pub access_token_expiration: u32,
    /// JWT audience (Cosync's Realm app id); the app id when unset.
    #[serde(default)]
    pub realm_app_id: Option<String>,
    /// Locales users may pick; always contains `EN`.
    #[serde(default = "default_locales")]
    pub locales: Vec<String>,
    /// Client-side password policy switch (the server only ever sees an MD5).
    #[serde(default)]
    pub password_filter: bool,
    /// Client-side minimum length.
    #[serde(default = "default_min_length")]
    pub password_min_length: u32,
    /// Client-side minimum upper-case letters.
    #[serde(default)]
    pub password_min_upper: u32,
    /// Client-side minimum lower-case letters.
    #[serde(default)]
    pub password_min_lower: u32,
    /// Client-side minimum digits.
    #[serde(default)]
    pub password_min_digit: u32,
    /// Client-side minimum special characters.
    #[serde(default)]
    pub password_min_special: u32,
    /// Anonymous login switch.
    #[serde(default)]
    pub anonymous_login_enabled: bool,
    /// Username login switch.
    #[serde(default)]
    pub user_names_enabled: bool,
    /// Second factor.
    #[serde(default = "default_two_factor")]
    pub two_factor_verification: TwoFactor,
    /// Heading shown in authenticator apps.
    #[serde(default)]
    pub google_app_name: Option<String>,
    /// HTML shown after a signup link is confirmed; `%APP_NAME%` and `%HANDLE%` are substituted
    /// (escaped). `None` uses the built-in page.
    #[serde(default)]
    pub link_landing_page: Option<String>,
    /// Free-form app data passed through to clients.
    #[serde(default)]
    pub app_data: Option<serde_json::Value>,
    /// Texts the app may send per day, all users together (SMS pumping costs the developer).
    #[serde(default = "default_sms_daily_limit")]
    pub sms_daily_limit: u32,
    /// Country calling codes phones may have (`[1, 44]`); empty allows every country.
    #[serde(default)]
    pub sms_allowed_countries: Vec<u16>,
    /// Emails the app may send per UTC day (signup, reset, invite, notices), so a script cannot
    /// burn the deployment's SES quota and reputation through one app.
    #[serde(default = "default_mail_daily_limit")]
    pub mail_daily_limit: i64,
    /// Browser origins (`https://app.example.com`) whose pages may call the API with this app's
    /// tokens; a browser request from any other origin is refused (619). Empty: no browser
    /// client (see [`crate::domain::records::origins`]).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Days an audit entry is kept (1 to 3650, default 90): long enough to investigate an
    /// incident, short enough that the trail does not grow without end.
    #[serde(default = "default_audit_retention_days")]
    pub audit_retention_days: u32,
    /// Sign in with Apple (415 when off or `appleBundleId` is empty).
    #[serde(default)]
    pub apple_login_enabled: bool,
    /// Audiences Apple ID tokens may name: bundle ids and Services ids (comma-separated).
    #[serde(default)]
    pub apple_bundle_id: AudienceList,
    /// Google sign-in (416 when off or `googleClientId` is empty).
    #[serde(default)]
    pub google_login_enabled: bool,
    /// Audiences Google ID tokens may name: OAuth client ids (comma-separated).
    #[serde(default)]
    pub google_client_id: AudienceList,
    /// When set, a Google token's `azp` must be one of these (a server client id as `aud`).
    #[serde(default)]
    pub google_authorized_parties: AudienceList,
    /// Every social request must carry a `nonce` (off by default: the Cosync Swift SDK sends none).
    #[serde(default)]
    pub social_nonce_required: bool,
    /// What a social login does when only a verified password account has the email.
    #[serde(default)]
    pub social_linking: SocialLinking,
    /// Whether a social login asks for the user's second factor.
    #[serde(default)]
    pub social_second_factor: SocialSecondFactor,
    /// Mail- or SMS-sending requests one client address may make per hour (1 to
    /// [`MAX_PER_ADDRESS`], default 30): an app whose users share a carrier NAT, or whose backend
    /// calls from one host, raises it.
    #[serde(default = "default_address_sends")]
    pub address_sends_per_hour: u32,
    /// Texts one client address may trigger per hour (1 to [`MAX_PER_ADDRESS`], default 10), on
    /// top of [`Settings::address_sends_per_hour`].
    #[serde(default = "default_address_texts")]
    pub address_texts_per_hour: u32,
    /// Failed password and code checks one client address may make per 15 minutes over all
    /// handles (1 to [`MAX_PER_ADDRESS`], default 50): what slows credential stuffing from one
    /// machine.
    #[serde(
        default = "default_address_failures",
        rename = "addressFailedChecksPer15Min"
    )]
    pub address_failed_checks_per_15_min: u32,
    /// New anonymous users one client address may create per hour (1 to [`MAX_PER_ADDRESS`],
    /// default 30).
    #[serde(default = "default_address_anonymous")]
    pub address_anonymous_users_per_hour: u32,
    /// Failed signup-code checks the whole app accepts per UTC day (10 to 10,000,000, default
    /// 10,000): a circuit breaker for guessing spread over many handles and addresses, where
    /// every pending signup's own tries are too few to notice.
    #[serde(default = "default_signup_code_failures")]
    pub signup_code_failure_daily_limit: u32,
    /// Passkeys (the `passkey/*` routes; 417 when off): needs `passkeyRpId` and at least one
    /// of `passkeyOrigins`.
    #[serde(default)]
    pub passkeys_enabled: bool,
    /// The WebAuthn relying-party id: a registrable domain the developer owns, where the iOS
    /// and Android association files are hosted (docs/passkeys.md).
    #[serde(default)]
    pub passkey_rp_id: Option<String>,
    /// Exact origins passkey ceremonies may come from: `https://` pages on the RP id (or a
    /// subdomain) and Android apps' `android:apk-key-hash:…`.
    #[serde(default)]
    pub passkey_origins: Vec<String>,
    /// Passkeys one user may hold (1 to 10, default 10).
    #[serde(default = "default_passkeys_per_user")]
    pub passkey_max_per_user: u32,
    /// What the user JWT's `sub` is: `userId` (default) or `handle` (CosyncJWT's, set by
    /// `keyturn import cosync --create-app`).
    #[serde(default)]
    pub jwt_subject: JwtSubject,
}

impl Default for Settings {
    fn default() -> Self {
        // Every field has a serde default, so an empty object is the default settings.
        serde_json::from_value(serde_json::json!({})).unwrap_or_else(|_| unreachable_defaults())
    }
}

fn unreachable_defaults() -> Settings {
    // Only reachable if a field lost its serde default; fail loudly in every build.
    std::process::abort()
}

impl Settings {
    /// Applies a JSON patch of settings by wire name, validating the result as a whole.
    /// Unknown names and wrong types are 602; bad metadata paths are 604.
    pub fn patched(&self, patch: &serde_json::Map<String, serde_json::Value>) -> Result<Self> {
        let current = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(Error::internal("settings do not serialise to an object")),
        };
        Self::patched_raw(current, patch)
    }

    /// Applies a patch over settings as stored, valid or not (a hand edit may have broken them):
    /// the admin API can then repair what the console broke. The result is validated as a whole.
    pub fn patched_raw(
        mut current: serde_json::Map<String, serde_json::Value>,
        patch: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self> {
        for (k, v) in patch {
            current.insert(k.clone(), v.clone());
        }
        let next: Settings = serde_json::from_value(serde_json::Value::Object(current))
            .map_err(|e| Error::invalid(format!("settings: {e}")))?;
        next.validate()?;
        Ok(next)
    }

    /// Checks the rules no type can express.
    pub fn validate(&self) -> Result<()> {
        validate_jwt_fields(&self.meta_data, &self.meta_data_invite)?;
        crate::domain::records::storable::check_settings(self)?;
        if !(1..=8760).contains(&self.user_jwt_expiration) {
            return Err(Error::invalid("userJWTExpiration must be 1..=8760 hours"));
        }
        if !(1..=8760).contains(&self.access_token_expiration) {
            return Err(Error::invalid(
                "accessTokenExpiration must be 1..=8760 hours",
            ));
        }
        if !self.locales.iter().any(|l| l == "EN") {
            return Err(Error::invalid("locales must contain EN"));
        }
        if let Some(bad) = self
            .locales
            .iter()
            .find(|l| l.len() != 2 || !l.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(Error::invalid(format!(
                "locale {bad:?} must be two upper-case letters"
            )));
        }
        if self.sms_daily_limit > 1_000_000 {
            return Err(Error::invalid("smsDailyLimit must be at most 1000000"));
        }
        if let Some(bad) = self
            .sms_allowed_countries
            .iter()
            .find(|c| !(1..=999).contains(*c))
        {
            return Err(Error::invalid(format!(
                "smsAllowedCountries: {bad} is not a calling code"
            )));
        }
        if !(0..=10_000_000).contains(&self.mail_daily_limit) {
            return Err(Error::invalid("mailDailyLimit must be 0..=10000000"));
        }
        if !(1..=3650).contains(&self.audit_retention_days) {
            return Err(Error::invalid("auditRetentionDays must be 1..=3650"));
        }
        for (name, value) in [
            ("addressSendsPerHour", self.address_sends_per_hour),
            ("addressTextsPerHour", self.address_texts_per_hour),
            (
                "addressFailedChecksPer15Min",
                self.address_failed_checks_per_15_min,
            ),
            (
                "addressAnonymousUsersPerHour",
                self.address_anonymous_users_per_hour,
            ),
        ] {
            if !(1..=MAX_PER_ADDRESS).contains(&value) {
                return Err(Error::invalid(format!(
                    "{name} must be 1..={MAX_PER_ADDRESS}"
                )));
            }
        }
        if !(10..=10_000_000).contains(&self.signup_code_failure_daily_limit) {
            return Err(Error::invalid(
                "signupCodeFailureDailyLimit must be 10..=10000000",
            ));
        }
        if self.password_min_length > 128 {
            return Err(Error::invalid("passwordMinLength must be at most 128"));
        }
        crate::domain::records::origins::check_list(&self.allowed_origins)?;
        self.validate_passkeys()
    }

    /// The passkey settings' rules (see [`crate::domain::records::passkey`]).
    fn validate_passkeys(&self) -> Result<()> {
        use crate::domain::records::passkey;
        if !(1..=passkey::MAX_PER_USER).contains(&self.passkey_max_per_user) {
            return Err(Error::invalid(format!(
                "passkeyMaxPerUser must be 1..={}",
                passkey::MAX_PER_USER
            )));
        }
        if let Some(rp_id) = &self.passkey_rp_id {
            passkey::check_rp_id(rp_id)?;
        }
        passkey::check_origins(self.passkey_rp_id.as_deref(), &self.passkey_origins)?;
        if self.passkeys_enabled
            && (self.passkey_rp_id.is_none() || self.passkey_origins.is_empty())
        {
            return Err(Error::invalid(
                "passkeysEnabled needs passkeyRpId and at least one passkeyOrigins entry",
            ));
        }
        Ok(())
    }
}
