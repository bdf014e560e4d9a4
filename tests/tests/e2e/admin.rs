//! The admin API through the merged router: the admin key guards every call, apps are created
//! with an id and token, settings are read and patched by their wire names, bad settings
//! are refused with typed errors and change nothing, and no private key material ever leaves.

use axum::body::Body;
use keyturn::store::Index;
use serde_json::{Value, json};

use crate::support::app::{ADMIN_KEY, Resp, TestApp, TestAppInfo};
use crate::support::routes::ADMIN_APPS;
use crate::support::users::keys_in;

/// App ids listed in the store's app index (what a listing would show).
async fn listed_apps(app: &TestApp) -> Vec<String> {
    let keys = keys_in(app, Index::Secondary, "APPS").await;
    keys.into_iter().map(|k| k.pk).collect()
}

/// An admin call with an arbitrary (or no) `Authorization` header.
async fn admin_as(
    app: &TestApp,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Value,
) -> Resp {
    let mut b = TestApp::request(method, path, &[("content-type", "application/json")]);
    if let Some(a) = authorization {
        b = b.header("authorization", a);
    }
    app.send(b.body(Body::from(body.to_string())).unwrap())
        .await
}

async fn get_app(app: &TestApp, info: &TestAppInfo) -> Value {
    app.show_app(info).await.ok_json()
}

fn is_hex_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

const WRONG_AUTH: [Option<&str>; 5] = [
    None,
    Some("Bearer not-the-admin-key"),
    Some("Bearer "),
    Some("test-admin-key-0123456789abcdef0123"),
    Some("Basic dGVzdC1hZG1pbi1rZXktMDEyMzQ1Njc4OQ=="),
];

#[tokio::test]
async fn admin_calls_without_the_key_are_refused_and_create_nothing() {
    let app = TestApp::new().await;
    assert!(listed_apps(&app).await.is_empty());

    for auth in WRONG_AUTH {
        let r = admin_as(&app, "POST", ADMIN_APPS, auth, json!({ "name": "X" })).await;
        assert_eq!(r.status, 401, "{auth:?}: {}", r.text);
        r.assert_error(401, 617);
    }

    assert!(listed_apps(&app).await.is_empty(), "an app was created");
    let secrets = std::fs::read_to_string(app.dir.join("secrets.json")).unwrap_or_default();
    assert!(!secrets.contains("/apps/"), "a signing key was stored");
}

#[tokio::test]
async fn reading_or_patching_without_the_key_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let before = get_app(&app, &info).await;
    let path = info.admin_path("");

    for auth in WRONG_AUTH {
        admin_as(&app, "GET", &path, auth, json!({}))
            .await
            .assert_error(401, 617);
        admin_as(
            &app,
            "PATCH",
            &path,
            auth,
            json!({ "signupEnabled": false }),
        )
        .await
        .assert_error(401, 617);
    }

    assert_eq!(get_app(&app, &info).await, before);
}

#[tokio::test]
async fn create_returns_an_app_id_and_a_working_app_token() {
    let app = TestApp::new().await;

    let r = app
        .admin("POST", ADMIN_APPS, Some(json!({ "name": "Demo App" })))
        .await;

    let v = r.ok_json();
    let app_id = v["appId"].as_str().unwrap();
    assert!(is_hex_id(app_id), "appId {app_id}");
    let token = v["appToken"].as_str().unwrap();
    let r = app.get_application(token).await;
    assert_eq!(r.ok_json()["name"], "Demo App");
    assert_eq!(listed_apps(&app).await, vec![format!("APP#{app_id}")]);
    let second = app.create_app(json!({})).await;
    assert_ne!(second.app_id, app_id);
}

