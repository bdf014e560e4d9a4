//! The developers' admin API: create, read and configure apps, behind an admin API key.
//!
//! The key is a high-entropy random string, so it is stored as a SHA-256 (a slow hash buys
//! nothing for 256 random bits) and compared in constant time. In AWS its hash comes from the
//! stack parameter; the local runner generates one on first start, prints it once and stores
//! only the hash. There is no never-expiring all-powerful token as in the original (S3).

use serde_json::{Map, Value};

use crate::AppState;
use crate::crypto::service_token::ServiceTokens;
use crate::crypto::signing_key::{self, Bits};
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::domain::app::{App, AppStatus, Settings};
use crate::domain::context::{ClientAddress, RequestContext};
use crate::domain::limits::{self, AddressFlow};
use crate::domain::session::KeyRing;
use crate::domain::{keys, repo};
use crate::error::{Error, Result};
use crate::secrets::SecretStore as _;
use crate::store::Condition;
use crate::wire::Reply;

/// Shortest admin key accepted: 32 characters (a generated key has 57, the README's
/// `openssl rand -hex 32` 64), so the key cannot be guessed even without the per-address limit.
pub const MIN_ADMIN_KEY_LEN: usize = 32;

/// The scope of the wrong-admin-key counters: the whole deployment, not one app (no app id is
/// ever `KEYTURN`, which is not 32 hex digits).
const ADMIN_SCOPE: &str = "KEYTURN";

/// Refuses the call (617) unless `bearer` is the admin key. Every presented key counts toward
/// the client address's limit ([`AddressFlow::AdminKey`]: 20 per hour) before it is compared,
/// and a right one gives its hit back; so once an address is limited even the right key gets
/// 615, and the answer is no oracle for guesses.
pub async fn authorize(
    state: &AppState,
    bearer: Option<&str>,
    client: &ClientAddress,
) -> Result<()> {
    let presented = bearer.ok_or(Error::InvalidAdminKey)?;
    limits::hit_address(state, ADMIN_SCOPE, client, AddressFlow::AdminKey).await?;
    if key_matches(state, presented).await? {
        limits::give_back_address(state, ADMIN_SCOPE, client, AddressFlow::AdminKey).await;
        Ok(())
    } else {
        tracing::warn!(client = %client.as_str(), "admin: wrong admin key");
        Err(Error::InvalidAdminKey)
    }
}

/// Whether `presented` hashes to the configured (or, locally, the stored) admin key hash,
/// compared in constant time.
async fn key_matches(state: &AppState, presented: &str) -> Result<bool> {
    let expected = match &state.config.admin_key_sha256 {
        Some(h) => h.clone(),
        None => state
            .store
            .get(&keys::admin_key())
            .await?
            .and_then(|i| {
                i.data
                    .get("sha256")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or(Error::InvalidAdminKey)?,
    };
    Ok(constant_time_eq(
        sha256_hex(presented).as_bytes(),
        expected.as_bytes(),
    ))
}

/// Local runner start-up: stores the hash of `provided` (from `KEYTURN_ADMIN_KEY`), or, when
/// none is given and none is stored yet, generates a key and returns it to be printed once. A
/// provided key shorter than [`MIN_ADMIN_KEY_LEN`] is refused (602) and nothing is stored.
pub async fn ensure_admin_key(state: &AppState, provided: Option<&str>) -> Result<Option<String>> {
    let key = keys::admin_key();
    if let Some(k) = provided {
        if k.chars().count() < MIN_ADMIN_KEY_LEN {
            return Err(Error::invalid(format!(
                "KEYTURN_ADMIN_KEY must be at least {MIN_ADMIN_KEY_LEN} characters \
                 (try: openssl rand -hex 32)"
            )));
        }
        let item = repo::item(key, &serde_json::json!({ "sha256": sha256_hex(k) }), 1)?;
        state.store.put(item, Condition::Any).await?;
        return Ok(None);
    }
    if state.store.get(&key).await?.is_some() {
        return Ok(None);
    }
    let generated = format!("kt_admin_{}", state.codes.random_hex(24));
    let item = repo::item(
        key,
        &serde_json::json!({ "sha256": sha256_hex(&generated) }),
        1,
    )?;
    match state.store.put(item, Condition::Absent).await {
        Ok(()) => Ok(Some(generated)),
        Err(e) if e.is_conflict() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn app_view(state: &AppState, app: &App, base: &str) -> Result<Reply> {
    let token = state
        .tokens
        .issue(&ServiceTokens::app_claims(&app.app_id, app.token_issued_at))?;
    let issuer = app.issuer(base);
    let mut view = match serde_json::to_value(&app.settings) {
        Ok(Value::Object(m)) => m,
        _ => return Err(Error::Internal("settings serialise".into())),
    };
    view.insert("appId".into(), Value::String(app.app_id.clone()));
    view.insert("appToken".into(), Value::String(token));
    view.insert("name".into(), Value::String(app.name.clone()));
    view.insert(
        "status".into(),
        serde_json::to_value(app.status).unwrap_or(Value::Null),
    );
    view.insert("issuer".into(), Value::String(issuer.clone()));
    view.insert(
        "jwksUri".into(),
        Value::String(format!("{issuer}/.well-known/jwks.json")),
    );
    view.insert(
        "createdAt".into(),
        Value::String(crate::clock::iso_millis(app.created_at)),
    );
    view.insert(
        "updatedAt".into(),
        Value::String(crate::clock::iso_millis(app.updated_at)),
    );
    Ok(Reply::Json(Value::Object(view)))
}

fn body_object(body: &[u8]) -> Result<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Error::invalid("body must be a JSON object")),
    }
}

fn take_name(patch: &mut Map<String, Value>, required: bool) -> Result<Option<String>> {
    match patch.remove("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.trim().len() <= 100 => {
            Ok(Some(n.trim().to_owned()))
        }
        None if !required => Ok(None),
        None => Err(Error::MissingParam("name")),
        Some(_) => Err(Error::invalid(
            "name must be a string of 1 to 100 characters",
        )),
    }
}

