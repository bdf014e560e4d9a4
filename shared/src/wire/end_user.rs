//! The end-user API's success bodies (`/api/appuser/*`) and the health check, in the original's
//! key names. Each type writes the JSON a Cosync client reads and, derived from the same fields,
//! its schema in `/openapi.json`, so the document cannot promise a key the body lacks.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::openapi::True;
use super::records::{AppStatus, MetaField, SignupFlow, TwoFactor, UserStatus};
use crate::clock::iso_millis;
use crate::domain::common::session;
use crate::domain::factors::switch::GoogleEnabled;
use crate::domain::login::challenge;
use crate::domain::login::password::LoggedIn;
use crate::domain::profile::{details, user_name};
use crate::domain::records::app::App;
use crate::domain::signup::self_service::SignedUp;

/// `{"jwt", "access-token"}`: a new session.
#[derive(Serialize, ToSchema)]
pub struct Session {
    /// The user JWT (RS256) for the app's backend.
    jwt: String,
    /// The access token for user-scoped routes.
    #[serde(rename = "access-token")]
    access_token: String,
}

convert!(session::Session => Session { jwt, access_token });

/// `{"login-token"}`: proof of the password, waiting for the second factor.
#[derive(Serialize, ToSchema)]
pub struct LoginToken {
    /// Single use, 10 minutes.
    #[serde(rename = "login-token")]
    login_token: String,
}

impl From<challenge::LoginToken> for LoginToken {
    fn from(token: challenge::LoginToken) -> Self {
        Self {
            login_token: token.0,
        }
    }
}

/// `login`'s answer: a session, or `{"login-token"}` when a second factor is due.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginReply {
    /// The user has no second factor switched on.
    Session(Session),
    /// The second step (`loginComplete`) is due.
    SecondFactor(LoginToken),
}

impl From<LoggedIn> for LoginReply {
    fn from(logged_in: LoggedIn) -> Self {
        match logged_in {
            LoggedIn::Session(s) => Self::Session(s.into()),
            LoggedIn::SecondFactor(t) => Self::SecondFactor(t.into()),
        }
    }
}

/// `signup`'s answer, one of two shapes because the app's flow decides whether the account
/// exists yet: `true` (a code or link is on its way) or a session (flow `none`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SignupReply {
    // Variants carry no doc comment: the document shows each as its bare schema.
    // Code and link flows: the account waits for the email.
    CodeSent(#[schema(inline)] True),
    // Flow `none`: the account exists and is signed in.
    Session(Session),
}

impl From<SignedUp> for SignupReply {
    fn from(signed_up: SignedUp) -> Self {
        match signed_up {
            SignedUp::CodeSent => Self::CodeSent(True),
            SignedUp::Session(s) => Self::Session(s.into()),
        }
    }
}

/// `setTwoFactorGoogleVerification` when enabling.
// No `Debug`: it holds the TOTP secret and the recovery codes.
#[derive(Serialize, ToSchema)]
pub struct GoogleEnrolment {
    /// The base32 TOTP secret.
    #[serde(rename = "googleSecretKey")]
    secret_base32: String,
    /// A PNG data URL of the `otpauth://` QR code.
    #[serde(rename = "QRDataImage")]
    qr_data_url: String,
    /// Ten single-use recovery codes.
    #[serde(rename = "recoveryCodes")]
    recovery_codes: Vec<String>,
}

/// `setTwoFactorGoogleVerification`'s answer: the enrolment when enabling (shown once, so the
/// user can scan it), `true` when disabling.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum GoogleReply {
    // Variants carry no doc comment: the document shows each as its bare schema.
    // Switched on: what the authenticator app and the user need.
    Enrolled(GoogleEnrolment),
    // Switched off.
    Disabled(#[schema(inline)] True),
}

impl From<Option<GoogleEnabled>> for GoogleReply {
    fn from(result: Option<GoogleEnabled>) -> Self {
        match result {
            Some(g) => Self::Enrolled(GoogleEnrolment {
                secret_base32: g.secret_base32,
                qr_data_url: g.qr_data_url,
                recovery_codes: g.recovery_codes,
            }),
            None => Self::Disabled(True),
        }
    }
}

/// A user as the Cosync clients read it, in the original's key names; `loginProvider` is
/// `apple` or `google` for an account with a linked identity, else `""`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    status: UserStatus,
    created_at: String,
    updated_at: String,
    handle: String,
    locale: String,
    user_name: String,
    two_factor_phone_verification: bool,
    two_factor_google_verification: bool,
    app_id: String,
    phone: String,
    phone_verified: bool,
    meta_data: Map<String, Value>,
    login_provider: String,
    last_login: Option<String>,
}

impl From<details::Profile> for Profile {
    fn from(profile: details::Profile) -> Self {
        let details::Profile { user, last_login } = profile;
        Self {
            status: user.status.into(),
            created_at: iso_millis(user.created_at),
            updated_at: iso_millis(user.updated_at),
            handle: user.handle,
            locale: user.locale,
            user_name: user.user_name.unwrap_or_default(),
            two_factor_phone_verification: user.two_factor.phone_login,
            two_factor_google_verification: user.two_factor.google,
            app_id: user.app_id,
            phone: user.two_factor.phone.unwrap_or_default(),
            phone_verified: user.two_factor.phone_verified,
            meta_data: user.meta_data,
            login_provider: user
                .social
                .map(|s| s.provider.as_str().to_owned())
                .unwrap_or_default(),
            last_login,
        }
    }
}

