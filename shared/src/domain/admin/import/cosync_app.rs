//! `POST /admin/import/cosync/app`: the Keyturn app a CosyncJWT app becomes on the day of the
//! switch (`keyturn import cosync --create-app`), so nothing outside the auth service changes:
//!
//! - the **same app id** (the original's 32 hex digits), so links, logs and configuration that
//!   name it stay true;
//! - the **same RSA key**: the original's private key is imported (the CLI decrypts the
//!   export's field), so a user JWT signed after the switch verifies with the public PEM
//!   backends pinned (MongoDB Realm's custom JWT provider, `jsonwebtoken` configs);
//! - the **same app token** keeps working until the first `app-token/rotate`
//!   ([`crate::domain::common::legacy_app_token`]), so the apps already in the stores need only
//!   a new base URL;
//! - the **same JWT subject**: `jwtSubject` is set to `handle`, as the original's `sub` was;
//! - every setting the original had that Keyturn has, validated as a whole like any
//!   `POST /admin/apps`; what does not come over is listed in `notes`, one reason each.
//!
//! An existing app id is 409 (634): an import never overwrites an app or its key. A dry run
//! checks everything (key, settings, id) and writes nothing, not even the audit entry.

use serde_json::{Map, Value, json};

use super::ejson;
use crate::crypto::signing_key;
use crate::domain::RequestContext;
use crate::domain::admin::apps::{AppDetails, details, store_new_app};
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::{legacy_app_token, repo};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus, Settings};
use crate::error::{Context, Error, Result};

/// The body: the original's `apps` document and its key pair as PEM (the CLI decrypts them
/// from the export with `COSYNC_ENCRYPT_KEY`; the key never crosses the wire encrypted under a
/// key the server would then need).
#[derive(Debug, Clone)]
pub struct CosyncAppRequest {
    /// The `apps.jsonl` document (relaxed Extended JSON v2).
    pub app: Value,
    /// The app's RSA private key, PKCS#1 or PKCS#8 PEM.
    pub private_key_pem: Option<String>,
    /// The app's public key PEM, when the export has it: the private key must be its pair.
    pub public_key_pem: Option<String>,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// The app as created (or as it would be), with what did not come over.
#[derive(Debug, Clone)]
pub struct CreatedCosyncApp {
    /// Nothing was written.
    pub dry_run: bool,
    /// The app (with its new Keyturn app token); `None` in a dry run, whose app does not exist.
    pub app: Option<AppDetails>,
    /// The app id, the original's.
    pub app_id: String,
    /// The imported key's RFC 7638 thumbprint, the `kid` of the JWTs it signs.
    pub kid: String,
    /// Whether the original's app token is kept as an extra accepted app token.
    pub legacy_app_token: bool,
    /// What was mapped specially or left out, one sentence each.
    pub notes: Vec<String>,
}

/// Creates the app from the original's document and key (see the module's doc).
pub async fn create_app(
    state: &AppState,
    req: CosyncAppRequest,
    ctx: &RequestContext,
) -> Result<CreatedCosyncApp> {
    let doc = &req.app;
    if !doc.is_object() {
        return Err(Error::invalid("app must be the apps.jsonl document"));
    }
    let app_id = ejson::text(doc, "appId").ok_or(Error::MissingParam("appId"))?;
    if app_id.len() != 32
        || !app_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Error::invalid(
            "appId must be 32 lower-case hex digits, as the original's",
        ));
    }
    let app_id = app_id.to_owned();
    let name = ejson::text(doc, "name").ok_or(Error::MissingParam("name"))?;
    if name.chars().count() > 100 {
        return Err(Error::invalid("name must be 1 to 100 characters"));
    }
    let mut notes = Vec::new();
    let settings = Settings::default().patched(&settings_patch(doc, &mut notes))?;
    let status = status(doc, &mut notes);
    let pem = req
        .private_key_pem
        .filter(|p| !p.trim().is_empty())
        .ok_or(Error::MissingParam("privateKeyPem"))?;
    // An RSA consistency check costs a few milliseconds of CPU: off the request's thread.
    let (private, public) = tokio::task::spawn_blocking(move || signing_key::import_pem(&pem))
        .await
        .context("key import task")??;
    if let Some(public_pem) = req.public_key_pem.filter(|p| !p.trim().is_empty()) {
        match signing_key::is_public_half(&public_pem, &public) {
            Some(true) => {}
            Some(false) => {
                return Err(Error::BadSigningKey(
                    "the private key is not the pair of the public key (appPublicKey)".into(),
                ));
            }
            None => {
                return Err(Error::BadSigningKey(
                    "the public key (appPublicKey) is not a PEM RSA public key".into(),
                ));
            }
        }
    }
    let legacy = ejson::text(doc, "appToken").map(|t| legacy_app_token::protect(state, &app_id, t));
    if legacy.is_none() {
        notes.push("no appToken in the export: clients need the new app token".into());
    }
    notes.push(
        "jwtSubject is handle: the user JWT's sub is the handle, as the original's was (PATCH jwtSubject=userId once backends key on the user id)".into(),
    );
    if repo::stored_app(state, &app_id).await?.is_some() {
        return Err(Error::AppIdTaken);
    }
    let now = state.clock.now_ms();
    let app = App {
        app_id: app_id.clone(),
        name: name.to_owned(),
        status,
        created_at: ejson::date_ms(doc, "createdAt").unwrap_or(now),
        updated_at: now,
        token_issued_at: state.clock.now_secs(),
        current_kid: Some(public.kid.clone()),
        public_keys: vec![public.clone()],
        settings,
        twilio: None,
        staged_kid: None,
        previous_app_token: None,
        legacy_app_token: legacy,
    };
    let mut created = CreatedCosyncApp {
        dry_run: req.dry_run,
        app: None,
        app_id,
        kid: public.kid.clone(),
        legacy_app_token: app.legacy_app_token.is_some(),
        notes,
    };
    if req.dry_run {
        return Ok(created);
    }
    // Only two concurrent imports of the same export can pass the id check above together,
    // and they write the same key.
    store_new_app(state, &app, private).await?;
    tracing::info!(app_id = %app.app_id, kid = %public.kid, "admin: app created from a CosyncJWT export");
    let event = Event::new(&app, Kind::AdminAppCreated)
        .detail("importedFrom", "cosync")
        .detail("kid", public.kid.clone())
        .detail("legacyAppToken", created.legacy_app_token);
    audit::record_admin(state, ctx, event).await?;
    created.app = Some(details(state, app, ctx)?);
    Ok(created)
}

