//! forgotPassword, resetPassword and changePassword through the HTTP door (JSON and Swift-style
//! form bodies), plus resetPassword through an API Gateway HTTP API v2 event.

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo};
use crate::support::flows::wrong_code;
use crate::support::lambda::{event, invoke};
use crate::support::users::{access as token, login, token_works};

const FORGOT: &str = "/api/appuser/forgotPassword";
const RESET: &str = "/api/appuser/resetPassword";
const CHANGE: &str = "/api/appuser/changePassword";
/// The MD5 of `third`.
const THIRD_PW: &str = "dd5c8bf51558ffcbe5007071908e9524";

async fn forgot(app: &TestApp, info: &TestAppInfo, handle: &str) -> crate::support::app::Resp {
    app.post_json(
        FORGOT,
        &[("app-token", info.app_token.as_str())],
        json!({ "handle": handle }),
    )
    .await
}

async fn reset(
    app: &TestApp,
    info: &TestAppInfo,
    handle: &str,
    pw: &str,
    code: &str,
) -> crate::support::app::Resp {
    app.post_json(
        RESET,
        &[("app-token", info.app_token.as_str())],
        json!({"handle": handle, "password": pw, "code": code}),
    )
    .await
}

async fn user_with_app() -> (TestApp, TestAppInfo, Value) {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    (app, info, session)
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_and_known_handles() {
    let (app, info, _) = user_with_app().await;
    let before = app.outbox().len();
    let known = forgot(&app, &info, "ann@x.com").await;
    let unknown = forgot(&app, &info, "nobody@x.com").await;
    known.assert_true();
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.text, unknown.text);
    let sent = app.outbox();
    assert_eq!(sent.len(), before + 1, "only the known handle gets mail");
    assert_eq!(sent.last().unwrap().to, "ann@x.com");
    assert!(sent.last().unwrap().subject.contains("Reset"));

    // The Swift SDK's form body, with an unencoded `@`.
    let h = [("app-token", info.app_token.as_str())];
    let known = app.post_form(FORGOT, &h, "handle=ann@x.com").await;
    let unknown = app.post_form(FORGOT, &h, "handle=nobody@x.com").await;
    known.assert_true();
    assert_eq!((known.status, known.text), (unknown.status, unknown.text));
}

#[tokio::test]
async fn forgot_password_limit_answers_the_same_for_unknown_and_known_handles() {
    let (app, info, _) = user_with_app().await;
    for _ in 0..5 {
        forgot(&app, &info, "ann@x.com").await.assert_true();
        forgot(&app, &info, "nobody@x.com").await.assert_true();
    }
    let known = forgot(&app, &info, "ann@x.com").await;
    let unknown = forgot(&app, &info, "nobody@x.com").await;
    known.assert_error(429, 615);
    assert_eq!(known.text, unknown.text);
    assert_eq!(known.status, unknown.status);
    assert!(known.headers.contains_key("retry-after"));
    assert!(unknown.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn forgot_password_refuses_bad_requests() {
    let (app, info, _) = user_with_app().await;
    let h = [("app-token", info.app_token.as_str())];
    app.post_json(FORGOT, &[], json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 400);
    app.post_json(FORGOT, &h, json!({}))
        .await
        .assert_error(400, 403);
    app.post_form(FORGOT, &h, "handle=")
        .await
        .assert_error(400, 403);
    app.post_json(FORGOT, &h, json!({"handle": ["ann@x.com"]}))
        .await
        .assert_error(400, 602);
    app.post_form(FORGOT, &h, "handle=ann@x.com&handle=bob@x.com")
        .await
        .assert_error(400, 602);
    // A username while the app has none.
    app.post_json(FORGOT, &h, json!({"handle": "ann"}))
        .await
        .assert_error(400, 606);
}

#[tokio::test]
async fn forgot_password_accepts_an_access_token_as_the_app_carrier() {
    let (app, _, session) = user_with_app().await;
    let access = token(&session);
    app.post_json(
        FORGOT,
        &[("access-token", &access)],
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
}

#[tokio::test]
async fn reset_password_sets_the_new_password_and_revokes_every_access_token() {
    reset_revokes_every_token(TestApp::new().await).await;
}

#[tokio::test]
async fn reset_password_revokes_every_access_token_in_dynamodb() {
    reset_revokes_every_token(TestApp::builder().dynamodb().build().await).await;
}

async fn reset_revokes_every_token(app: TestApp) {
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let first = token(&session);
    let second = token(&login(&app, &info, "ann@x.com", PW).await.json());
    assert!(token_works(&app, &first).await && token_works(&app, &second).await);

    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_true();

    assert!(!token_works(&app, &first).await);
    assert!(!token_works(&app, &second).await);
    login(&app, &info, "ann@x.com", PW)
        .await
        .assert_error(400, 600);
    let fresh = login(&app, &info, "ann@x.com", OTHER_PW).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert!(token_works(&app, &token(&fresh.json())).await);
}

#[tokio::test]
async fn reset_password_works_with_a_swift_form_body() {
    let (app, info, session) = user_with_app().await;
    let h = [("app-token", info.app_token.as_str())];
    app.post_form(FORGOT, &h, "handle=ANN@x.com")
        .await
        .assert_true();
    let code = app.last_code_for("ann@x.com");
    app.post_form(
        RESET,
        &h,
        &format!("handle=ann@x.com&password={OTHER_PW}&code={code}"),
    )
    .await
    .assert_true();
    assert!(!token_works(&app, &token(&session)).await);
    assert_eq!(login(&app, &info, "ann@x.com", OTHER_PW).await.status, 200);
}

#[tokio::test]
async fn reset_code_expires_after_30_minutes() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    app.clock.advance_secs(30 * 60 + 1);
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_error(400, 411);
    assert_eq!(login(&app, &info, "ann@x.com", PW).await.status, 200);
}

#[tokio::test]
async fn reset_code_still_works_just_before_30_minutes() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    app.clock.advance_secs(30 * 60 - 1);
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_true();
}

#[tokio::test]
async fn five_wrong_reset_codes_kill_the_code() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    for _ in 0..5 {
        reset(&app, &info, "ann@x.com", OTHER_PW, &wrong_code(&code))
            .await
            .assert_error(400, 602);
    }
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_error(400, 614);
    assert_eq!(login(&app, &info, "ann@x.com", PW).await.status, 200);
}

