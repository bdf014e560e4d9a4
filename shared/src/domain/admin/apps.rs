//! Apps: create one (with its own RSA-2048 signing key), read it, change its settings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::present;
use crate::clock::iso_millis;
use crate::crypto::service_token::ServiceTokens;
use crate::crypto::signing_key::{self, Bits, KeyRing};
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
/// settings by their wire names (docs/settings.md lists them).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppRequest {
    /// Display name, 1 to 100 characters; required to create.
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    /// `active` or `inactive`.
    #[serde(default, deserialize_with = "present")]
    pub status: Option<Option<AppStatus>>,
    /// Every other field: settings, validated as a whole by [`Settings::patched`].
    #[serde(flatten)]
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

/// The admin view of an app: every setting plus the app token and issuer (no private keys).
/// When the stored settings are invalid (a hand edit), it shows them as stored plus
/// `settingsError` naming the attribute and the problem, so the developer can see and fix them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    /// Documented as the valid settings; a hand-broken item shows its stored values instead.
    #[serde(flatten)]
    #[schema(value_type = Settings)]
    settings: ShownSettings,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings_error: Option<String>,
    app_id: String,
    app_token: String,
    name: String,
    status: AppStatus,
    issuer: String,
    jwks_uri: String,
    created_at: String,
    updated_at: String,
    twilio: TwilioView,
}

/// The settings an [`AppView`] shows: the valid ones, or those stored when they are invalid.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum ShownSettings {
    Valid(Box<Settings>),
    Stored(Map<String, Value>),
}

/// The app's Twilio account as the admin sees it: SID and number, and only whether a token is
/// set (it is write-only).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwilioView {
    #[serde(skip_serializing_if = "Option::is_none")]
    account_sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    auth_token_set: bool,
}

fn app_view(state: &AppState, app: &App, ctx: &RequestContext) -> Result<AppView> {
    let app_token = state
        .tokens
        .issue(&ServiceTokens::app_claims(&app.app_id, app.token_issued_at))?;
    let issuer = app.issuer(&ctx.base_url);
    Ok(AppView {
        settings: ShownSettings::Valid(Box::new(app.settings.clone())),
        settings_error: None,
        app_id: app.app_id.clone(),
        app_token,
        name: app.name.clone(),
        status: app.status,
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        created_at: iso_millis(app.created_at),
        updated_at: iso_millis(app.updated_at),
        twilio: TwilioView {
            account_sid: app.twilio.as_ref().map(|t| t.account_sid.clone()),
            phone_number: app.twilio.as_ref().map(|t| t.phone_number.clone()),
            auth_token_set: app.twilio.is_some(),
        },
    })
}

/// `POST /admin/apps` `{"name", ...settings}`: a new app with its own RSA-2048 signing key.
pub async fn create_app(
    state: &AppState,
    req: AppRequest,
    ctx: &RequestContext,
) -> Result<AppView> {
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
    };
    // The key first: an app record never points at a key that does not exist. A failure after
    // this leaves only an unreferenced secret; retrying creates a fresh app.
    state
        .secrets
        .put(
            &state.config.app_key_secret_name(&app.app_id),
            &KeyRing::new(private).to_secret()?,
        )
        .await
        .context("store the app's key ring")?;
    state
        .store
        .put(repo::app_item(&app, 1)?, Condition::Absent)
        .await?;
    tracing::info!(app_id = %app.app_id, "admin: app created");
    audit::record_admin(state, ctx, Event::new(&app, Kind::AdminAppCreated)).await?;
    app_view(state, &app, ctx)
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
pub async fn get_app(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<AppView> {
    let stored = repo::stored_app(state, app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    match &stored.app {
        Ok(app) => app_view(state, app, ctx),
        Err(problem) => {
            let (app, settings) = split_broken(&stored, problem)?;
            let mut view = app_view(state, &app, ctx)?;
            view.settings = ShownSettings::Stored(settings);
            view.settings_error = Some(problem.clone());
            Ok(view)
        }
    }
}

/// One app in the listing: enough to pick it (details through `GET /admin/apps/{appId}`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    app_id: String,
    name: String,
    status: AppStatus,
    created_at: String,
    updated_at: String,
}

/// `GET /admin/apps?limit=&cursor=`: one page of apps in id order, through the index partition
/// `APPS` (one query per page, never a scan). Apps being deleted are listed (status
/// `deleting`), so an interrupted deletion can be found and resumed.
pub async fn list_apps(state: &AppState, page: PageRequest) -> Result<Page<AppSummary>> {
    let pk = table_keys::app_listing("").pk;
    paging::page(state, pk, String::new(), page, |app: App| AppSummary {
        app_id: app.app_id,
        name: app.name,
        status: app.status,
        created_at: iso_millis(app.created_at),
        updated_at: iso_millis(app.updated_at),
    })
    .await
}

/// `PATCH /admin/apps/{appId}`: settings by their wire names, validated as a whole and written
/// with a version check (retried on a concurrent change). Stored settings a hand edit broke are
/// patched as stored, so a PATCH that fixes them repairs the app.
pub async fn patch_app(
    state: &AppState,
    app_id: &str,
    req: AppRequest,
    ctx: &RequestContext,
) -> Result<AppView> {
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
    app_view(state, &app, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_requests_tell_null_from_absent() {
        let req: AppRequest = serde_json::from_str(r#"{"name":null,"signupFlow":"link"}"#).unwrap();
        assert_eq!(req.name(false).unwrap_err().wire().code, 602);
        assert!(req.status().unwrap().is_none());
        assert_eq!(req.settings.len(), 1);
        let req: AppRequest = serde_json::from_str(r#"{"status":"inactive"}"#).unwrap();
        assert_eq!(req.name(true).unwrap_err().wire().code, 403);
        assert_eq!(req.status().unwrap(), Some(AppStatus::Inactive));
    }
}
