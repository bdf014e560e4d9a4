//! `POST`/`GET /admin/apps`, `GET`/`PATCH`/`DELETE /admin/apps/{appId}`: the app request, the
//! admin view of an app, the listing and the deletion's progress.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::present;
use crate::clock::iso_millis;
use crate::domain::admin::{apps, delete_app};
use crate::domain::records::app::{App, TwilioInfo};
use crate::wire::records::{AppStatus, Settings};

/// The body of `POST /admin/apps` and `PATCH /admin/apps/{appId}`: the name, the status and any
/// settings by their wire names. The settings stay a map: the domain patches them over the
/// stored ones and validates the result as a whole.
#[derive(Debug, Deserialize)]
pub struct AppRequest {
    #[serde(flatten)]
    identity: AppIdentity,
    #[serde(flatten)]
    settings: Map<String, Value>,
}

/// The two fields of an app request that are not settings; a schema of its own, so the request's
/// schema is derived from what decodes them.
#[derive(Debug, Default, Deserialize, ToSchema)]
struct AppIdentity {
    /// display name, 1 to 100 characters; required to create
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(inline, value_type = AppStatus)]
    status: Option<Option<AppStatus>>,
}

impl From<AppRequest> for apps::AppRequest {
    fn from(req: AppRequest) -> Self {
        let AppRequest {
            identity: AppIdentity { name, status },
            settings,
        } = req;
        Self {
            name,
            status: status.map(|s| s.map(Into::into)),
            settings,
        }
    }
}

/// The settings' schema (every one optional: a request names only what it sets) with the name
/// and status beside them; unknown names are refused, as the domain's decoding refuses them.
impl PartialSchema for AppRequest {
    fn schema() -> RefOr<Schema> {
        let mut request = object(Settings::schema());
        request.required.clear();
        request.description = Some("the app's name and status, and settings to change".into());
        request
            .properties
            .extend(object(AppIdentity::schema()).properties);
        RefOr::T(Schema::Object(request))
    }
}

impl ToSchema for AppRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <Settings as ToSchema>::schemas(schemas);
    }
}

/// The object a derived struct schema is.
fn object(schema: RefOr<Schema>) -> Object {
    match schema {
        RefOr::T(Schema::Object(o)) => o,
        _ => Object::new(),
    }
}

/// The admin view of an app: every setting plus the app token and issuer (no private keys).
/// When the stored settings are invalid (a hand edit), it shows them as stored plus
/// `settingsError` naming the attribute and the problem, so the developer can see and fix them.
#[derive(Serialize, ToSchema)]
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
#[derive(Serialize)]
#[serde(untagged)]
enum ShownSettings {
    Valid(Box<Settings>),
    Stored(Map<String, Value>),
}

impl From<apps::AppDetails> for AppView {
    fn from(details: apps::AppDetails) -> Self {
        let apps::AppDetails {
            app,
            app_token,
            issuer,
            broken_settings,
        } = details;
        let (settings, settings_error) = match broken_settings {
            None => (ShownSettings::Valid(Box::new(app.settings.into())), None),
            Some(broken) => (ShownSettings::Stored(broken.stored), Some(broken.problem)),
        };
        Self {
            settings,
            settings_error,
            app_id: app.app_id,
            app_token,
            name: app.name,
            status: app.status.into(),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            issuer,
            created_at: iso_millis(app.created_at),
            updated_at: iso_millis(app.updated_at),
            twilio: app.twilio.into(),
        }
    }
}

/// The app's Twilio account as the admin sees it: SID and number, and only whether a token is
/// set (it is write-only).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwilioView {
    #[serde(skip_serializing_if = "Option::is_none")]
    account_sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    auth_token_set: bool,
}

impl From<Option<TwilioInfo>> for TwilioView {
    fn from(twilio: Option<TwilioInfo>) -> Self {
        Self {
            auth_token_set: twilio.is_some(),
            account_sid: twilio.as_ref().map(|t| t.account_sid.clone()),
            phone_number: twilio.map(|t| t.phone_number),
        }
    }
}

/// One app in the listing: enough to pick it (details through `GET /admin/apps/{appId}`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    app_id: String,
    name: String,
    status: AppStatus,
    created_at: String,
    updated_at: String,
}

impl From<App> for AppSummary {
    fn from(app: App) -> Self {
        Self {
            app_id: app.app_id,
            name: app.name,
            status: app.status.into(),
            created_at: iso_millis(app.created_at),
            updated_at: iso_millis(app.updated_at),
        }
    }
}

page_reply! {
    /// One page of apps, in id order.
    AppPage {
        /// The apps.
        apps: Vec<AppSummary>
    } from App
}

/// `DELETE /admin/apps/{appId}`: `{"deleted": true}` (200), or `{"deleted": false, "remaining"}`
/// (202: call again).
#[derive(Serialize, ToSchema)]
pub struct AppDeletion {
    /// Whether the app is gone.
    deleted: bool,
    /// What is left (202 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining: Option<Remaining>,
}

impl AppDeletion {
    /// Whether another `DELETE` must continue, which the reply says with 202 rather than 200.
    pub fn continues(&self) -> bool {
        !self.deleted
    }
}

impl From<delete_app::Deletion> for AppDeletion {
    fn from(deletion: delete_app::Deletion) -> Self {
        match deletion {
            delete_app::Deletion::Done => Self {
                deleted: true,
                remaining: None,
            },
            delete_app::Deletion::Remaining(r) => Self {
                deleted: false,
                remaining: Some(r.into()),
            },
        }
    }
}

/// What is left of an app being deleted (each count stops at 100, see `capped`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Remaining {
    /// Users not yet deleted.
    users: usize,
    /// Invites not yet deleted.
    invites: usize,
    /// Templates not yet deleted.
    templates: usize,
    /// Audit entries not yet deleted (each listed in one of the app's audit index shards).
    audit_entries: usize,
    /// Whether some count reached 100 (there may be more).
    capped: bool,
}

convert!(delete_app::Remaining => Remaining {
    users,
    invites,
    templates,
    audit_entries,
    capped,
});

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> apps::AppRequest {
        serde_json::from_str::<AppRequest>(body).unwrap().into()
    }

    #[test]
    fn app_requests_tell_null_from_absent_and_keep_the_rest_as_settings() {
        let req = decode(r#"{"name":null,"signupFlow":"link"}"#);
        assert_eq!(req.name, Some(None));
        assert_eq!(req.status, None);
        assert_eq!(req.settings.keys().collect::<Vec<_>>(), ["signupFlow"]);
        let req = decode(r#"{"name":"Acme","status":"inactive"}"#);
        assert_eq!(req.name, Some(Some("Acme".into())));
        assert_eq!(
            req.status,
            Some(Some(crate::domain::records::app::AppStatus::Inactive))
        );
        assert!(req.settings.is_empty());
        assert!(serde_json::from_str::<AppRequest>(r#"{"status":"bogus"}"#).is_err());
    }

    #[test]
    fn the_request_schema_lists_every_setting_the_name_and_the_status() {
        let RefOr::T(Schema::Object(request)) = AppRequest::schema() else {
            panic!("not an object");
        };
        let settings = object(Settings::schema());
        assert!(request.required.is_empty());
        for name in settings.properties.keys() {
            assert!(request.properties.contains_key(name), "{name}");
        }
        assert!(request.properties.contains_key("name"));
        assert!(request.properties.contains_key("status"));
        assert_eq!(request.properties.len(), settings.properties.len() + 2);
    }
}
