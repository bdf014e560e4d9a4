//! Fixes found by running the real Cosync JS client SDK against Keyturn.

use serde_json::json;

use crate::support::app::{PW, TestApp};
use crate::support::routes::REGISTER;

#[tokio::test]
async fn register_accepts_the_access_token_the_js_sdk_sends() {
    let t = TestApp::new().await;
    let info = t
        .create_app(json!({"signupFlow": "none", "invitationEnabled": true}))
        .await;
    let host = t.quick_access(&info, "host@x.com").await;
    let invite = json!({"handle": "guest@x.com", "senderUserId": "realm-1"});
    t.invite(&host, invite).await.assert_true();
    let code = t.last_code_for("guest@x.com");

    // The SDK holds the inviter's session and sends only its access token.
    let body = json!({"handle": "guest@x.com", "password": PW, "code": code});
    let r = t
        .post_json(REGISTER, &[("access-token", &host)], body)
        .await;
    assert!(r.ok_json()["jwt"].is_string());
}

#[tokio::test]
async fn complete_signup_for_an_account_made_without_a_code_answers_like_no_pending_signup() {
    let t = TestApp::new().await;
    let info = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&info, "made@x.com", json!({})).await;
    let existing = t.complete_signup(&info, "made@x.com", "123456").await;
    let unknown = t.complete_signup(&info, "never@x.com", "123456").await;
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
