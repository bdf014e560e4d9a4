//! Where the adapters are chosen and built: the one place above the domain that names DynamoDB,
//! Secrets Manager, SES, Twilio, SQLite, the key file and the outbox, and hands them to the
//! domain as its port bundle ([`AppState`]). The Lambda door and the local runner call these
//! once; nothing on a request path does.

use std::path::Path;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::codes::OsCodes;
use crate::domain::ports::jwks::{FetchedJwks, JwksFetcher};
use crate::domain::ports::{AppState, Config, Ports};
use crate::domain::records::social::Provider;
use crate::error::{Context, Error, Result};
use crate::mail::outbox::Outbox;

impl AppState {
    /// Production state: DynamoDB, Secrets Manager and SES clients built once from the Lambda
    /// environment (`KEYTURN_TABLE`, `KEYTURN_SECRET_PREFIX`, `KEYTURN_MAIL_FROM`, …).
    pub async fn from_aws() -> Result<Self> {
        let sdk = crate::net::lambda_sdk_config().map_err(Error::internal)?;
        let table = std::env::var("KEYTURN_TABLE").context("KEYTURN_TABLE is not set")?;
        let from = std::env::var("KEYTURN_MAIL_FROM").unwrap_or_default();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let config = Config::from_env();
        let sms = crate::sms::twilio::TwilioSms::new(config.twilio_base_url.as_deref())
            .context("sms client")?;
        let ports = Ports {
            store: Arc::new(crate::store::dynamo::DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&sdk),
                table,
                clock.clone(),
            )),
            secrets: Arc::new(crate::secrets::aws::SecretsManagerStore::new(
                aws_sdk_secretsmanager::Client::new(&sdk),
            )),
            mailer: Arc::new(crate::mail::ses::SesMailer::new(
                aws_sdk_ses::Client::new(&sdk),
                from,
            )),
            sms: Arc::new(sms),
            clock,
            codes: Arc::new(OsCodes),
            outbox: None,
            jwks: Arc::new(ProviderKeys::from_env()?),
        };
        let state = AppState::new(ports, config, false).await?;
        // One read per cold start: a replaced secret stops here, not at every login.
        state.check_service_secret().await?;
        Ok(state)
    }

    /// Local state over `data_dir`: SQLite file, key file and outbox, all created on first run.
    pub async fn local(data_dir: &Path, config: Config) -> Result<Self> {
        Self::local_with_jwks(data_dir, config, ProviderKeys::from_env()?).await
    }

    /// [`AppState::local`] with the providers' keys fetched by `jwks` (`keyturn serve
    /// --fake-social` points it at its own fake issuer).
    pub async fn local_with_jwks(
        data_dir: &Path,
        config: Config,
        jwks: ProviderKeys,
    ) -> Result<Self> {
        std::fs::create_dir_all(data_dir).context(format!("data dir {}", data_dir.display()))?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let outbox = Arc::new(Outbox::open(data_dir, clock.clone()).context("open the outbox")?);
        let ports = Ports {
            store: Arc::new(
                crate::store::sqlite::SqliteStore::open(
                    &data_dir.join("keyturn.sqlite3"),
                    clock.clone(),
                )
                .context("open the SQLite store")?,
            ),
            secrets: Arc::new(
                crate::secrets::local::KeyFileStore::open(&data_dir.join("secrets.json"))
                    .context("open the key file")?,
            ),
            mailer: outbox.clone(),
            sms: outbox.clone(),
            clock,
            codes: Arc::new(OsCodes),
            outbox: Some(outbox),
            jwks: Arc::new(jwks),
        };
        let state = AppState::new(ports, config, true).await?;
        state.check_service_secret().await?;
        Ok(state)
    }
}

/// Apple's JWKS URL: fixed, never taken from a token or a discovery document.
pub const APPLE_JWKS_URL: &str = "https://appleid.apple.com/auth/keys";
/// Google's JWKS URL (the v3 JWK form of its certificates).
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// The [`JwksFetcher`] adapter: reqwest over rustls + ring with short timeouts (2 s to connect,
/// 3 s in all, so a slow provider costs a login seconds, not the function's whole timeout).
pub struct ProviderKeys {
    client: reqwest::Client,
    apple_url: String,
    google_url: String,
}

impl ProviderKeys {
    /// The fixed URLs, or `KEYTURN_APPLE_JWKS_URL` / `KEYTURN_GOOGLE_JWKS_URL` when set (tests
    /// and the local runner's fake issuer; `http://` only for loopback hosts).
    pub fn from_env() -> Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self::new(
            var("KEYTURN_APPLE_JWKS_URL").as_deref(),
            var("KEYTURN_GOOGLE_JWKS_URL").as_deref(),
        )
    }

    /// Over the given URLs (the real ones when `None`); refuses a plain-HTTP URL off loopback.
    pub fn new(apple: Option<&str>, google: Option<&str>) -> Result<Self> {
        let apple_url = apple.unwrap_or(APPLE_JWKS_URL).to_owned();
        let google_url = google.unwrap_or(GOOGLE_JWKS_URL).to_owned();
        for url in [&apple_url, &google_url] {
            if !crate::net::allowed_fetch_url(url) {
                return Err(Error::internal(format!(
                    "JWKS URL {url} must be https:// (http:// only on loopback)"
                )));
            }
        }
        let client = crate::net::https_client_builder()
            .connect_timeout(std::time::Duration::from_secs(2))
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .context("JWKS client")?;
        Ok(Self {
            client,
            apple_url,
            google_url,
        })
    }
}

#[async_trait::async_trait]
impl JwksFetcher for ProviderKeys {
    async fn fetch(&self, provider: Provider) -> std::result::Result<FetchedJwks, String> {
        let url = match provider {
            Provider::Apple => &self.apple_url,
            Provider::Google => &self.google_url,
        };
        let (body, max_age_secs) = crate::net::get_with_max_age(&self.client, url).await?;
        Ok(FetchedJwks { body, max_age_secs })
    }
}
