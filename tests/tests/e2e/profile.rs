//! `getUser`, `setUserMetadata` and `setLocale` through the HTTP door.

use keyturn::clock::iso_millis;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo};
use crate::support::users::{access, claims, edit_user, login, quick_user, stored_user, user_id};

const BOB: &str = "bob@example.com";

/// An app with three metadata fields: an editable required name, a locked team and an editable
/// optional nickname; usernames on and locales EN/FR.
async fn profile_app(app: &TestApp) -> TestAppInfo {
    app.create_app(json!({
        "signupFlow": "none",
        "locales": ["EN", "FR"],
        "metaData": [
            {"path": "user.name", "fieldName": "name", "required": true, "canEdit": true},
            {"path": "user.team", "fieldName": "team", "required": false, "canEdit": false},
            {"path": "nick", "fieldName": "nick", "required": false, "canEdit": true}
        ]
    }))
    .await
}

async fn bob(app: &TestApp, info: &TestAppInfo) -> Value {
    quick_user(
        app,
        info,
        BOB,
        json!({"user": {"name": "Bob", "team": "red"}}),
    )
    .await
}

async fn get_user(app: &TestApp, token: &str) -> crate::support::app::Resp {
    app.get("/api/appuser/getUser", &[("access-token", token)])
        .await
}

#[tokio::test]
async fn get_user_returns_the_reference_fields_and_never_the_password_hash() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let r = get_user(&app, &access(&session)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let now = iso_millis(1_795_000_000_000);
    assert_eq!(
        r.json(),
        json!({
            "status": "active",
            "createdAt": now,
            "updatedAt": now,
            "handle": BOB,
            "locale": "EN",
            "userName": "",
            "twoFactorPhoneVerification": false,
            "twoFactorGoogleVerification": false,
            "appId": info.app_id,
            "phone": "",
            "phoneVerified": false,
            "metaData": {"user": {"name": "Bob", "team": "red"}},
            "loginProvider": "",
            "lastLogin": now,
        })
    );
    assert!(!r.text.contains("argon2"), "{}", r.text);
}

#[tokio::test]
async fn get_user_reports_the_latest_login_time() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    app.clock.advance_secs(90);
    assert_eq!(login(&app, &info, BOB, PW).await.status, 200);
    let r = get_user(&app, &access(&session)).await;
    assert_eq!(
        r.json()["lastLogin"],
        iso_millis(1_795_000_000_000 + 90_000)
    );
}

#[tokio::test]
async fn get_user_without_a_login_record_reports_null() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let key = keyturn::store::Key::new(format!("USER#{}", user_id(&session)), "LOGIN");
    app.store
        .delete(&key, keyturn::store::Condition::Any)
        .await
        .unwrap();
    assert_eq!(
        get_user(&app, &access(&session)).await.json()["lastLogin"],
        Value::Null
    );
}

#[tokio::test]
async fn get_user_refuses_missing_forged_expired_and_revoked_tokens() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    app.get("/api/appuser/getUser", &[])
        .await
        .assert_error(400, 405);
    get_user(&app, "forged.token.value")
        .await
        .assert_error(400, 405);
    // The app token is not an access token.
    get_user(&app, &info.app_token).await.assert_error(400, 405);
    edit_user(&app, &user_id(&session), |u| {
        u["tokenEpoch"] = json!(u["tokenEpoch"].as_u64().unwrap() + 1);
    })
    .await;
    get_user(&app, &access(&session))
        .await
        .assert_error(400, 405);
    let fresh = login(&app, &info, BOB, PW).await.json();
    assert_eq!(get_user(&app, &access(&fresh)).await.status, 200);
    app.clock.advance_secs(25 * 3600);
    get_user(&app, &access(&fresh)).await.assert_error(400, 405);
}

#[tokio::test]
async fn set_user_metadata_merges_editable_fields_and_the_next_jwt_carries_them() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let token = access(&session);
    // An admin-set key outside the declared fields must survive the edit.
    edit_user(&app, &user_id(&session), |u| {
        u["metaData"]["plan"] = json!("gold");
    })
    .await;
    let r = app
        .post_json(
            "/api/appuser/setUserMetadata",
            &[("access-token", &token)],
            json!({"metaData": r#"{"user":{"name":"  Robert  ","team":"red"},"nick":"bobby","extra":"x"}"#}),
        )
        .await;
    r.assert_true();
    assert_eq!(
        get_user(&app, &token).await.json()["metaData"],
        json!({"user": {"name": "Robert", "team": "red"}, "nick": "bobby", "plan": "gold"})
    );
    // The JWT already issued is unchanged; the next login's reflects the edit.
    assert_eq!(
        claims(session["jwt"].as_str().unwrap())["user"]["name"],
        "Bob"
    );
    let next = login(&app, &info, BOB, PW).await.json();
    let c = claims(next["jwt"].as_str().unwrap());
    assert_eq!(c["user"], json!({"name": "Robert", "team": "red"}));
    assert_eq!(c["nick"], "bobby");
}

#[tokio::test]
async fn set_user_metadata_accepts_a_swift_form_body_and_an_object() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    app.post_form(
        "/api/appuser/setUserMetadata",
        &[("access-token", &token)],
        r#"metaData={"nick":"Bobby+B"}"#,
    )
    .await
    .assert_true();
    assert_eq!(
        get_user(&app, &token).await.json()["metaData"]["nick"],
        "Bobby B"
    );
    app.post_json(
        "/api/appuser/setUserMetadata",
        &[("access-token", &token)],
        json!({"metaData": {"nick": ""}}),
    )
    .await
    .assert_true();
    assert_eq!(
        get_user(&app, &token).await.json()["metaData"],
        json!({"user": {"name": "Bob", "team": "red"}})
    );
}