/// Whether a username is free.
#[derive(Serialize, ToSchema)]
pub struct Availability {
    /// Nobody in the app holds it.
    available: bool,
}

convert!(user_name::Availability => Availability { available });

/// `getApplication`: the settings of an app its users' clients may read, in the original's key
/// names, so a client can adapt its screens (signup flow, password rules, locales). Picked field
/// by field from the app: nothing added to the record shows here unless written here, so keys,
/// tokens and credentials never do.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicApp {
    /// Display name.
    name: String,
    /// Whether the app serves its users.
    status: AppStatus,
    /// Always `true`: every Keyturn app issues user JWTs.
    jwt_enabled: bool,
    /// Users may sign up themselves.
    signup_enabled: bool,
    /// Users may be invited.
    invitation_enabled: bool,
    /// How a signup is confirmed.
    signup_flow: SignupFlow,
    /// Anonymous login switch.
    anonymous_login_enabled: bool,
    /// Username login switch.
    user_names_enabled: bool,
    /// Sign in with Apple is on (`socialLogin`/`socialSignup` with `provider: apple`).
    apple_login_enabled: bool,
    /// The audiences Apple tokens may name (comma-separated; public ids the clients use).
    apple_bundle_id: String,
    /// Google sign-in is on.
    google_login_enabled: bool,
    /// The Google client ids tokens may name (comma-separated; public ids the clients use).
    google_client_id: String,
    /// Passkeys are on (`passkey/loginBegin` and the rest).
    passkeys_enabled: bool,
    /// The RP id passkeys are scoped to (empty when unset), for native clients' checks.
    passkey_rp_id: String,
    /// The second factor users may switch on.
    two_factor_verification: TwoFactor,
    /// Heading shown in authenticator apps (empty when unset).
    google_app_name: String,
    /// The JWT audience (the app id unless configured).
    realm_app_id: String,
    /// Metadata fields written into the user JWT.
    meta_data: Vec<MetaField>,
    /// Metadata fields an inviter may set.
    meta_data_invite: Vec<MetaField>,
    /// Whether the JWT carries the `email` claim.
    meta_data_email: bool,
    /// User JWT lifetime in hours.
    #[serde(rename = "userJWTExpiration")]
    user_jwt_expiration: u32,
    /// Client-side password policy switch (the server only ever sees an MD5).
    password_filter: bool,
    /// Client-side minimum length.
    password_min_length: u32,
    /// Client-side minimum upper-case letters.
    password_min_upper: u32,
    /// Client-side minimum lower-case letters.
    password_min_lower: u32,
    /// Client-side minimum digits.
    password_min_digit: u32,
    /// Client-side minimum special characters.
    password_min_special: u32,
    /// Locales users may pick; always contains `EN`.
    locales: Vec<String>,
    /// Free-form app data passed through to clients (`{}` when unset).
    app_data: Value,
    /// Creation time (ISO 8601).
    created_at: String,
    /// Last settings change (ISO 8601).
    updated_at: String,
}

impl From<App> for PublicApp {
    fn from(app: App) -> Self {
        let realm_app_id = app.audience();
        let s = app.settings;
        Self {
            name: app.name,
            status: app.status.into(),
            jwt_enabled: true,
            signup_enabled: s.signup_enabled,
            invitation_enabled: s.invitation_enabled,
            signup_flow: s.signup_flow.into(),
            anonymous_login_enabled: s.anonymous_login_enabled,
            user_names_enabled: s.user_names_enabled,
            apple_login_enabled: s.apple_login_enabled,
            apple_bundle_id: s.apple_bundle_id.to_csv(),
            google_login_enabled: s.google_login_enabled,
            google_client_id: s.google_client_id.to_csv(),
            passkeys_enabled: s.passkeys_enabled,
            passkey_rp_id: s.passkey_rp_id.unwrap_or_default(),
            two_factor_verification: s.two_factor_verification.into(),
            google_app_name: s.google_app_name.unwrap_or_default(),
            realm_app_id,
            meta_data: s.meta_data.into_iter().map(MetaField::from).collect(),
            meta_data_invite: s
                .meta_data_invite
                .into_iter()
                .map(MetaField::from)
                .collect(),
            meta_data_email: s.meta_data_email,
            user_jwt_expiration: s.user_jwt_expiration,
            password_filter: s.password_filter,
            password_min_length: s.password_min_length,
            password_min_upper: s.password_min_upper,
            password_min_lower: s.password_min_lower,
            password_min_digit: s.password_min_digit,
            password_min_special: s.password_min_special,
            locales: s.locales,
            app_data: s.app_data.unwrap_or_else(|| Value::Object(Map::new())),
            created_at: iso_millis(app.created_at),
            updated_at: iso_millis(app.updated_at),
        }
    }
}

/// `GET /`: the health check.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `keyturn`.
    service: &'static str,
    /// `ok`.
    status: &'static str,
}

impl Health {
    /// The one answer: a load balancer or uptime check only needs to see the process answer.
    pub const UP: Health = Health {
        service: "keyturn",
        status: "ok",
    };
}
