//! [`AppState`]: the port bundle the domain needs (store, secrets, mailer, SMS, clock, codes),
//! the crypto services keyed from the service secret, the deployment's [`Config`] and the
//! warm-instance caches. Defined here, at the domain's own floor, over the port traits only: the
//! adapters (SQLite, DynamoDB, SES, Twilio, …) are chosen and built above the domain, in
//! [`crate::assemble`], once per cold start (Lambda) or once at local start, then shared by
//! every request.

pub mod app_cache;
pub mod jwks;
pub mod secret_check;

use std::sync::Arc;

use crate::clock::Clock;
use crate::codes::CodeGenerator;
use crate::crypto::keyed::CodeHasher;
use crate::crypto::keyring::{ServiceSecret, purpose};
use crate::crypto::password::{Cost, Passwords};
use crate::crypto::seal::Sealer;
use crate::crypto::service_token::ServiceTokens;
use crate::domain::ports::app_cache::{AppCache, InvalidatingStore};
use crate::error::{Context, Error, Result};
use crate::mail::Mailer;
use crate::mail::outbox::Outbox;
use crate::secrets::{CachedSecrets, SecretStore};
use crate::sms::Sms;

use crate::store::ItemStore;

/// The base URL when neither a public URL is configured nor API Gateway names its domain: the
/// local runner's default address (`keyturn serve` configures its real bound address).
pub const LOCAL_BASE_URL: &str = "http://127.0.0.1:8787";

/// Deployment settings, read from the environment once.
#[derive(Debug, Clone)]
pub struct Config {
    /// Public base URL (`https://api.example.com`); when empty, API Gateway's domain (Lambda) or
    /// the local bound address, never a header the client controls.
    pub public_url: Option<String>,
    /// Prefix of every secret name (`keyturn/<stack>`).
    pub secret_prefix: String,
    /// Hex SHA-256 of the admin API key, when provisioned by the deployment (SAM parameter);
    /// otherwise the hash stored by the local runner is used.
    pub admin_key_sha256: Option<String>,
    /// Argon2id cost.
    pub password_cost: Cost,
    /// Base URL of the Twilio API (`KEYTURN_TWILIO_BASE_URL`); Twilio's own when unset.
    pub twilio_base_url: Option<String>,
    /// Browser origins whose CORS preflights are answered (`KEYTURN_CORS_ORIGINS`, comma
    /// separated): the local twin of the stack's `CorsAllowOrigins` (see [`crate::http::cors`]).
    pub cors_origins: Vec<String>,
    /// How long a warm instance serves an app's settings from memory
    /// (`KEYTURN_SETTINGS_CACHE_SECS`, default and maximum 30, 0 = off; see [`crate::domain::ports::app_cache`]).
    pub settings_cache_secs: u64,
}

impl Config {
    /// Settings from `KEYTURN_*` environment variables, with production defaults.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            public_url: var("KEYTURN_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
            secret_prefix: var("KEYTURN_SECRET_PREFIX").unwrap_or_else(|| "keyturn/local".into()),
            admin_key_sha256: var("KEYTURN_ADMIN_KEY_SHA256").map(|h| h.to_ascii_lowercase()),
            password_cost: Cost::OWASP,
            twilio_base_url: var("KEYTURN_TWILIO_BASE_URL"),
            cors_origins: var("KEYTURN_CORS_ORIGINS")
                .map(|list| {
                    list.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            settings_cache_secs: var("KEYTURN_SETTINGS_CACHE_SECS")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(crate::domain::ports::app_cache::MAX_TTL_SECS),
        }
    }

    /// Name of an app's Twilio credentials secret (read only by the functions that send SMS).
    pub fn twilio_secret_name(&self, app_id: &str) -> String {
        format!("{}/apps/{app_id}/twilio", self.secret_prefix)
    }

    /// Name of the service master secret.
    pub fn service_secret_name(&self) -> String {
        format!("{}/service", self.secret_prefix)
    }

    /// Name of an app's signing-key secret.
    pub fn app_key_secret_name(&self, app_id: &str) -> String {
        format!("{}/apps/{app_id}/signing-key", self.secret_prefix)
    }
}

/// The adapters a state is built over.
pub struct Ports {
    /// Item store.
    pub store: Arc<dyn ItemStore>,
    /// Secret backend (wrapped in a cache by [`AppState::new`]).
    pub secrets: Arc<dyn SecretStore>,
    /// Mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// SMS transport.
    pub sms: Arc<dyn Sms>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Code generator.
    pub codes: Arc<dyn CodeGenerator>,
    /// The local outbox, routed at `/local/outbox` by the local runner only.
    pub outbox: Option<Arc<Outbox>>,
    /// Apple's and Google's JWKS documents (cached by [`AppState::social_keys`]).
    pub jwks: Arc<dyn jwks::JwksFetcher>,
}