#[tokio::test]
async fn get_returns_the_settings_and_no_private_key_material() {
    let app = TestApp::new().await;
    let created = app
        .admin("POST", ADMIN_APPS, Some(json!({ "name": "Demo App" })))
        .await;
    let app_id = created.json()["appId"].as_str().unwrap().to_owned();

    let r = app
        .admin("GET", &format!("{ADMIN_APPS}/{app_id}"), None)
        .await;

    let v = r.ok_json();
    assert_eq!(v["appId"], app_id.as_str());
    assert_eq!(v["name"], "Demo App");
    assert_eq!(v["signupFlow"], "code");
    assert_eq!(v["signupEnabled"], true);
    assert_eq!(v["userJWTExpiration"], 24);
    assert_eq!(v["metaDataEmail"], true);
    assert_eq!(v["locales"], json!(["EN"]));
    assert_eq!(v["appToken"], created.json()["appToken"]);
    // The private key lives in the secrets file; none of it may appear in any admin answer.
    let secrets: Value =
        serde_json::from_str(&std::fs::read_to_string(app.dir.join("secrets.json")).unwrap())
            .unwrap();
    let ring = secrets
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.contains(&app_id))
        .map(|(_, v)| v.as_str().unwrap().to_owned())
        .expect("signing key stored in secrets");
    let ring: Value = serde_json::from_str(&ring).unwrap();
    let private_pem = ring["current"]["pem"].as_str().unwrap();
    assert!(private_pem.contains("PRIVATE KEY"));
    let body_lines: Vec<&str> = private_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let jwks = app
        .get(&format!("/apps/{app_id}/.well-known/jwks.json"), &[])
        .await;
    let pem = app
        .get(&format!("/apps/{app_id}/public-key.pem"), &[])
        .await;
    jwks.ok_json();
    pem.assert_ok();
    for text in [&r.text, &created.text, &jwks.text, &pem.text] {
        assert!(!text.contains("PRIVATE"), "{text}");
        for line in &body_lines {
            assert!(!text.contains(line), "private key material in {text}");
        }
        for key in [
            "\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"", "master",
        ] {
            assert!(!text.contains(key), "{key} in {text}");
        }
    }
}

#[tokio::test]
async fn patched_settings_show_in_get_and_in_get_application() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let meta = json!([{ "path": "user_data.name.first", "fieldName": "first", "required": true, "canEdit": false }]);

    let r = app
        .patch_app(
            &info,
            json!({
            "name": "Renamed",
            "signupFlow": "link",
            "metaData": meta,
            "realmAppId": "realm-aud-1",
            "userJWTExpiration": 2,
            "locales": ["EN", "FR"],
            "passwordFilter": true,
            "passwordMinLength": 12,
            "passwordMinDigit": 1,
            "metaDataEmail": false,
            "signupEnabled": false,
            }),
        )
        .await;

    r.ok_json();
    let got = get_app(&app, &info).await;
    let public = app.get_application(&info.app_token).await.ok_json();
    for v in [&got, &public] {
        assert_eq!(v["name"], "Renamed");
        assert_eq!(v["signupFlow"], "link");
        assert_eq!(v["metaData"], meta);
        assert_eq!(v["realmAppId"], "realm-aud-1");
        assert_eq!(v["userJWTExpiration"], 2);
        assert_eq!(v["locales"], json!(["EN", "FR"]));
        assert_eq!(v["passwordFilter"], true);
        assert_eq!(v["passwordMinLength"], 12);
        assert_eq!(v["passwordMinDigit"], 1);
        assert_eq!(v["metaDataEmail"], false);
        assert_eq!(v["signupEnabled"], false);
    }
    assert!(public.get("appToken").is_none(), "{public}");

    // A later patch changes only what it names.
    let r = app.patch_app(&info, json!({ "signupEnabled": true })).await;
    r.ok_json();
    let after = get_app(&app, &info).await;
    assert_eq!(after["signupEnabled"], true);
    assert_eq!(after["signupFlow"], "link");
    assert_eq!(after["userJWTExpiration"], 2);
    assert_eq!(after["metaData"], meta);
}

/// The stored settings, without the fields a refused patch must not have touched anyway.
fn settings_of(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("appToken");
    v
}

