//! Where the adapters are chosen and built: the one place above the domain that names DynamoDB,
//! Secrets Manager, SES, Twilio, SQLite, the key file and the outbox, and hands them to the
//! domain as its port bundle ([`AppState`]). The Lambda door and the local runner call these
//! once; nothing on a request path does.

use std::path::Path;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::codes::OsCodes;
use crate::domain::ports::{AppState, Config, Ports};
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
        };
        AppState::new(ports, config, false).await
    }

    /// Local state over `data_dir`: SQLite file, key file and outbox, all created on first run.
    pub async fn local(data_dir: &Path, config: Config) -> Result<Self> {
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
        };
        AppState::new(ports, config, true).await
    }
}
