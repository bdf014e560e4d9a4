//! Fixes found by running the real Cosync JS client SDK against Keyturn.

use http::StatusCode;
use serde_json::json;

use crate::support::app::{PW, TestApp};
use crate::support::flows::app_token;
use crate::support::users::{access, quick_user};

#[tokio::test]
async fn register_accepts_the_access_token_the_js_sdk_sends() {
    let t = TestApp::new().await;
    let info = t
        .create_app(json!({"signupFlow": "none", "invitationEnabled": true}))
        .await;
    let host = access(&quick_user(&t, &info, "host@x.com", json!({})).await);
    t.post_json(
        "/api/appuser/invite",
        &[("access-token", &host)],
        json!({"handle": "guest@x.com", "senderUserId": "realm-1"}),
    )
    .await
    .assert_true();
    let code = t.last_code_for("guest@x.com");

    // The SDK holds the inviter's session and sends only its access token.
    let r = t
        .post_json(
            "/api/appuser/register",
            &[("access-token", &host)],
            json!({"handle": "guest@x.com", "password": PW, "code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["jwt"].is_string());
}

#[tokio::test]
async fn complete_signup_for_an_account_made_without_a_code_answers_like_no_pending_signup() {
    let t = TestApp::new().await;
    let info = t.create_app(json!({"signupFlow": "none"})).await;
    quick_user(&t, &info, "made@x.com", json!({})).await;
    let existing = t
        .post_json(
            "/api/appuser/completeSignup",
            &app_token(&info),
            json!({"handle": "made@x.com", "code": "123456"}),
        )
        .await;
    let unknown = t
        .post_json(
            "/api/appuser/completeSignup",
            &app_token(&info),
            json!({"handle": "never@x.com", "code": "123456"}),
        )
        .await;
    existing.assert_error(400, 602);
    unknown.assert_error(400, 602);
    assert_eq!(existing.text, unknown.text);
}

#[tokio::test]
async fn an_unknown_route_has_its_own_code_not_suspended() {
    let t = TestApp::new().await;
    let r = t
        .post_json("/api/appuser/nothingHere", &[], json!({}))
        .await;
    r.assert_error(404, 618);
    assert_ne!(
        r.json()["code"],
        404,
        "404 means 'user account is suspended' to clients"
    );
}