#[tokio::test]
async fn a_reset_code_works_only_once() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_true();
    reset(&app, &info, "ann@x.com", THIRD_PW, &code)
        .await
        .assert_error(400, 602);
    assert_eq!(login(&app, &info, "ann@x.com", OTHER_PW).await.status, 200);
}

#[tokio::test]
async fn a_newer_reset_request_kills_the_older_code() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let old = app.last_code_for("ann@x.com");
    // Draw until the new code differs (1 in a million it repeats).
    let mut new = old.clone();
    while new == old {
        forgot(&app, &info, "ann@x.com").await.assert_true();
        new = app.last_code_for("ann@x.com");
    }
    reset(&app, &info, "ann@x.com", OTHER_PW, &old)
        .await
        .assert_error(400, 602);
    reset(&app, &info, "ann@x.com", OTHER_PW, &new)
        .await
        .assert_true();
}

#[tokio::test]
async fn a_new_reset_request_restores_the_tries() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    for _ in 0..5 {
        reset(&app, &info, "ann@x.com", OTHER_PW, &wrong_code(&code))
            .await
            .assert_error(400, 602);
    }
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_true();
}

#[tokio::test]
async fn reset_password_refuses_bad_requests_without_changing_anything() {
    let (app, info, _) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    let h = [("app-token", info.app_token.as_str())];
    // Malformed new password: 602, and no try is spent.
    for bad in ["short", "5EBE2294ECD0E0F08EAB7690D2A6EE69"] {
        reset(&app, &info, "ann@x.com", bad, &code)
            .await
            .assert_error(400, 602);
    }
    app.post_form(RESET, &h, &format!("handle=ann@x.com&password={OTHER_PW}"))
        .await
        .assert_error(400, 403);
    app.post_json(RESET, &h, json!({"handle": "ann@x.com", "code": code}))
        .await
        .assert_error(400, 403);
    reset(&app, &info, "ann@x.com", OTHER_PW, "12ab56")
        .await
        .assert_error(400, 602);
    reset(&app, &info, "nobody@x.com", OTHER_PW, &code)
        .await
        .assert_error(400, 602);
    app.post_json(
        RESET,
        &[],
        json!({"handle": "ann@x.com", "password": OTHER_PW, "code": code}),
    )
    .await
    .assert_error(400, 400);
    app.post_json(
        RESET,
        &h,
        json!({"handle": "ann@x.com", "password": OTHER_PW, "code": [code]}),
    )
    .await
    .assert_error(400, 602);
    // Nothing changed: the code still works and the old password still logs in until then.
    assert_eq!(login(&app, &info, "ann@x.com", PW).await.status, 200);
    reset(&app, &info, "ann@x.com", OTHER_PW, &code)
        .await
        .assert_true();
}

#[tokio::test]
async fn a_reset_email_escapes_a_handle_holding_markup() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let handle = "<script>alert(1)</script>@x.com";
    app.signed_up_user(&info, handle).await;
    forgot(&app, &info, handle).await.assert_true();
    let mail = app.outbox().into_iter().last().unwrap();
    assert_eq!(mail.to, handle);
    assert!(mail.subject.contains("Reset"));
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(
        mail.html
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;@x.com"),
        "{}",
        mail.html
    );
}

