//! The domain's one error enum and its single mapping to the wire.
//!
//! Every variant is a business outcome a client can act on, carrying the numeric code the Cosync
//! client SDKs already map (docs/api.md lists them); codes never change meaning. The mapping to HTTP status,
//! code and message lives in exactly one exhaustive `match` ([`Error::wire`]), so adding a variant
//! forces a decision about how it looks on the wire.

use crate::store::StoreError;

/// Why a request failed, in the vocabulary of the product rather than of the infrastructure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The app token is missing, malformed, forged or of the wrong purpose (code 400).
    #[error("invalid app token")]
    InvalidAppToken,
    /// The token names an app that has since been deleted (code 401).
    #[error("app no longer exist")]
    AppNotFound,
    /// The developer suspended the app (code 402).
    #[error("app is suspended")]
    AppSuspended,
    /// A required field is absent (code 403); the field name goes into the message.
    #[error("missing parameter: {0}")]
    MissingParam(&'static str),
    /// The user proved their password but the account is suspended (code 404).
    #[error("user account is suspended")]
    UserSuspended,
    /// The access token is missing, forged, expired or revoked (code 405).
    #[error("invalid access token")]
    InvalidAccessToken,
    /// Invitations are switched off for this app (code 406).
    #[error("app does not support invitation")]
    InvitationDisabled,
    /// Signup is switched off for this app (code 407).
    #[error("app does not support signup")]
    SignupDisabled,
    /// The app's second factor is not the authenticator app (code 408).
    #[error("app does not support google two-factor verification")]
    GoogleTwoFactorDisabled,
    /// The app's second factor is not SMS (code 409).
    #[error("app does not support phone two-factor verification")]
    PhoneTwoFactorDisabled,
    /// Phone login needs a verified phone first (code 410).
    #[error("user does not have verified phone number")]
    NoVerifiedPhone,
    /// A one-time code (signup, invite, reset) outlived its lifetime (code 411; the original
    /// used it for signup codes only).
    #[error("code expired")]
    CodeExpired,
    /// Unknown user or wrong password: deliberately indistinguishable (code 600). A wrong
    /// one-time code is 602, as in the original.
    #[error("invalid login credentials")]
    InvalidCredentials,
    /// The handle already has an account in this app (code 601).
    #[error("handle already registered")]
    HandleTaken,
    /// A field is present but malformed; the reason is safe to show (code 602).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// Metadata is not a JSON object of strings, or a required field is missing (code 604).
    #[error("invalid metadata: {0}")]
    InvalidMetadata(String),
    /// Anonymous login is switched off for this app (code 414).
    #[error("app does not support anonymous login")]
    AnonymousLoginDisabled,
    /// Another user of the app already holds this username (code 605).
    #[error("user name already assigned")]
    UserNameTaken,
    /// A handle without `@` while the app has no usernames (code 606).
    #[error("app does not support username login")]
    UserNamesDisabled,
    /// The password is right but the signup was never completed (code 608).
    #[error("account has not been verified")]
    AccountNotVerified,
    /// The code was tried too often; it is dead and a new one must be requested (code 614).
    #[error("too many attempts: request a new code")]
    CodeExhausted,
    /// The account's second factor failed too often (its daily budget is spent) and stays
    /// locked until the owner resets the password by mail (code 620, HTTP 403): a password
    /// holder cannot keep guessing codes, and only the mailbox owner can lift it.
    #[error("second factor locked after too many wrong codes: reset the password by email")]
    SecondFactorLocked,
    /// A limit was hit; retry after the given number of seconds (code 615, HTTP 429).
    #[error("too many requests")]
    RateLimited {
        /// Seconds until the window that caused the refusal ends.
        retry_after_secs: u64,
    },
    /// The store shed the request for load and the SDK's retries did not get it through (code
    /// 503, HTTP 503 with `Retry-After`): nothing was written, and the same request may be sent
    /// again. A 500 would tell the client the service is broken; this tells it to wait.
    #[error("service busy, try again shortly")]
    Unavailable {
        /// Seconds the client should wait before retrying.
        retry_after_secs: u64,
    },
    /// The request body exceeds the size limit (code 616, HTTP 413).
    #[error("request body too large")]
    BodyTooLarge,
    /// No route matches the method and path (code 618, HTTP 404; 404 is "user account is
    /// suspended" in the Cosync table, so a client would show "suspended" for a missing route).
    #[error("route not found")]
    RouteNotFound,
    /// The admin API key is missing or wrong (code 617, HTTP 401).
    #[error("invalid admin key")]
    InvalidAdminKey,
    /// A browser request from an origin the app does not list in `allowedOrigins` (code 619,
    /// HTTP 403).
    #[error("origin not allowed for this app")]
    OriginNotAllowed,
    /// The admin API names a user that does not exist in the app (code 603, HTTP 404).
    #[error("account does not exist")]
    UserNotFound,
    /// The app's stored record does not decode or its settings break a rule, e.g. after a hand
    /// edit in DynamoDB (code 630, HTTP 500). The app's requests fail loudly rather than run on
    /// a guessed default. `problem` names the attribute and what is wrong
    /// (`settings.signupFlow: unknown variant ...`): it goes to the log and to the admin view
    /// (`settingsError`), never to the app's users.
    #[error("app {app_id} has invalid settings: {problem}")]
    SettingsInvalid {
        /// The app whose record is invalid.
        app_id: String,
        /// The attribute's path and the problem.
        problem: String,
    },
    /// The issuer documents of an app that does not exist or is being deleted (code 401, HTTP
    /// 404: JWKS consumers treat a 404 as "no such issuer", not as a request to retry).
    #[error("app no longer exist")]
    UnknownIssuer,
    /// `keys/activate` without a staged key (code 631, HTTP 409).
    #[error("no staged signing key: rotate first")]
    NoStagedKey,
    /// `keys/rotate` while a key is already staged (code 632, HTTP 409): activate it first, so
    /// a key consumers may have fetched is never silently replaced.
    #[error("a signing key is already staged: activate it first")]
    KeyAlreadyStaged,
    /// `keys/retire` when only the current (and a staged) key is published (code 633, HTTP 409).
    #[error("no previous signing key to retire")]
    NothingToRetire,
    /// `import/cosync/app` names an app id some app already has (code 634, HTTP 409): an import
    /// never overwrites an app or its signing key.
    #[error("an app with this id already exists")]
    AppIdTaken,
    /// An imported signing key is not a usable RSA private key: not PEM, encrypted, not RSA,
    /// or not the pair of the given public key (code 635); the reason names which.
    #[error("the signing key cannot be imported: {0}")]
    BadSigningKey(String),
    /// An imported RSA signing key is under 2048 bits (code 636): tokens signed with it could
    /// be forged by factoring the modulus.
    #[error("the signing key has {0} bits: at least 2048 are needed")]
    SigningKeyTooSmall(usize),
    /// Sign in with Apple is off, or the app lists no bundle id (code 415).
    #[error("app does not support Apple Authentication")]
    AppleLoginDisabled,
    /// Google sign-in is off, or the app lists no client id (code 416).
    #[error("app does not support Google Authentication")]
    GoogleLoginDisabled,
    /// A social login whose identity has no account (code 603, HTTP 400: the Swift SDK reads it
    /// as "call socialSignup with the same token").
    #[error("account does not exist")]
    NoSocialAccount,
    /// The email belongs to a password account (code 610).
    #[error("email account already exist")]
    EmailAccountExists,
    /// The identity or email belongs to an Apple account (code 611).
    #[error("Apple account already exist")]
    AppleAccountExists,
    /// The identity or email belongs to a Google account (code 612).
    #[error("Google account already exist")]
    GoogleAccountExists,
    /// The provider's ID token failed verification, or its email is not the handle (code 613).
    /// Every reason answers alike; the log says which, never the token.
    #[error("token is invalid")]
    InvalidSocialToken,
    /// Passkeys are off for the app, or it names no RP id or origin (code 417).
    #[error("app does not support passkeys")]
    PasskeysDisabled,
    /// A passkey finish whose challenge was never issued, has expired (5 minutes) or was
    /// already used (code 640): begin again.
    #[error("passkey ceremony unknown or expired: begin again")]
    PasskeyCeremonyUnknown,
    /// A passkey response failed verification: origin, RP id, flags, signature, counter, an
    /// unknown credential (code 641). Every reason answers alike; the log and audit say which.
    #[error("passkey verification failed")]
    PasskeyVerificationFailed,
    /// The user already holds `passkeyMaxPerUser` passkeys (code 642).
    #[error("passkey limit reached")]
    PasskeyLimitReached,
    /// No passkey of the caller has this id (code 643).
    #[error("passkey not found")]
    PasskeyNotFound,
    /// Anything the caller cannot fix (HTTP 500): what was being done and, when another error
    /// says why it failed, that error. Both are logged ([`Error::report`]), never returned.
    #[error("internal: {context}")]
    Internal {
        /// What failed.
        context: String,
        /// Why, when another error says so.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// How an [`Error`] looks on the wire: HTTP status, numeric code and a fresh message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// HTTP status code.
    pub status: u16,
    /// The Cosync-compatible numeric code clients switch on.
    pub code: u16,
    /// A human-readable message; never carries secrets or another request's data.
    pub message: String,
}

impl Error {
    /// The one mapping from business outcome to status, code and message.
    pub fn wire(&self) -> WireError {
        let (status, code) = match self {
            Error::InvalidAppToken => (400, 400),
            Error::AppNotFound => (400, 401),
            Error::AppSuspended => (400, 402),
            Error::MissingParam(_) => (400, 403),
            Error::UserSuspended => (400, 404),
            Error::InvalidAccessToken => (400, 405),
            Error::InvitationDisabled => (400, 406),
            Error::SignupDisabled => (400, 407),
            Error::GoogleTwoFactorDisabled => (400, 408),
            Error::PhoneTwoFactorDisabled => (400, 409),
            Error::NoVerifiedPhone => (400, 410),
            Error::CodeExpired => (400, 411),
            Error::InvalidCredentials => (400, 600),
            Error::HandleTaken => (400, 601),
            Error::InvalidData(_) => (400, 602),
            Error::InvalidMetadata(_) => (400, 604),
            Error::AnonymousLoginDisabled => (400, 414),
            Error::UserNameTaken => (400, 605),
            Error::UserNamesDisabled => (400, 606),
            Error::AccountNotVerified => (400, 608),
            Error::CodeExhausted => (400, 614),
            Error::RateLimited { .. } => (429, 615),
            Error::SecondFactorLocked => (403, 620),
            Error::BodyTooLarge => (413, 616),
            Error::RouteNotFound => (404, 618),
            Error::InvalidAdminKey => (401, 617),
            Error::UserNotFound => (404, 603),
            Error::OriginNotAllowed => (403, 619),
            Error::SettingsInvalid { .. } => (500, 630),
            Error::UnknownIssuer => (404, 401),
            Error::NoStagedKey => (409, 631),
            Error::KeyAlreadyStaged => (409, 632),
            Error::NothingToRetire => (409, 633),
            Error::AppIdTaken => (409, 634),
            Error::BadSigningKey(_) => (400, 635),
            Error::SigningKeyTooSmall(_) => (400, 636),
            Error::AppleLoginDisabled => (400, 415),
            Error::GoogleLoginDisabled => (400, 416),
            Error::NoSocialAccount => (400, 603),
            Error::EmailAccountExists => (400, 610),
            Error::AppleAccountExists => (400, 611),
            Error::GoogleAccountExists => (400, 612),
            Error::InvalidSocialToken => (400, 613),
            Error::PasskeysDisabled => (400, 417),
            Error::PasskeyCeremonyUnknown => (400, 640),
            Error::PasskeyVerificationFailed => (400, 641),
            Error::PasskeyLimitReached => (400, 642),
            Error::PasskeyNotFound => (404, 643),
            Error::Internal { .. } => (500, 500),
            Error::Unavailable { .. } => (503, 503),
        };
        let message = match self {
            Error::Internal { .. } => "internal server error".to_owned(),
            Error::SettingsInvalid { .. } => "app settings are invalid".to_owned(),
            other => other.to_string(),
        };
        WireError {
            status,
            code,
            message,
        }
    }

    /// A 500 with no underlying error: `context` says what went wrong.
    pub fn internal(context: impl Into<String>) -> Self {
        Error::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// The error with its chain of causes, for the log: `internal: sign user jwt: <cause>: …`.
    pub fn report(&self) -> String {
        let mut line = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            line.push_str(": ");
            line.push_str(&c.to_string());
            cause = c.source();
        }
        line
    }

    /// Shorthand for a 602 with a reason.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Error::InvalidData(reason.into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            // A cursor comes from the client: a mangled one is bad input, not a failure.
            StoreError::BadCursor => Error::invalid("cursor is not valid"),
            // Load shedding: the client may retry the same request (nothing was written).
            StoreError::Throttled(reason) => {
                tracing::warn!(reason, "store throttled after the SDK's retries");
                Error::Unavailable {
                    retry_after_secs: UNAVAILABLE_RETRY_AFTER_SECS,
                }
            }
            other => other.context("store"),
        }
    }
}

/// What a 503 asks the client to wait: DynamoDB's throughput recovers within seconds (adaptive
/// capacity, on-demand scaling), and a short wait spreads the retries of many clients.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 2;

/// Turns any error into [`Error::Internal`] with a line of context, keeping it as the source:
/// `.context("sign user jwt")?`.
pub trait Context<T> {
    /// The error becomes the source of an internal error saying what was being done.
    fn context(self, what: impl Into<String>) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.context(what))
    }
}

/// [`Context`] for a bare error.
pub trait ErrorContext {
    /// This error as the source of an internal error saying what was being done.
    fn context(self, what: impl Into<String>) -> Error;
}

impl<E: std::error::Error + Send + Sync + 'static> ErrorContext for E {
    fn context(self, what: impl Into<String>) -> Error {
        Error::Internal {
            context: what.into(),
            source: Some(Box::new(self)),
        }
    }
}

/// The domain's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