#[tokio::test]
async fn metadata_paths_over_registered_claims_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let info = app
        .create_app(json!({ "metaData": [{ "path": "user_data.team", "fieldName": "team" }] }))
        .await;
    let before = settings_of(&get_app(&app, &info).await);

    for path in ["sub", "exp", "aud.x", "email", "iss", "iat.deep"] {
        let settings = json!({ "metaData": [
            { "path": "user_data.name", "fieldName": "name" },
            { "path": path, "fieldName": "f" },
        ], "userJWTExpiration": 5 });
        let r = app.patch_app(&info, settings).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        r.assert_error(400, 604);
        let create = json!({ "name": "X", "metaData": [{ "path": path, "fieldName": "f" }] });
        let r = app.admin("POST", ADMIN_APPS, Some(create)).await;
        r.assert_error(400, 604);
    }

    assert_eq!(settings_of(&get_app(&app, &info).await), before);
    assert_eq!(
        listed_apps(&app).await.len(),
        1,
        "a refused create stored an app"
    );
    // A nested path that merely ends in a claim name is fine.
    let r = app
        .patch_app(
            &info,
            json!({ "metaData": [{ "path": "user_data.sub", "fieldName": "sub" }] }),
        )
        .await;
    r.ok_json();
}

#[tokio::test]
async fn unknown_or_mistyped_settings_are_602_and_change_nothing() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let before = settings_of(&get_app(&app, &info).await);

    for bad in [
        json!({ "noSuchSetting": 1 }),
        json!({ "signupFlow": "maybe" }),
        json!({ "signupEnabled": "yes" }),
        json!({ "userJWTExpiration": "2" }),
        json!({ "userJWTExpiration": 0 }),
        json!({ "userJWTExpiration": -1 }),
        json!({ "metaData": "user_data.x" }),
        json!({ "metaData": [{ "path": "x", "fieldName": "x", "extra": 1 }] }),
        json!({ "locales": ["FR"] }),
        json!({ "locales": "EN" }),
        json!({ "passwordMinLength": 1000 }),
        json!({ "status": "paused" }),
        json!({ "name": 7 }),
        json!({ "signupEnabled": false, "typoSetting": true }),
    ] {
        let r = app.patch_app(&info, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        r.assert_error(400, 602);
    }
    let r = app.admin("PATCH", &info.admin_path(""), None).await;
    assert_eq!(r.status, 200, "an empty patch changes nothing: {}", r.text);
    let auth = format!("Bearer {ADMIN_KEY}");
    admin_as(
        &app,
        "PATCH",
        &info.admin_path(""),
        Some(&auth),
        json!([1, 2]),
    )
    .await
    .assert_error(400, 602);

    let after = settings_of(&get_app(&app, &info).await);
    let mut before = before;
    let mut after = after;
    // The empty patch may bump updatedAt; every setting stays.
    before.as_object_mut().unwrap().remove("updatedAt");
    after.as_object_mut().unwrap().remove("updatedAt");
    assert_eq!(after, before);
}

#[tokio::test]
async fn an_unknown_app_is_401() {
    let app = TestApp::new().await;
    app.create_app(json!({})).await;
    let missing = "0123456789abcdef0123456789abcdef";

    let missing_app = TestAppInfo {
        app_id: missing.into(),
        app_token: String::new(),
    };
    app.show_app(&missing_app).await.assert_error(400, 401);
    app.patch_app(&missing_app, json!({ "signupEnabled": false }))
        .await
        .assert_error(400, 401);
    app.get(&format!("/apps/{missing}/.well-known/jwks.json"), &[])
        .await
        .assert_error(404, 401);

    assert_eq!(listed_apps(&app).await.len(), 1, "a patch created an app");
}

#[tokio::test]
async fn create_without_a_name_is_403_and_creates_nothing() {
    let app = TestApp::new().await;

    for (body, code) in [
        (Some(json!({})), 403),
        (None, 403),
        (Some(json!({ "signupFlow": "none" })), 403),
        (Some(json!({ "name": "   " })), 602),
    ] {
        app.admin("POST", ADMIN_APPS, body)
            .await
            .assert_error(400, code);
    }

    assert!(listed_apps(&app).await.is_empty());
}
