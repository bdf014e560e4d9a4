//! The stored records as the wire shows them: an app's settings and their parts, the statuses,
//! a message template. They are separate from the domain's records because the domain's serde
//! is how records are stored, while these are what a client reads and what `/openapi.json`
//! documents; each is built `From` its record by destructuring every field, so a field added to
//! a record does not compile until the wire says how it shows, and the tests below hold each
//! one's JSON to its record's.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::common::templates as domain_templates;
use crate::domain::records::app as domain_app;
use crate::domain::records::metadata as domain_metadata;
use crate::domain::records::social as domain_social;
use crate::domain::records::user as domain_user;

/// How a signup becomes an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignupFlow {
    /// The account exists at once.
    None,
    /// A 6-digit code is emailed and posted back.
    Code,
    /// A link is emailed; opening it shows a confirm page whose POST completes.
    Link,
}

convert!(enum domain_app::SignupFlow => SignupFlow { None, Code, Link });

/// The second factor an app offers its users (each user switches it on for themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TwoFactor {
    /// No second factor.
    None,
    /// Authenticator app (TOTP).
    Google,
    /// SMS code.
    Phone,
}

convert!(enum domain_app::TwoFactor => TwoFactor { None, Google, Phone });

/// Whether the app serves its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

convert!(enum domain_app::AppStatus => AppStatus { Active, Inactive, Deleting });

// A status in a request body becomes the domain's, which decides whether it may be set.
convert!(enum AppStatus => domain_app::AppStatus { Active, Inactive, Deleting });

/// Whether a user may use the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Normal.
    Active,
    /// Refused at login (404) once the password is proven; tokens stop working.
    Suspended,
}

convert!(enum domain_user::UserStatus => UserStatus { Active, Suspended });

/// One metadata field of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetaField {
    /// Dot path inside the user's metadata and the JWT (`user_data.name.first`).
    path: String,
    /// Consumer-side field name (Realm's custom-data name); `email` means "the handle".
    field_name: String,
    /// Users cannot onboard without it.
    #[serde(default)]
    required: bool,
    /// Users may change it later.
    #[serde(default)]
    can_edit: bool,
}

convert!(domain_metadata::MetaField => MetaField { path, field_name, required, can_edit });

