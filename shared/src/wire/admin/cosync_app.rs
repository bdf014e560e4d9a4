//! `POST /admin/import/cosync/app`: a CosyncJWT app document and its key pair, and the app
//! created from them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::apps::AppView;
use crate::domain::admin::import::cosync_app;

/// `{app, privateKeyPem, publicKeyPem?, dryRun?}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CosyncAppRequest {
    /// The original's `apps.jsonl` document, relaxed Extended JSON v2 as `mongoexport` writes it.
    #[schema(value_type = Object)]
    app: serde_json::Value,
    /// The app's RSA private key, unencrypted PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 PEM, at least
    /// 2048 bits (the CLI decrypts the export's `appPrivateKey` with `COSYNC_ENCRYPT_KEY`).
    #[serde(default)]
    private_key_pem: Option<String>,
    /// The app's public key PEM (`appPublicKey`), when known: the private key must be its pair.
    #[serde(default)]
    public_key_pem: Option<String>,
    /// Check everything and write nothing.
    #[serde(default)]
    dry_run: bool,
}

convert!(CosyncAppRequest => cosync_app::CosyncAppRequest { app, private_key_pem, public_key_pem, dry_run });

/// The app created (or, in a dry run, checked) and what did not come over.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CosyncAppReply {
    dry_run: bool,
    /// The original's app id, now the Keyturn app's.
    app_id: String,
    /// The imported key's `kid`: the JWTs it signs verify with the original's public key.
    kid: String,
    /// Whether the original's app token keeps working (until the first `app-token/rotate`).
    legacy_app_token: bool,
    /// What was mapped specially or left out, one sentence each.
    notes: Vec<String>,
    /// The app as created, with its new Keyturn app token; `null` in a dry run.
    app: Option<AppView>,
}

impl From<cosync_app::CreatedCosyncApp> for CosyncAppReply {
    fn from(c: cosync_app::CreatedCosyncApp) -> Self {
        Self {
            dry_run: c.dry_run,
            app_id: c.app_id,
            kid: c.kid,
            legacy_app_token: c.legacy_app_token,
            notes: c.notes,
            app: c.app.map(AppView::from),
        }
    }
}
