//! `getUser`, `setUserMetadata` and `setLocale` through the HTTP door.

use keyturn::clock::iso_millis;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo};
use crate::support::routes::{GET_USER, SET_LOCALE, SET_USER_METADATA};
use crate::support::users::{access, edit_user, session_claims, stored_user, user_id};

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
    let meta = json!({"user": {"name": "Bob", "team": "red"}});
    app.quick_user(info, BOB, meta).await
}

#[tokio::test]
async fn get_user_returns_the_reference_fields_and_never_the_password_hash() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let r = app.get_user(&access(&session)).await;
    let now = iso_millis(1_795_000_000_000);
    assert_eq!(
        r.ok_json(),
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
    app.login(&info, BOB, PW).await.ok_json();
    let r = app.get_user(&access(&session)).await;
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
        app.get_user(&access(&session)).await.json()["lastLogin"],
        Value::Null
    );
}

#[tokio::test]
async fn get_user_refuses_missing_forged_expired_and_revoked_tokens() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    app.get(GET_USER, &[]).await.assert_error(400, 405);
    app.get_user("forged.token.value")
        .await
        .assert_error(400, 405);
    // The app token is not an access token.
    app.get_user(&info.app_token).await.assert_error(400, 405);
    edit_user(&app, &user_id(&session), |u| {
        u["tokenEpoch"] = json!(u["tokenEpoch"].as_u64().unwrap() + 1);
    })
    .await;
    app.get_user(&access(&session)).await.assert_error(400, 405);
    let fresh = app.login(&info, BOB, PW).await.json();
    app.get_user(&access(&fresh)).await.ok_json();
    app.clock.advance_secs(25 * 3600);
    app.get_user(&access(&fresh)).await.assert_error(400, 405);
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
    let meta = r#"{"user":{"name":"  Robert  ","team":"red"},"nick":"bobby","extra":"x"}"#;
    app.set_user_metadata(&token, meta).await.assert_true();
    assert_eq!(
        app.get_user(&token).await.json()["metaData"],
        json!({"user": {"name": "Robert", "team": "red"}, "nick": "bobby", "plan": "gold"})
    );
    // The JWT already issued is unchanged; the next login's reflects the edit.
    assert_eq!(session_claims(&session)["user"]["name"], "Bob");
    let next = app.login(&info, BOB, PW).await.json();
    let c = session_claims(&next);
    assert_eq!(c["user"], json!({"name": "Robert", "team": "red"}));
    assert_eq!(c["nick"], "bobby");
}

#[tokio::test]
async fn set_user_metadata_accepts_a_swift_form_body_and_an_object() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    let h = [("access-token", token.as_str())];
    app.post_form(SET_USER_METADATA, &h, r#"metaData={"nick":"Bobby+B"}"#)
        .await
        .assert_true();
    assert_eq!(
        app.get_user(&token).await.json()["metaData"]["nick"],
        "Bobby B"
    );
    app.set_user_metadata(&token, json!({"nick": ""}))
        .await
        .assert_true();
    assert_eq!(
        app.get_user(&token).await.json()["metaData"],
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
        app.set_user_metadata(&token, bad.to_string())
            .await
            .assert_error(400, 604);
    }
    app.post_form(
        SET_USER_METADATA,
        &h,
        r#"metaData={"user":{"team":"blue"}}"#,
    )
    .await
    .assert_error(400, 604);
    app.post_form(SET_USER_METADATA, &h, "metaData=not-json")
        .await
        .assert_error(400, 604);
    app.post_form(SET_USER_METADATA, &h, "")
        .await
        .assert_error(400, 403);
    // Nothing was written by any refused request.
    assert_eq!(stored_user(&app, &user_id(&session)).await, before);
}

#[tokio::test]
async fn set_user_metadata_needs_an_app_with_metadata_fields() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"signupFlow": "none"})).await;
    let token = app.quick_access(&info, BOB).await;
    app.set_user_metadata(&token, "{\"a\":\"b\"}")
        .await
        .assert_error(400, 602);
}

#[tokio::test]
async fn set_user_metadata_refuses_expired_and_revoked_tokens() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    edit_user(&app, &user_id(&session), |u| {
        u["tokenEpoch"] = json!(7);
    })
    .await;
    app.set_user_metadata(&access(&session), "{\"nick\":\"x\"}")
        .await
        .assert_error(400, 405);
    let fresh = access(&app.login(&info, BOB, PW).await.json());
    app.clock.advance_secs(25 * 3600);
    let h = [("access-token", fresh.as_str())];
    app.post_form(SET_USER_METADATA, &h, r#"metaData={"nick":"x"}"#)
        .await
        .assert_error(400, 405);
}

#[tokio::test]
async fn set_locale_accepts_an_offered_locale_in_any_case() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    let h = [("access-token", token.as_str())];
    app.set_locale(&token, " fr ").await.assert_true();
    assert_eq!(app.get_user(&token).await.json()["locale"], "FR");
    app.post_form(SET_LOCALE, &h, "locale=EN")
        .await
        .assert_true();
    assert_eq!(app.get_user(&token).await.json()["locale"], "EN");
}

#[tokio::test]
async fn set_locale_refuses_locales_the_app_does_not_offer() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let session = bob(&app, &info).await;
    let token = access(&session);
    let h = [("access-token", token.as_str())];
    app.set_locale(&token, "DE").await.assert_error(400, 602);
    app.post_form(SET_LOCALE, &h, "locale=french")
        .await
        .assert_error(400, 602);
    app.set_locale(&token, json!(["FR"]))
        .await
        .assert_error(400, 602);
    app.post_form(SET_LOCALE, &h, "")
        .await
        .assert_error(400, 403);
    assert_eq!(app.get_user(&token).await.json()["locale"], "EN");
    app.clock.advance_secs(25 * 3600);
    app.set_locale(&token, "FR").await.assert_error(400, 405);
}

#[tokio::test]
async fn concurrent_profile_edits_lose_nothing() {
    let app = TestApp::new().await;
    let info = profile_app(&app).await;
    let token = access(&bob(&app, &info).await);
    let (a, b) = tokio::join!(
        app.set_user_metadata(&token, json!({"nick": "bobby"})),
        app.set_locale(&token, "FR"),
    );
    a.assert_true();
    b.assert_true();
    let user = app.get_user(&token).await.json();
    assert_eq!(user["locale"], "FR");
    assert_eq!(user["metaData"]["nick"], "bobby");
}

#[tokio::test]
async fn get_user_works_for_a_user_who_confirmed_a_signup_code() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"locales": ["EN", "FR"]})).await;
    let session = app.signed_up_user(&info, "carol@example.com").await;
    let user = app.get_user(&access(&session)).await.ok_json();
    assert_eq!(user["handle"], "carol@example.com");
    assert_eq!(user["metaData"], json!({}));
    assert_eq!(user["userName"], "");
}