/// Every developer-editable setting, under its Cosync wire name (see the README).
// Written only, never read: `deny_unknown_fields` and the `default`s are here for the document,
// which must say what the domain's decoding of a settings patch does (unknown names are 602,
// every setting has a default).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Users may sign up themselves.
    #[serde(default)]
    signup_enabled: bool,
    /// Users may be invited.
    #[serde(default)]
    invitation_enabled: bool,
    /// How a signup is confirmed.
    #[serde(default)]
    signup_flow: SignupFlow,
    /// Metadata fields written into the user JWT.
    #[serde(default)]
    meta_data: Vec<MetaField>,
    /// Metadata fields an inviter may set.
    #[serde(default)]
    meta_data_invite: Vec<MetaField>,
    /// Add the `email` claim automatically.
    #[serde(default)]
    meta_data_email: bool,
    /// User JWT lifetime in hours.
    #[serde(default, rename = "userJWTExpiration")]
    user_jwt_expiration: u32,
    /// Access-token lifetime in hours.
    #[serde(default)]
    access_token_expiration: u32,
    /// JWT audience (Cosync's Realm app id); the app id when unset.
    #[serde(default)]
    realm_app_id: Option<String>,
    /// Locales users may pick; always contains `EN`.
    #[serde(default)]
    locales: Vec<String>,
    /// Client-side password policy switch (the server only ever sees an MD5).
    #[serde(default)]
    password_filter: bool,
    /// Client-side minimum length.
    #[serde(default)]
    password_min_length: u32,
    /// Client-side minimum upper-case letters.
    #[serde(default)]
    password_min_upper: u32,
    /// Client-side minimum lower-case letters.
    #[serde(default)]
    password_min_lower: u32,
    /// Client-side minimum digits.
    #[serde(default)]
    password_min_digit: u32,
    /// Client-side minimum special characters.
    #[serde(default)]
    password_min_special: u32,
    /// Anonymous login switch.
    #[serde(default)]
    anonymous_login_enabled: bool,
    /// Username login switch.
    #[serde(default)]
    user_names_enabled: bool,
    /// Second factor.
    #[serde(default)]
    two_factor_verification: TwoFactor,
    /// Heading shown in authenticator apps.
    #[serde(default)]
    google_app_name: Option<String>,
    /// HTML shown after a signup link is confirmed; `%APP_NAME%` and `%HANDLE%` are substituted
    /// (escaped). `None` uses the built-in page.
    #[serde(default)]
    link_landing_page: Option<String>,
    /// Free-form app data passed through to clients.
    #[serde(default)]
    app_data: Option<serde_json::Value>,
    /// Texts the app may send per day, all users together (SMS pumping costs the developer).
    #[serde(default)]
    sms_daily_limit: u32,
    /// Country calling codes phones may have (`[1, 44]`); empty allows every country.
    #[serde(default)]
    sms_allowed_countries: Vec<u16>,
    /// Emails the app may send per UTC day (signup, reset, invite, notices), so a script cannot
    /// burn the deployment's SES quota and reputation through one app.
    #[serde(default)]
    mail_daily_limit: i64,
    /// Browser origins (`https://app.example.com`) whose pages may call the API with this app's
    /// tokens; a browser request from any other origin is refused (619). Empty: no browser
    /// client (see [`crate::domain::records::origins`]).
    #[serde(default)]
    allowed_origins: Vec<String>,
    /// Days an audit entry is kept (1 to 3650, default 90): long enough to investigate an
    /// incident, short enough that the trail does not grow without end.
    #[serde(default)]
    audit_retention_days: u32,
    /// Sign in with Apple (415 when off or `appleBundleId` is empty).
    #[serde(default)]
    apple_login_enabled: bool,
    /// Apple audiences: bundle ids and Services ids, comma-separated (a JSON list is also read);
    /// at most 20 of at most 255 characters.
    #[serde(default)]
    apple_bundle_id: String,
    /// Google sign-in (416 when off or `googleClientId` is empty).
    #[serde(default)]
    google_login_enabled: bool,
    /// Google audiences: OAuth client ids, comma-separated (a JSON list is also read).
    #[serde(default)]
    google_client_id: String,
    /// When set, a Google token's `azp` must be one of these (comma-separated).
    #[serde(default)]
    google_authorized_parties: String,
    /// Every social request must carry a `nonce`.
    #[serde(default)]
    social_nonce_required: bool,
    /// `refuse` (610, default) or `verified` (link a verified password account when the
    /// provider is authoritative for the email and the account has no second factor).
    #[serde(default)]
    social_linking: SocialLinking,
    /// `honour` (a user with a second factor gets a login token, default) or `skip`.
    #[serde(default)]
    social_second_factor: SocialSecondFactor,
    /// Mail- or SMS-sending requests one client address may make per hour (1 to 1,000,000,
    /// default 30); an app whose users share one address raises it.
    #[serde(default)]
    address_sends_per_hour: u32,
    /// Texts one client address may trigger per hour (1 to 1,000,000, default 10), on top of
    /// `addressSendsPerHour`.
    #[serde(default)]
    address_texts_per_hour: u32,
    /// Failed password and code checks one client address may make per 15 minutes over all
    /// handles (1 to 1,000,000, default 50).
    #[serde(default, rename = "addressFailedChecksPer15Min")]
    address_failed_checks_per_15_min: u32,
    /// New anonymous users one client address may create per hour (1 to 1,000,000, default 30).
    #[serde(default)]
    address_anonymous_users_per_hour: u32,
    /// Failed signup-code checks the whole app accepts per UTC day (10 to 10,000,000, default
    /// 10,000): a circuit breaker for guessing spread over many handles and addresses.
    #[serde(default)]
    signup_code_failure_daily_limit: u32,
    /// Passkeys (the `passkey/*` routes; 417 when off); needs `passkeyRpId` and an origin.
    #[serde(default)]
    passkeys_enabled: bool,
    /// The WebAuthn RP id: a registrable domain the developer owns (lower-case).
    #[serde(default)]
    passkey_rp_id: Option<String>,
    /// Exact origins of passkey ceremonies: `https://` on the RP id or a subdomain (`http`
    /// only on loopback), or `android:apk-key-hash:<base64url SHA-256>`.
    #[serde(default)]
    passkey_origins: Vec<String>,
    /// Passkeys one user may hold (1 to 10, default 10).
    #[serde(default)]
    passkey_max_per_user: u32,
    /// `userId` (default): the user JWT's `sub` is the Keyturn user id; `handle`: the handle,
    /// as CosyncJWT's was (for backends keyed on the original's `sub`).
    #[serde(default)]
    jwt_subject: JwtSubject,
}

convert!(domain_app::Settings => Settings {
        signup_enabled,
        invitation_enabled,
        signup_flow: SignupFlow::from,
        meta_data: each,
        meta_data_invite: each,
        meta_data_email,
        user_jwt_expiration,
        access_token_expiration,
        realm_app_id,
        locales,
        password_filter,
        password_min_length,
        password_min_upper,
        password_min_lower,
        password_min_digit,
        password_min_special,
        anonymous_login_enabled,
        user_names_enabled,
        two_factor_verification: TwoFactor::from,
        google_app_name,
        link_landing_page,
        app_data,
        sms_daily_limit,
        sms_allowed_countries,
        mail_daily_limit,
        allowed_origins,
        audit_retention_days,
        apple_login_enabled,
        apple_bundle_id: csv,
        google_login_enabled,
        google_client_id: csv,
        google_authorized_parties: csv,
        social_nonce_required,
        social_linking: SocialLinking::from,
        social_second_factor: SocialSecondFactor::from,
        address_sends_per_hour,
        address_texts_per_hour,
        address_failed_checks_per_15_min,
        address_anonymous_users_per_hour,
        signup_code_failure_daily_limit,
        passkeys_enabled,
        passkey_rp_id,
        passkey_origins,
        passkey_max_per_user,
        jwt_subject: JwtSubject::from,
});