/// The original's `status`: `active` and `inactive` as they are; `migrated` (the original
/// answered 413) becomes `inactive`, so the app serves nobody until the developer says so.
fn status(doc: &Value, notes: &mut Vec<String>) -> AppStatus {
    match ejson::text(doc, "status") {
        None | Some("active") => AppStatus::Active,
        Some("inactive") => AppStatus::Inactive,
        Some("migrated") => {
            notes.push("status migrated: imported inactive (PATCH status=active to serve)".into());
            AppStatus::Inactive
        }
        Some(other) => {
            notes.push(format!(
                "status {other}: not one the original enforced; imported active"
            ));
            AppStatus::Active
        }
    }
}

/// The original's settings by Keyturn's names (the same Cosync names, mostly), validated by the
/// caller as one patch; `notes` says what has no counterpart.
fn settings_patch(doc: &Value, notes: &mut Vec<String>) -> Map<String, Value> {
    let mut patch = Map::new();
    for flag in [
        "signupEnabled",
        "invitationEnabled",
        "metaDataEmail",
        "passwordFilter",
        "anonymousLoginEnabled",
        "userNamesEnabled",
        "appleLoginEnabled",
        "googleLoginEnabled",
    ] {
        if doc.get(flag).is_some_and(|v| !v.is_null()) {
            patch.insert(flag.into(), Value::Bool(ejson::flag(doc, flag)));
        }
    }
    for text in [
        "signupFlow",
        "twoFactorVerification",
        "googleAppName",
        "appleBundleId",
        "googleClientId",
    ] {
        if let Some(v) = ejson::text(doc, text) {
            patch.insert(text.into(), Value::String(v.to_owned()));
        }
    }
    for number in [
        "passwordMinLength",
        "passwordMinUpper",
        "passwordMinLower",
        "passwordMinDigit",
        "passwordMinSpecial",
    ] {
        if let Some(n) = integer(doc, number) {
            patch.insert(number.into(), json!(n));
        }
    }
    // The original signed with `1` hour when the value was falsy, and 24 by default.
    match doc.get("userJWTExpiration") {
        None => {}
        Some(_) => {
            let hours = integer(doc, "userJWTExpiration")
                .filter(|h| *h > 0)
                .unwrap_or(1);
            patch.insert("userJWTExpiration".into(), json!(hours));
        }
    }
    // The original's `aud` was the literal "none" without a Realm app id; Keyturn's would be
    // the app id. Keeping "none" keeps every consumer's audience check as it was.
    let audience = ejson::text(doc, "realmAppId").unwrap_or("none");
    if audience == "none" {
        notes.push("realmAppId unset: the JWT aud stays \"none\", as the original's".into());
    }
    patch.insert("realmAppId".into(), Value::String(audience.to_owned()));
    if let Some(list) = doc.get("locales").and_then(Value::as_array) {
        let mut locales: Vec<String> = list
            .iter()
            .filter_map(Value::as_str)
            .map(|l| l.trim().to_ascii_uppercase())
            .collect();
        if !locales.iter().any(|l| l == "EN") {
            locales.insert(0, "EN".into());
            notes.push("locales: EN added (every Keyturn app offers it)".into());
        }
        locales.dedup();
        patch.insert("locales".into(), json!(locales));
    }
    for (field, editable) in [("metaData", true), ("metaDataInvite", false)] {
        if let Some(list) = doc.get(field).and_then(Value::as_array) {
            let fields: Vec<Value> = list
                .iter()
                .map(|f| {
                    json!({
                        "path": f.get("path").cloned().unwrap_or(Value::Null),
                        "fieldName": f.get("fieldName").cloned().unwrap_or(Value::Null),
                        "required": ejson::flag(f, "required"),
                        "canEdit": editable && ejson::flag(f, "canEdit"),
                    })
                })
                .collect();
            patch.insert(field.into(), Value::Array(fields));
        }
    }
    patch.insert("jwtSubject".into(), Value::String("handle".into()));
    dropped(doc, notes);
    patch
}