#[tokio::test]
async fn set_user_metadata_refuses_locked_changes_non_strings_and_emptied_required_fields() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let token = access(&session);
    let before = stored_user(&app, &user_id(&session)).await;
    let h = [("access-token", token.as_str())];
    for bad in [
        json!({"user": {"team": "blue"}}),
        json!({"user": {"name": "Al", "team": "blue"}}),
        json!({"user": {"name": 42}}),
        json!({"nick": ["a"]}),
        json!({"user": {"name": "   "}}),
        json!({"user": {"name": null}}),
    ] {
        app.post_json(
            "/api/appuser/setUserMetadata",
            &h,
            json!({ "metaData": bad.to_string() }),
        )
        .await
        .assert_error(400, 604);
    }
    app.post_form(
        "/api/appuser/setUserMetadata",
        &h,
        r#"metaData={"user":{"team":"blue"}}"#,
    )
    .await
    .assert_error(400, 604);
    app.post_form("/api/appuser/setUserMetadata", &h, "metaData=not-json")
        .await
        .assert_error(400, 604);
    app.post_form("/api/appuser/setUserMetadata", &h, "")
        .await
        .assert_error(400, 403);
    // Nothing was written by any refused request.
    assert_eq!(stored_user(&app, &user_id(&session)).await, before);
}

#[tokio::test]
async fn set_user_metadata_needs_an_app_with_metadata_fields() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"signupFlow": "none"})).await;
    let token = access(&quick_user(&app, &info, BOB, json!({})).await);
    app.post_json(
        "/api/appuser/setUserMetadata",
        &[("access-token", &token)],
        json!({"metaData": "{\"a\":\"b\"}"}),
    )
    .await
    .assert_error(400, 602);
}

#[tokio::test]
async fn set_user_metadata_refuses_expired_and_revoked_tokens() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let body = json!({"metaData": "{\"nick\":\"x\"}"});
    edit_user(&app, &user_id(&session), |u| {
        u["tokenEpoch"] = json!(7);
    })
    .await;
    app.post_json(
        "/api/appuser/setUserMetadata",
        &[("access-token", &access(&session))],
        body.clone(),
    )
    .await
    .assert_error(400, 405);
    let fresh = access(&login(&app, &info, BOB, PW).await.json());
    app.clock.advance_secs(25 * 3600);
    app.post_form(
        "/api/appuser/setUserMetadata",
        &[("access-token", &fresh)],
        r#"metaData={"nick":"x"}"#,
    )
    .await
    .assert_error(400, 405);
}

#[tokio::test]
async fn set_locale_accepts_an_offered_locale_in_any_case() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    let h = [("access-token", token.as_str())];
    app.post_json("/api/appuser/setLocale", &h, json!({"locale": " fr "}))
        .await
        .assert_true();
    assert_eq!(get_user(&app, &token).await.json()["locale"], "FR");
    app.post_form("/api/appuser/setLocale", &h, "locale=EN")
        .await
        .assert_true();
    assert_eq!(get_user(&app, &token).await.json()["locale"], "EN");
}

#[tokio::test]
async fn set_locale_refuses_locales_the_app_does_not_offer() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let token = access(&session);
    let h = [("access-token", token.as_str())];
    app.post_json("/api/appuser/setLocale", &h, json!({"locale": "DE"}))
        .await
        .assert_error(400, 602);
    app.post_form("/api/appuser/setLocale", &h, "locale=french")
        .await
        .assert_error(400, 602);
    app.post_json("/api/appuser/setLocale", &h, json!({"locale": ["FR"]}))
        .await
        .assert_error(400, 602);
    app.post_form("/api/appuser/setLocale", &h, "")
        .await
        .assert_error(400, 403);
    assert_eq!(get_user(&app, &token).await.json()["locale"], "EN");
    app.clock.advance_secs(25 * 3600);
    app.post_json("/api/appuser/setLocale", &h, json!({"locale": "FR"}))
        .await
        .assert_error(400, 405);
}

#[tokio::test]
async fn concurrent_profile_edits_lose_nothing() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    let h = [("access-token", token.as_str())];
    let (a, b) = tokio::join!(
        app.post_json(
            "/api/appuser/setUserMetadata",
            &h,
            json!({"metaData": {"nick": "bobby"}})
        ),
        app.post_json("/api/appuser/setLocale", &h, json!({"locale": "FR"})),
    );
    a.assert_true();
    b.assert_true();
    let user = get_user(&app, &token).await.json();
    assert_eq!(user["locale"], "FR");
    assert_eq!(user["metaData"]["nick"], "bobby");
}

#[tokio::test]
async fn get_user_works_for_a_user_who_confirmed_a_signup_code() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"locales": ["EN", "FR"]})).await;
    let session = app.signed_up_user(&info, "carol@example.com").await;
    let r = get_user(&app, &access(&session)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let user = r.json();
    assert_eq!(user["handle"], "carol@example.com");
    assert_eq!(user["metaData"], json!({}));
    assert_eq!(user["userName"], "");
}