/// What the user JWT's `sub` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum JwtSubject {
    /// The Keyturn user id.
    #[default]
    UserId,
    /// The handle, as in CosyncJWT.
    Handle,
}

convert!(enum domain_app::JwtSubject => JwtSubject { UserId, Handle });

/// An audience list in the original's comma-separated form.
fn csv(list: domain_social::AudienceList) -> String {
    list.to_csv()
}

/// What a social login does when only a verified password account has the email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SocialLinking {
    /// 610, as the original.
    Refuse,
    /// Link when the provider is authoritative for the email and the account has no factor.
    Verified,
}

convert!(enum domain_social::SocialLinking => SocialLinking { Refuse, Verified });

/// Whether a social login asks for the user's second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SocialSecondFactor {
    /// A user with a factor on gets `{"login-token"}`.
    Honour,
    /// The provider is trusted for the whole login.
    Skip,
}

convert!(enum domain_social::SocialSecondFactor => SocialSecondFactor { Honour, Skip });

/// Every item of a list, shown.
fn each<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// One template: subject, plain text and HTML, with `%PLACEHOLDER%`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Subject line (emails).
    #[serde(default)]
    subject: String,
    /// Plain-text body.
    #[serde(default)]
    text: String,
    /// HTML body (emails and the landing page).
    #[serde(default)]
    html: String,
}

convert!(domain_templates::Template => Template { subject, text, html });

// A template in a request body becomes the domain's, which checks it can render its message.
convert!(Template => domain_templates::Template { subject, text, html });

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The wire's JSON of a record equals the record's own serde (its stored form, whose names
    /// the domain also decodes settings patches by): the document cannot name a field the
    /// domain would not read.
    fn same_json<D: Serialize + Clone, W: Serialize + From<D>>(record: D) {
        assert_eq!(
            serde_json::to_value(W::from(record.clone())).unwrap(),
            serde_json::to_value(record).unwrap()
        );
    }

    #[test]
    fn settings_show_as_stored() {
        same_json::<_, Settings>(domain_app::Settings::default());
        let patched = domain_app::Settings::default()
            .patched(
                json!({
                    "signupFlow": "link",
                    "twoFactorVerification": "google",
                    "metaData": [{"path": "user_data.name", "fieldName": "name", "required": true}],
                    "metaDataInvite": [{"path": "org", "fieldName": "org", "canEdit": true}],
                    "realmAppId": "aud",
                    "googleAppName": "Acme",
                    "linkLandingPage": "<p>%HANDLE%</p>",
                    "appData": {"theme": "dark"},
                    "smsAllowedCountries": [1, 44],
                    "allowedOrigins": ["https://app.example.com"],
                    "locales": ["EN", "FR"],
                })
                .as_object()
                .unwrap(),
            )
            .unwrap();
        same_json::<_, Settings>(patched);
    }

    #[test]
    fn statuses_and_flows_show_as_stored() {
        for flow in [
            domain_app::SignupFlow::None,
            domain_app::SignupFlow::Code,
            domain_app::SignupFlow::Link,
        ] {
            same_json::<_, SignupFlow>(flow);
        }
        for two_factor in [
            domain_app::TwoFactor::None,
            domain_app::TwoFactor::Google,
            domain_app::TwoFactor::Phone,
        ] {
            same_json::<_, TwoFactor>(two_factor);
        }
        for status in [
            domain_app::AppStatus::Active,
            domain_app::AppStatus::Inactive,
            domain_app::AppStatus::Deleting,
        ] {
            same_json::<_, AppStatus>(status);
            let wire: AppStatus =
                serde_json::from_value(serde_json::to_value(status).unwrap()).unwrap();
            assert_eq!(domain_app::AppStatus::from(wire), status);
        }
        for status in [
            domain_user::UserStatus::Active,
            domain_user::UserStatus::Suspended,
        ] {
            same_json::<_, UserStatus>(status);
        }
    }

    #[test]
    fn templates_show_and_decode_as_stored() {
        let stored = domain_templates::Template {
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
        };
        same_json::<_, Template>(stored.clone());
        let body = json!({"subject": "s", "text": "t", "html": "h"});
        let wire: Template = serde_json::from_value(body).unwrap();
        assert_eq!(domain_templates::Template::from(wire), stored);
        for bad in [
            json!({"subject": "s", "text": "t", "extra": 1}),
            json!({"subject": 3, "text": "t"}),
        ] {
            assert!(serde_json::from_value::<Template>(bad).is_err());
        }
    }
}
