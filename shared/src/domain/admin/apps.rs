//! Apps: create one (with its own RSA-2048 signing key), read it, change its settings.

use serde_json::{Map, Value};

use crate::crypto::service_token::ServiceTokens;
use crate::crypto::signing_key::{self, Bits, KeyRing, PrivateKey};
use crate::domain::RequestContext;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::paging::{self, Page, PageRequest};
use crate::domain::common::repo::{self, StoredApp, retry_on_conflict};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus, Settings, decode_stored};
use crate::domain::records::table_keys;
use crate::error::{Context, Error, Result};
use crate::secrets::SecretStore as _;
use crate::store::Condition;

/// The body of `POST /admin/apps` and `PATCH /admin/apps/{appId}`: the name, the status and any
/// settings by their wire names (docs/settings.md lists them), as the wire layer decoded them. A
/// field sent as `null` is `Some(None)`, so a PATCH can tell "clear" (refused) from "leave alone".
#[derive(Debug, Clone, Default)]
pub struct AppRequest {
    /// Display name, 1 to 100 characters; required to create.
    pub name: Option<Option<String>>,
    /// `active` or `inactive`.
    pub status: Option<Option<AppStatus>>,
    /// Every other field: settings, validated as a whole by [`Settings::patched`].
    pub settings: Map<String, Value>,
}

impl AppRequest {
    fn name(&self, required: bool) -> Result<Option<String>> {
        match &self.name {
            Some(Some(n)) if !n.trim().is_empty() && n.trim().len() <= 100 => {
                Ok(Some(n.trim().to_owned()))
            }
            None if !required => Ok(None),
            None => Err(Error::MissingParam("name")),
            Some(_) => Err(Error::invalid(
                "name must be a string of 1 to 100 characters",
            )),
        }
    }

    /// The names of the fields this request sets, for the audit trail (names, never values:
    /// `appData` may hold anything).
    fn changed_names(&self) -> Vec<String> {
        let fixed = [
            ("name", self.name.is_some()),
            ("status", self.status.is_some()),
        ];
        let mut names: Vec<String> = fixed
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| n.to_owned())
            .chain(self.settings.keys().cloned())
            .collect();
        names.sort();
        names
    }

    fn status(&self) -> Result<Option<AppStatus>> {
        match self.status {
            None => Ok(None),
            // Only `DELETE` starts a deletion, and nothing ends one but its completion.
            Some(Some(AppStatus::Deleting)) | Some(None) => {
                Err(Error::invalid("status must be active or inactive"))
            }
            Some(Some(s)) => Ok(Some(s)),
        }
    }
}

/// An app as the admin sees it: the record with a fresh app token and the issuer, so the
/// developer can configure clients and JWT consumers from one answer. When a hand edit broke the
/// stored settings, the app still shows (its settings the defaults) with the settings as stored
/// and what is wrong with them, so the developer can see and fix them.
#[derive(Debug, Clone, PartialEq)]
pub struct AppDetails {
    /// The app (its settings the defaults when `broken_settings` is set).
    pub app: App,
    /// The app token, issued for the record's current `tokenIssuedAt`.
    pub app_token: String,
    /// The issuer of the app's user JWTs, on this request's base URL.
    pub issuer: String,
    /// The settings as stored, when they do not decode.
    pub broken_settings: Option<BrokenSettings>,
}

/// Stored settings a hand edit broke: shown as stored, beside the problem, because only the
/// developer can say what they meant.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenSettings {
    /// The settings attribute as stored.
    pub stored: Map<String, Value>,
    /// The attribute's path and the problem (`settings.signupFlow: unknown variant ...`).
    pub problem: String,
}

/// The admin view of `app` (also of an app the CosyncJWT import created).
pub(super) fn details(state: &AppState, app: App, ctx: &RequestContext) -> Result<AppDetails> {
    let app_token = state
        .tokens
        .issue_app(&ServiceTokens::app_claims(&app.app_id, app.token_issued_at))?;
    Ok(AppDetails {
        issuer: app.issuer(&ctx.base_url),
        app_token,
        app,
        broken_settings: None,
    })
}

/// `POST /admin/apps` `{"name", ...settings}`: a new app with its own RSA-2048 signing key.
pub async fn create_app(
    state: &AppState,
    req: AppRequest,
    ctx: &RequestContext,
) -> Result<AppDetails> {
    let name = req.name(true)?.ok_or(Error::MissingParam("name"))?;
    let settings = Settings::default().patched(&req.settings)?;
    let (private, public) = tokio::task::spawn_blocking(|| signing_key::generate(Bits::Rsa2048))
        .await
        .context("keygen task")??;
    let now = state.clock.now_ms();
    let app = App {
        app_id: state.codes.random_hex(16),
        name,
        status: AppStatus::Active,
        created_at: now,
        updated_at: now,
        token_issued_at: state.clock.now_secs(),
        current_kid: Some(public.kid.clone()),
        public_keys: vec![public],
        settings,
        twilio: None,
        staged_kid: None,
        previous_app_token: None,
        legacy_app_token: None,
    };
    // Retrying after a failure creates a fresh app (and id).
    store_new_app(state, &app, private).await?;
    tracing::info!(app_id = %app.app_id, "admin: app created");
    audit::record_admin(state, ctx, Event::new(&app, Kind::AdminAppCreated)).await?;
    details(state, app, ctx)
}