/// Everything a request needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts behind [`AppState`].
pub struct Inner {
    /// Item store.
    pub store: Arc<dyn ItemStore>,
    /// Cached secrets.
    pub secrets: Arc<CachedSecrets>,
    /// Mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// SMS transport.
    pub sms: Arc<dyn Sms>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Code generator.
    pub codes: Arc<dyn CodeGenerator>,
    /// Local outbox (local runner only).
    pub outbox: Option<Arc<Outbox>>,
    /// Service-token signer/verifier.
    pub tokens: ServiceTokens,
    /// Keyed hashing of one-time codes.
    pub code_hasher: CodeHasher,
    /// Password hashing.
    pub passwords: Passwords,
    /// AES-256-GCM sealing of secrets at rest (TOTP secrets).
    pub sealer: Sealer,
    /// The service secret's versions (current first) with each one's canary digest, checked
    /// against the table at start ([`secret_check`]).
    pub secret_versions: Vec<(u32, String)>,
    /// Deployment settings.
    pub config: Config,
    /// How long sending a reset mail takes here (see [`crate::clock::Pace`]).
    pub reset_mail_pace: crate::clock::Pace,
    /// How long storing and mailing an invite takes here, waited out when the invited handle
    /// already has an account (see [`crate::clock::Pace`]).
    pub invite_mail_pace: crate::clock::Pace,
    /// How long texting a verification code takes here, waited out when `setPhone` names a
    /// number verified already, so timing does not tell which numbers are (see
    /// [`crate::clock::Pace`]).
    pub sms_pace: crate::clock::Pace,
    /// App signing keys parsed once per warm instance.
    pub signing_keys: crate::crypto::signing_key::ParsedKeys,
    /// Decoded app records, served for at most the settings TTL (see [`crate::domain::ports::app_cache`]).
    pub apps: Arc<AppCache>,
    /// Apple's and Google's signing keys, cached per warm instance (see [`jwks`]).
    pub social_keys: Arc<jwks::JwksCache>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state: reads the service master secret once (creating it when
    /// `create_missing_secret`, as the local runner does; SAM creates it in AWS) and derives the
    /// token, code, pepper and sealing keys of each of its versions (see
    /// [`crate::crypto::keyring`]). The runners then check it against the table
    /// ([`AppState::check_service_secret`]).
    pub async fn new(ports: Ports, config: Config, create_missing_secret: bool) -> Result<Self> {
        let secrets = Arc::new(CachedSecrets::new(ports.secrets));
        let name = config.service_secret_name();
        let raw = secrets
            .get(&name)
            .await
            .context(format!("read secret {name}"))?;
        let secret = match raw {
            Some(raw) => ServiceSecret::parse(&raw)
                .map_err(|why| Error::internal(format!("secret {name} {why}")))?,
            None if create_missing_secret => {
                let secret =
                    ServiceSecret::first(ports.codes.random_hex(32)).map_err(Error::internal)?;
                secrets
                    .put(&name, &secret.to_json())
                    .await
                    .context(format!("create secret {name}"))?;
                secret
            }
            None => return Err(Error::internal(format!("secret {name} is missing"))),
        };
        // Every write through the state's store forgets the app records it touches.
        let apps = Arc::new(AppCache::new(config.settings_cache_secs));
        let store: Arc<dyn ItemStore> = Arc::new(InvalidatingStore::new(ports.store, apps.clone()));
        let passwords = Passwords::versioned(secret.keys(purpose::PEPPER), config.password_cost)?;
        Ok(Self(Arc::new(Inner {
            store,
            secrets,
            mailer: ports.mailer,
            sms: ports.sms,
            clock: ports.clock,
            codes: ports.codes,
            outbox: ports.outbox,
            tokens: ServiceTokens::versioned(
                secret.keys(purpose::SERVICE_TOKENS),
                secret.app_tokens_key(),
            ),
            code_hasher: CodeHasher::versioned(
                secret.keys(purpose::CODES),
                secret.stable_codes_key(),
            ),
            passwords,
            sealer: Sealer::versioned(&secret.keys(purpose::SEALED))?,
            secret_versions: secret_check::digests(&secret),
            config,
            reset_mail_pace: crate::clock::Pace::default(),
            invite_mail_pace: crate::clock::Pace::default(),
            sms_pace: crate::clock::Pace::default(),
            signing_keys: crate::crypto::signing_key::ParsedKeys::default(),
            apps,
            social_keys: Arc::new(jwks::JwksCache::new(ports.jwks)),
        })))
    }
}