#[tokio::test]
async fn change_password_keeps_the_callers_session_and_revokes_the_others() {
    let (app, info, session) = user_with_app().await;
    let caller = token(&session);
    let other = token(&login(&app, &info, "ann@x.com", PW).await.json());
    app.post_json(
        CHANGE,
        &[("access-token", &caller)],
        json!({"password": PW, "newPassword": OTHER_PW}),
    )
    .await
    .assert_true();
    assert!(
        token_works(&app, &caller).await,
        "the caller's token keeps working"
    );
    assert!(
        !token_works(&app, &other).await,
        "other sessions are refused"
    );
    login(&app, &info, "ann@x.com", PW)
        .await
        .assert_error(400, 600);
    assert_eq!(login(&app, &info, "ann@x.com", OTHER_PW).await.status, 200);

    // Again, with the Swift form body, from the surviving session.
    let newer = token(&login(&app, &info, "ann@x.com", OTHER_PW).await.json());
    app.post_form(
        CHANGE,
        &[("access-token", &caller)],
        &format!("password={OTHER_PW}&newPassword={THIRD_PW}"),
    )
    .await
    .assert_true();
    assert!(token_works(&app, &caller).await);
    assert!(!token_works(&app, &newer).await);
    assert_eq!(login(&app, &info, "ann@x.com", THIRD_PW).await.status, 200);
}

#[tokio::test]
async fn change_password_refuses_bad_requests_without_changing_anything() {
    let (app, info, session) = user_with_app().await;
    let access = token(&session);
    let h = [("access-token", access.as_str())];
    // Equal passwords, malformed new password, wrong old password: the original's 602.
    app.post_json(CHANGE, &h, json!({"password": PW, "newPassword": PW}))
        .await
        .assert_error(400, 602);
    app.post_form(CHANGE, &h, &format!("password={PW}&newPassword=short"))
        .await
        .assert_error(400, 602);
    app.post_json(
        CHANGE,
        &h,
        json!({"password": THIRD_PW, "newPassword": OTHER_PW}),
    )
    .await
    .assert_error(400, 602);
    app.post_json(CHANGE, &h, json!({"password": PW}))
        .await
        .assert_error(400, 403);
    app.post_form(CHANGE, &h, &format!("newPassword={OTHER_PW}"))
        .await
        .assert_error(400, 403);
    app.post_json(
        CHANGE,
        &h,
        json!({"password": PW, "newPassword": [OTHER_PW]}),
    )
    .await
    .assert_error(400, 602);
    // An app token is not a user.
    app.post_json(
        CHANGE,
        &[("app-token", info.app_token.as_str())],
        json!({"password": PW, "newPassword": OTHER_PW}),
    )
    .await
    .assert_error(400, 405);
    app.post_json(
        CHANGE,
        &[("access-token", "forged")],
        json!({"password": PW, "newPassword": OTHER_PW}),
    )
    .await
    .assert_error(400, 405);
    assert!(token_works(&app, &access).await);
    assert_eq!(login(&app, &info, "ann@x.com", PW).await.status, 200);
}

#[tokio::test]
async fn wrong_old_passwords_are_limited_like_logins() {
    let (app, _, session) = user_with_app().await;
    let access = token(&session);
    let h = [("access-token", access.as_str())];
    for _ in 0..10 {
        app.post_json(
            CHANGE,
            &h,
            json!({"password": THIRD_PW, "newPassword": OTHER_PW}),
        )
        .await
        .assert_error(400, 602);
    }
    let r = app
        .post_json(CHANGE, &h, json!({"password": PW, "newPassword": OTHER_PW}))
        .await;
    r.assert_error(429, 615);
    assert!(r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn reset_password_through_an_api_gateway_v2_event() {
    let (app, info, session) = user_with_app().await;
    forgot(&app, &info, "ann@x.com").await.assert_true();
    let code = app.last_code_for("ann@x.com");
    let event = event(
        "reset-password",
        &[
            ("__APP_TOKEN__", &info.app_token),
            ("__HANDLE__", "ann@x.com"),
            ("__PASSWORD__", OTHER_PW),
            ("__CODE__", &code),
        ],
    );
    let r = invoke(&app, (keyturn_fn_reset_password::ROUTE.router)(), &event).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, "true");
    assert!(!token_works(&app, &token(&session)).await);
    assert_eq!(login(&app, &info, "ann@x.com", OTHER_PW).await.status, 200);

    // The same event again: the code is spent.
    let r = invoke(&app, (keyturn_fn_reset_password::ROUTE.router)(), &event).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 602);
}
