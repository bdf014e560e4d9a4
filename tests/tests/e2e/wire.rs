//! The wire rules (see the README's API section), through HTTP: paths, token carriers, public settings, the
//! 404 and 500 shapes, and scalar coercion.

use std::sync::Arc;

use http::StatusCode;
use keyturn::codes::ScriptedCodes;
use serde_json::json;

use crate::support::app::{PW, TestApp};
use crate::support::flows::app_token;

#[tokio::test]
async fn repeated_slashes_still_reach_their_routes() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;

    let r = t
        .post_json(
            "//api/appuser/signup",
            &app_token(&app),
            json!({"handle": "slash@x.com", "password": PW}),
        )
        .await;
    r.assert_true();
    let code = t.last_code_for("slash@x.com");
    let r = t
        .post_json(
            "/api/appuser//completeSignup",
            &app_token(&app),
            json!({"handle": "slash@x.com", "code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = t
        .post_json(
            "/api//appuser/login",
            &app_token(&app),
            json!({"handle": "slash@x.com", "password": PW}),
        )
        .await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["jwt"].is_string());
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let t = TestApp::new().await;

    for path in ["/api/appuser/nope", "/nope", "/api/appuser/signup/extra"] {
        let r = t.get(path, &[]).await;
        r.assert_error(404, 404);
        let ctype = r.headers["content-type"].to_str().unwrap();
        assert!(ctype.starts_with("application/json"), "{ctype}");
    }
    let r = t.post_json("/api/appuser/unknown", &[], json!({})).await;
    r.assert_error(404, 404);
}

#[tokio::test]
async fn the_health_check_answers_200() {
    let t = TestApp::new().await;

    let r = t.get("/", &[]).await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn get_application_returns_public_settings_only() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"name": "Public", "locales": ["EN", "DE"], "passwordMinLength": 12}))
        .await;

    let r = t.get("/api/appuser/getApplication", &app_token(&app)).await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["name"], "Public");
    assert_eq!(v["signupFlow"], "code");
    assert_eq!(v["passwordMinLength"], 12);
    assert_eq!(v["locales"], json!(["EN", "DE"]));
    let obj = v.as_object().unwrap();
    for secret in [
        "appToken",
        "appId",
        "publicKeys",
        "appSecret",
        "appPrivateKey",
        "appPublicKey",
    ] {
        assert!(!obj.contains_key(secret), "{secret} leaked: {v}");
    }
    let text = r.text.to_lowercase();
    assert!(!text.contains(&app.app_token.to_lowercase()));
    assert!(
        !text.contains("private") && !text.contains("pem") && !text.contains("\"kid\""),
        "{text}"
    );
}

#[tokio::test]
async fn get_application_without_a_token_is_400() {
    let t = TestApp::new().await;

    t.get("/api/appuser/getApplication", &[])
        .await
        .assert_error(400, 400);
}

#[tokio::test]
async fn both_token_headers_at_once_are_accepted() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"name": "Both"})).await;
    let user = t.signed_up_user(&app, "both@x.com").await;
    let access = user["access-token"].as_str().unwrap();

    let r = t
        .get(
            "/api/appuser/getApplication",
            &[
                ("app-token", app.app_token.as_str()),
                ("access-token", access),
            ],
        )
        .await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["name"], "Both");
    // The access token alone carries the app too.
    let r = t
        .get("/api/appuser/getApplication", &[("access-token", access)])
        .await;
    assert_eq!(r.json()["name"], "Both", "{}", r.text);
}

#[tokio::test]
async fn a_json_number_code_is_coerced_to_its_string_form() {
    let codes = ScriptedCodes::new(&["482913"]);
    let t = TestApp::builder().codes(Arc::new(codes)).build().await;
    let app = t.create_app(json!({})).await;
    t.post_json(
        "/api/appuser/signup",
        &app_token(&app),
        json!({"handle": "num@x.com", "password": PW}),
    )
    .await
    .assert_true();

    let r = t
        .post_json(
            "/api/appuser/completeSignup",
            &app_token(&app),
            json!({"handle": "num@x.com", "code": 482_913}),
        )
        .await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["jwt"].is_string());
}

#[tokio::test]
async fn a_json_number_code_with_a_leading_zero_works() {
    // Codes are uniform over 000000–999999, so one in ten starts with 0; a client that posts the
    // code as a JSON number (as the original's integer comparison allowed) sends 12345.
    let codes = ScriptedCodes::new(&["012345"]);
    let t = TestApp::builder().codes(Arc::new(codes)).build().await;
    let app = t.create_app(json!({})).await;
    t.post_json(
        "/api/appuser/signup",
        &app_token(&app),
        json!({"handle": "zero@x.com", "password": PW}),
    )
    .await
    .assert_true();

    let r = t
        .post_json(
            "/api/appuser/completeSignup",
            &app_token(&app),
            json!({"handle": "zero@x.com", "code": 12_345}),
        )
        .await;

    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["jwt"].is_string());
}

#[tokio::test]
async fn an_internal_failure_is_a_generic_500() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "five@x.com").await;
    // Corrupt the app's signing key in the key file, then cold-start a new stack over the same
    // data dir: it reads the broken key ring when it first signs a JWT.
    let path = t.dir.join("secrets.json");
    let mut secrets: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let name = secrets
        .keys()
        .find(|k| k.contains(&app.app_id))
        .cloned()
        .expect("the app's signing-key secret");
    secrets.insert(name, json!("{\"garbage\": true}"));
    std::fs::write(&path, serde_json::to_vec(&secrets).unwrap()).unwrap();
    let restarted = t.restart().await;

    let r = restarted
        .post_json(
            "/api/appuser/login",
            &app_token(&app),
            json!({"handle": "five@x.com", "password": PW}),
        )
        .await;

    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"code": 500, "message": "internal server error"})
    );
    // The healthy stack, which read the key before it was corrupted, still signs.
    let r = t
        .post_json(
            "/api/appuser/login",
            &app_token(&app),
            json!({"handle": "five@x.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