/// Notes for the original's fields that have no Keyturn setting.
fn dropped(doc: &Value, notes: &mut Vec<String>) {
    let present = |f: &str| {
        doc.get(f)
            .is_some_and(|v| !v.is_null() && v != "" && v != false)
    };
    if present("TWILIOAccountSid") || present("TWILIOToken") {
        notes.push(
            "Twilio credentials not imported: set them with PUT /admin/apps/{appId}/twilio".into(),
        );
    }
    if present("emailExtension") || present("emailExtensionAPIKey") {
        notes.push("SendGrid email extension not imported: Keyturn mails through SES".into());
    }
    if present("maxLoginAttempts") || integer(doc, "maxUsers").is_some_and(|n| n > 0) {
        notes.push(
            "maxUsers and maxLoginAttempts dropped: the original never enforced them; Keyturn locks out by its own limits".into(),
        );
    }
    if present("appData") {
        notes.push("appData dropped: it held the original's Realm versions".into());
    }
    if present("appSecret") {
        notes.push("appSecret dropped: no route of the original accepted it".into());
    }
}

/// An integer field (`8`, `"8"`, `{"$numberInt": "8"}` or `{"$numberLong": "8"}`).
fn integer(doc: &Value, field: &str) -> Option<i64> {
    let v = doc.get(field)?;
    let v = v
        .get("$numberInt")
        .or_else(|| v.get("$numberLong"))
        .unwrap_or(v);
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_settings_map_by_name_and_the_rest_is_noted() {
        let doc = json!({
            "signupFlow": "link", "userJWTExpiration": 0, "passwordMinLength": {"$numberInt": "6"},
            "locales": ["fr"], "TWILIOToken": "x", "metaDataEmail": "true",
            "metaDataInvite": [{"id": "1", "path": "team", "fieldName": "team", "canEdit": true}],
        });
        let mut notes = Vec::new();
        let patch = settings_patch(&doc, &mut notes);
        let s = Settings::default().patched(&patch).unwrap();
        assert_eq!(s.user_jwt_expiration, 1, "falsy hours were one hour");
        assert_eq!(s.password_min_length, 6);
        assert_eq!(s.locales, ["EN", "FR"]);
        assert_eq!(s.realm_app_id.as_deref(), Some("none"));
        assert!(!s.meta_data_invite[0].can_edit);
        assert_eq!(
            s.jwt_subject,
            crate::domain::records::app::JwtSubject::Handle
        );
        let notes = notes.join("\n");
        assert!(
            notes.contains("Twilio") && notes.contains("EN added"),
            "{notes}"
        );
    }
}