/// Stores a new app: its key ring first, so an app record never names a key that does not
/// exist (a failure in between leaves only an unreferenced secret), then the record, only if no
/// app has its id (409/634 otherwise: nothing is overwritten).
pub(super) async fn store_new_app(state: &AppState, app: &App, key: PrivateKey) -> Result<()> {
    state
        .secrets
        .put(
            &state.config.app_key_secret_name(&app.app_id),
            &KeyRing::new(key).to_secret()?,
        )
        .await
        .context("store the app's key ring")?;
    match state
        .store
        .put(repo::app_item(app, 1)?, Condition::Absent)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) if e.is_conflict() => Err(Error::AppIdTaken),
        Err(e) => Err(e.into()),
    }
}

/// An app record whose settings do not decode, split into the rest of the app (its settings the
/// defaults, only to build a view or a repair on) and the settings as stored. 630 when the rest
/// is broken too: only a hand edit can repair that.
fn split_broken(stored: &StoredApp, problem: &str) -> Result<(App, Map<String, Value>)> {
    let invalid = || Error::SettingsInvalid {
        app_id: stored
            .record
            .get("appId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        problem: problem.to_owned(),
    };
    let mut record = stored.record.clone();
    let fields = record.as_object_mut().ok_or_else(invalid)?;
    let settings = match fields.insert("settings".into(), Value::Object(Map::new())) {
        Some(Value::Object(settings)) => settings,
        _ => Map::new(),
    };
    let app = decode_stored(&record).map_err(|_| invalid())?;
    Ok((app, settings))
}

/// `GET /admin/apps/{appId}`: read from the store (never a warm cache), and answered even when
/// the stored settings are invalid, with `settingsError` saying why; an app being deleted shows
/// with status `deleting`.
pub async fn get_app(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<AppDetails> {
    let stored = repo::stored_app(state, app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    match &stored.app {
        Ok(app) => details(state, app.clone(), ctx),
        Err(problem) => {
            let (app, settings) = split_broken(&stored, problem)?;
            let mut details = details(state, app, ctx)?;
            details.broken_settings = Some(BrokenSettings {
                stored: settings,
                problem: problem.clone(),
            });
            Ok(details)
        }
    }
}

/// `GET /admin/apps?limit=&cursor=`: one page of apps in id order, through the index partition
/// `APPS` (one query per page, never a scan). Apps being deleted are listed (status
/// `deleting`), so an interrupted deletion can be found and resumed.
pub async fn list_apps(state: &AppState, page: PageRequest) -> Result<Page<App>> {
    let pk = table_keys::app_listing("").pk;
    paging::page(state, pk, String::new(), page, |app: App| app).await
}

/// `PATCH /admin/apps/{appId}`: settings by their wire names, validated as a whole and written
/// with a version check (retried on a concurrent change). Stored settings a hand edit broke are
/// patched as stored, so a PATCH that fixes them repairs the app.
pub async fn patch_app(
    state: &AppState,
    app_id: &str,
    req: AppRequest,
    ctx: &RequestContext,
) -> Result<AppDetails> {
    let name = req.name(false)?;
    let status = req.status()?;
    let (req, name) = (&req, &name);
    let app = retry_on_conflict("app", || async move {
        let stored = repo::stored_app(state, app_id)
            .await?
            .ok_or(Error::AppNotFound)?;
        let version = stored.version;
        let mut app = match &stored.app {
            Ok(app) => {
                let mut app = app.clone();
                app.settings = app.settings.patched(&req.settings)?;
                app
            }
            Err(problem) => {
                let (mut app, settings) = split_broken(&stored, problem)?;
                app.settings = Settings::patched_raw(settings, &req.settings)?;
                app
            }
        };
        if app.status == AppStatus::Deleting {
            // Only the deletion itself may touch an app being deleted.
            return Err(Error::AppNotFound);
        }
        if let Some(n) = name {
            app.name = n.clone();
        }
        if let Some(s) = status {
            app.status = s;
        }
        repo::put_app(state, app, version).await
    })
    .await?;
    tracing::info!(app_id = %app.app_id, "admin: app updated");
    let event = Event::new(&app, Kind::AdminAppUpdated).detail("changed", req.changed_names());
    audit::record_admin(state, ctx, event).await?;
    details(state, app, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_name_is_refused_and_an_absent_one_required_only_to_create() {
        let cleared = AppRequest {
            name: Some(None),
            ..AppRequest::default()
        };
        assert_eq!(cleared.name(false).unwrap_err().wire().code, 602);
        assert!(cleared.status().unwrap().is_none());
        let status_only = AppRequest {
            status: Some(Some(AppStatus::Inactive)),
            ..AppRequest::default()
        };
        assert_eq!(status_only.name(true).unwrap_err().wire().code, 403);
        assert_eq!(status_only.status().unwrap(), Some(AppStatus::Inactive));
        let deleting = AppRequest {
            status: Some(Some(AppStatus::Deleting)),
            ..AppRequest::default()
        };
        assert_eq!(deleting.status().unwrap_err().wire().code, 602);
    }
}
