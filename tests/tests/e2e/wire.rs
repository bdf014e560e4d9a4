//! The wire rules (see the README's API section), through HTTP: paths, token carriers, public settings, the
//! 404 and 500 shapes, and scalar coercion.

use std::sync::Arc;

use http::StatusCode;
use keyturn::codes::ScriptedCodes;
use serde_json::json;

use crate::support::app::{PW, TestApp};
use crate::support::flows::app_token;
use crate::support::routes::{COMPLETE_SIGNUP, GET_APPLICATION, LOGIN, SIGNUP};

#[tokio::test]
async fn repeated_slashes_still_reach_their_routes() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;

    // Each path with one slash doubled: before `api`, before the route, before `appuser`.
    let doubled = |path: &str, at: &str| path.replacen(at, &format!("/{at}"), 1);
    let body = json!({"handle": "slash@x.com", "password": PW});
    let r = t
        .post_json(&doubled(SIGNUP, "/api"), &app_token(&app), body.clone())
        .await;
    r.assert_true();
    let code = t.last_code_for("slash@x.com");
    let complete = doubled(COMPLETE_SIGNUP, "/completeSignup");
    let r = t
        .post_json(
            &complete,
            &app_token(&app),
            json!({"handle": "slash@x.com", "code": code}),
        )
        .await;
    r.ok_json();

    let r = t
        .post_json(&doubled(LOGIN, "/appuser"), &app_token(&app), body)
        .await;

    assert!(r.ok_json()["jwt"].is_string());
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let t = TestApp::new().await;

    let extra = format!("{SIGNUP}/extra");
    for path in ["/api/appuser/nope", "/nope", extra.as_str()] {
        let r = t.get(path, &[]).await;
        r.assert_error(404, 618);
        let ctype = r.headers["content-type"].to_str().unwrap();
        assert!(ctype.starts_with("application/json"), "{ctype}");
    }
    let r = t.post_json("/api/appuser/unknown", &[], json!({})).await;
    r.assert_error(404, 618);
}

#[tokio::test]
async fn the_health_check_answers_200() {
    let t = TestApp::new().await;

    let r = t.get("/", &[]).await;

    r.assert_ok();
}

#[tokio::test]
async fn get_application_returns_public_settings_only() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"name": "Public", "locales": ["EN", "DE"], "passwordMinLength": 12}))
        .await;

    let r = t.get_application(&app.app_token).await;

    let v = r.ok_json();
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

    t.get(GET_APPLICATION, &[]).await.assert_error(400, 400);
}

#[tokio::test]
async fn both_token_headers_at_once_are_accepted() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"name": "Both"})).await;
    let access = t.signed_up_access(&app, "both@x.com").await;
    let both = [
        ("app-token", app.app_token.as_str()),
        ("access-token", &access),
    ];

    let r = t.get(GET_APPLICATION, &both).await;

    assert_eq!(r.ok_json()["name"], "Both");
    // The access token alone carries the app too.
    let r = t.get(GET_APPLICATION, &[("access-token", &access)]).await;
    assert_eq!(r.json()["name"], "Both", "{}", r.text);
}

#[tokio::test]
async fn a_json_number_code_is_coerced_to_its_string_form() {
    completes_with_a_json_number("num@x.com", "482913", 482_913).await;
}

/// Signs `handle` up with the scripted code `code` and completes with the JSON number `number`.
async fn completes_with_a_json_number(handle: &str, code: &str, number: u32) {
    let t = TestApp::builder()
        .codes(Arc::new(ScriptedCodes::new(&[code])))
        .build()
        .await;
    let app = t.create_app(json!({})).await;
    t.signup_with_code(&app, handle).await;

    let body = json!({"handle": handle, "code": number});
    let r = t.post_json(COMPLETE_SIGNUP, &app_token(&app), body).await;

    assert!(r.ok_json()["jwt"].is_string());
}

#[tokio::test]
async fn a_json_number_code_with_a_leading_zero_works() {
    // Codes are uniform over 000000–999999, so one in ten starts with 0; a client that posts the
    // code as a JSON number (as the original's integer comparison allowed) sends 12345.
    completes_with_a_json_number("zero@x.com", "012345", 12_345).await;
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

    let r = restarted.login(&app, "five@x.com", PW).await;

    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"code": 500, "message": "internal server error"})
    );
    // The healthy stack, which read the key before it was corrupted, still signs.
    t.login(&app, "five@x.com", PW).await.ok_json();
}