/// `POST /admin/apps` `{"name", ...settings}`: a new app with its own RSA-2048 signing key.
pub async fn create_app(state: &AppState, body: &[u8], ctx: &RequestContext) -> Result<Reply> {
    let mut patch = body_object(body)?;
    let name = take_name(&mut patch, true)?.ok_or(Error::MissingParam("name"))?;
    let settings = Settings::default().patched(&patch)?;
    let (private, public) = tokio::task::spawn_blocking(|| signing_key::generate(Bits::Rsa2048))
        .await
        .map_err(|e| Error::Internal(format!("keygen task: {e}")))??;
    let now = state.clock.now_ms();
    let app = App {
        app_id: state.codes.random_hex(16),
        name,
        status: AppStatus::Active,
        created_at: now,
        updated_at: now,
        token_issued_at: state.clock.now_secs(),
        public_keys: vec![public],
        settings,
    };
    // The key first: an app record never points at a key that does not exist. A failure after
    // this leaves only an unreferenced secret; retrying creates a fresh app.
    let ring = KeyRing {
        current: private,
        previous: Vec::new(),
    };
    let ring = serde_json::to_string(&ring).map_err(|e| Error::Internal(e.to_string()))?;
    state
        .secrets
        .put(&state.config.app_key_secret_name(&app.app_id), &ring)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    state
        .store
        .put(repo::app_item(&app, 1)?, Condition::Absent)
        .await?;
    tracing::info!(app_id = %app.app_id, "admin: app created");
    app_view(state, &app, &ctx.base_url)
}

/// `GET /admin/apps/{appId}`: every setting plus the app token and issuer (no private keys).
pub async fn get_app(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<Reply> {
    let (app, _) = repo::load_app(state, app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    app_view(state, &app, &ctx.base_url)
}

/// `PATCH /admin/apps/{appId}`: settings by their API.md §4 names, validated as a whole and
/// written with a version check (retried on a concurrent change).
pub async fn patch_app(
    state: &AppState,
    app_id: &str,
    body: &[u8],
    ctx: &RequestContext,
) -> Result<Reply> {
    let mut patch = body_object(body)?;
    let name = take_name(&mut patch, false)?;
    let status = match patch.remove("status") {
        None => None,
        Some(v) => Some(
            serde_json::from_value::<AppStatus>(v)
                .map_err(|_| Error::invalid("status must be active or inactive"))?,
        ),
    };
    for _ in 0..5 {
        let (mut app, version) = repo::load_app(state, app_id)
            .await?
            .ok_or(Error::AppNotFound)?;
        app.settings = app.settings.patched(&patch)?;
        if let Some(n) = &name {
            app.name = n.clone();
        }
        if let Some(s) = status {
            app.status = s;
        }
        app.updated_at = state.clock.now_ms();
        match state
            .store
            .put(
                repo::app_item(&app, version + 1)?,
                Condition::Version(version),
            )
            .await
        {
            Ok(()) => {
                tracing::info!(app_id = %app.app_id, "admin: app updated");
                return app_view(state, &app, &ctx.base_url);
            }
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal("app kept changing during update".into()))
}
