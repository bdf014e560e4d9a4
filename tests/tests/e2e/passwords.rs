//! forgotPassword, resetPassword and changePassword through the HTTP door (JSON and Swift-style
//! form bodies), plus resetPassword through an API Gateway HTTP API v2 event.

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::flows::{app_token, assert_escapes_script_handle, wrong_code};
use crate::support::lambda::{event, invoke};
use crate::support::routes::RESET_PASSWORD as RESET;
use crate::support::routes::{CHANGE_PASSWORD as CHANGE, FORGOT_PASSWORD as FORGOT};
use crate::support::users::{access as token, token_works};

/// The MD5 of `third`.
const THIRD_PW: &str = "dd5c8bf51558ffcbe5007071908e9524";

/// `resetPassword` of ann@x.com to `pw` with `code`.
async fn reset_ann(app: &TestApp, info: &TestAppInfo, pw: &str, code: &str) -> Resp {
    app.reset_password(info, "ann@x.com", pw, code).await
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
    let known = app.forgot_password(&info, "ann@x.com").await;
    let unknown = app.forgot_password(&info, "nobody@x.com").await;
    known.assert_true();
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.text, unknown.text);
    let sent = app.outbox();
    assert_eq!(sent.len(), before + 1, "only the known handle gets mail");
    assert_eq!(sent.last().unwrap().to, "ann@x.com");
    assert!(sent.last().unwrap().subject.contains("Reset"));

    // The Swift SDK's form body, with an unencoded `@`.
    let h = app_token(&info);
    let known = app.post_form(FORGOT, &h, "handle=ann@x.com").await;
    let unknown = app.post_form(FORGOT, &h, "handle=nobody@x.com").await;
    known.assert_true();
    assert_eq!((known.status, known.text), (unknown.status, unknown.text));
}

#[tokio::test]
async fn forgot_password_limit_answers_the_same_for_unknown_and_known_handles() {
    let (app, info, _) = user_with_app().await;
    for _ in 0..5 {
        app.forgot_password(&info, "ann@x.com").await.assert_true();
        app.forgot_password(&info, "nobody@x.com")
            .await
            .assert_true();
    }
    let known = app.forgot_password(&info, "ann@x.com").await;
    let unknown = app.forgot_password(&info, "nobody@x.com").await;
    known.assert_error(429, 615);
    assert_eq!(known.text, unknown.text);
    assert_eq!(known.status, unknown.status);
    assert!(known.headers.contains_key("retry-after"));
    assert!(unknown.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn forgot_password_refuses_bad_requests() {
    let (app, info, _) = user_with_app().await;
    let h = app_token(&info);
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
    app.forgot_password(&info, "ann")
        .await
        .assert_error(400, 606);
}

#[tokio::test]
async fn forgot_password_accepts_an_access_token_as_the_app_carrier() {
    let (app, _, session) = user_with_app().await;
    let access = token(&session);
    let body = json!({"handle": "ann@x.com"});
    app.post_json(FORGOT, &[("access-token", &access)], body)
        .await
        .assert_true();
}

on_both_engines!(#[tokio::test] reset_revokes_every_token:
    reset_password_sets_the_new_password_and_revokes_every_access_token,
    reset_password_revokes_every_access_token_in_dynamodb);

async fn reset_revokes_every_token(app: TestApp) {
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let first = token(&session);
    let second = token(&app.login(&info, "ann@x.com", PW).await.json());
    assert!(token_works(&app, &first).await && token_works(&app, &second).await);

    let code = app.reset_code(&info, "ann@x.com").await;
    reset_ann(&app, &info, OTHER_PW, &code).await.assert_true();

    assert!(!token_works(&app, &first).await);
    assert!(!token_works(&app, &second).await);
    app.login(&info, "ann@x.com", PW)
        .await
        .assert_error(400, 600);
    let fresh = app.login(&info, "ann@x.com", OTHER_PW).await.ok_json();
    assert!(token_works(&app, &token(&fresh)).await);
}

#[tokio::test]
async fn reset_password_works_with_a_swift_form_body() {
    let (app, info, session) = user_with_app().await;
    let h = app_token(&info);
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
    app.login(&info, "ann@x.com", OTHER_PW).await.ok_json();
}

#[tokio::test]
async fn reset_code_expires_after_30_minutes() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    app.clock.advance_secs(30 * 60 + 1);
    reset_ann(&app, &info, OTHER_PW, &code)
        .await
        .assert_error(400, 411);
    app.login(&info, "ann@x.com", PW).await.ok_json();
}

#[tokio::test]
async fn reset_code_still_works_just_before_30_minutes() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    app.clock.advance_secs(30 * 60 - 1);
    reset_ann(&app, &info, OTHER_PW, &code).await.assert_true();
}

#[tokio::test]
async fn five_wrong_reset_codes_kill_the_code() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    for _ in 0..5 {
        reset_ann(&app, &info, OTHER_PW, &wrong_code(&code))
            .await
            .assert_error(400, 602);
    }
    reset_ann(&app, &info, OTHER_PW, &code)
        .await
        .assert_error(400, 614);
    app.login(&info, "ann@x.com", PW).await.ok_json();
}

#[tokio::test]
async fn a_reset_code_works_only_once() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    reset_ann(&app, &info, OTHER_PW, &code).await.assert_true();
    reset_ann(&app, &info, THIRD_PW, &code)
        .await
        .assert_error(400, 602);
    app.login(&info, "ann@x.com", OTHER_PW).await.ok_json();
}

#[tokio::test]
async fn a_newer_reset_request_kills_the_older_code() {
    let (app, info, _) = user_with_app().await;
    let old = app.reset_code(&info, "ann@x.com").await;
    // Draw until the new code differs (1 in a million it repeats).
    let mut new = old.clone();
    while new == old {
        new = app.reset_code(&info, "ann@x.com").await;
    }
    reset_ann(&app, &info, OTHER_PW, &old)
        .await
        .assert_error(400, 602);
    reset_ann(&app, &info, OTHER_PW, &new).await.assert_true();
}

#[tokio::test]
async fn a_new_reset_request_restores_the_tries() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    for _ in 0..5 {
        reset_ann(&app, &info, OTHER_PW, &wrong_code(&code))
            .await
            .assert_error(400, 602);
    }
    let code = app.reset_code(&info, "ann@x.com").await;
    reset_ann(&app, &info, OTHER_PW, &code).await.assert_true();
}

#[tokio::test]
async fn reset_password_refuses_bad_requests_without_changing_anything() {
    let (app, info, _) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
    let h = app_token(&info);
    // Malformed new password: 602, and no try is spent.
    for bad in ["short", "5EBE2294ECD0E0F08EAB7690D2A6EE69"] {
        reset_ann(&app, &info, bad, &code)
            .await
            .assert_error(400, 602);
    }
    app.post_form(RESET, &h, &format!("handle=ann@x.com&password={OTHER_PW}"))
        .await
        .assert_error(400, 403);
    app.post_json(RESET, &h, json!({"handle": "ann@x.com", "code": code}))
        .await
        .assert_error(400, 403);
    reset_ann(&app, &info, OTHER_PW, "12ab56")
        .await
        .assert_error(400, 602);
    app.reset_password(&info, "nobody@x.com", OTHER_PW, &code)
        .await
        .assert_error(400, 602);
    let body = json!({"handle": "ann@x.com", "password": OTHER_PW, "code": code});
    app.post_json(RESET, &[], body).await.assert_error(400, 400);
    let body = json!({"handle": "ann@x.com", "password": OTHER_PW, "code": [code]});
    app.post_json(RESET, &h, body).await.assert_error(400, 602);
    // Nothing changed: the code still works and the old password still logs in until then.
    app.login(&info, "ann@x.com", PW).await.ok_json();
    reset_ann(&app, &info, OTHER_PW, &code).await.assert_true();
}

#[tokio::test]
async fn a_reset_email_escapes_a_handle_holding_markup() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let handle = "<script>alert(1)</script>@x.com";
    app.signed_up_user(&info, handle).await;
    app.forgot_password(&info, handle).await.assert_true();
    let mail = app.outbox().into_iter().last().unwrap();
    assert_eq!(mail.to, handle);
    assert!(mail.subject.contains("Reset"));
    assert_escapes_script_handle(&mail.html);
}

#[tokio::test]
async fn change_password_keeps_the_callers_session_and_revokes_the_others() {
    let (app, info, session) = user_with_app().await;
    let caller = token(&session);
    let other = token(&app.login(&info, "ann@x.com", PW).await.json());
    let r = app.change_password(&caller, PW, OTHER_PW).await;
    r.assert_true();
    assert!(
        token_works(&app, &caller).await,
        "the caller's token keeps working"
    );
    assert!(
        !token_works(&app, &other).await,
        "other sessions are refused"
    );
    app.login(&info, "ann@x.com", PW)
        .await
        .assert_error(400, 600);
    app.login(&info, "ann@x.com", OTHER_PW).await.ok_json();

    // Again, with the Swift form body, from the surviving session.
    let newer = token(&app.login(&info, "ann@x.com", OTHER_PW).await.json());
    app.post_form(
        CHANGE,
        &[("access-token", &caller)],
        &format!("password={OTHER_PW}&newPassword={THIRD_PW}"),
    )
    .await
    .assert_true();
    assert!(token_works(&app, &caller).await);
    assert!(!token_works(&app, &newer).await);
    app.login(&info, "ann@x.com", THIRD_PW).await.ok_json();
}

#[tokio::test]
async fn change_password_refuses_bad_requests_without_changing_anything() {
    let (app, info, session) = user_with_app().await;
    let access = token(&session);
    let h = [("access-token", access.as_str())];
    // Equal passwords, malformed new password, wrong old password: the original's 602.
    app.change_password(&access, PW, PW)
        .await
        .assert_error(400, 602);
    app.post_form(CHANGE, &h, &format!("password={PW}&newPassword=short"))
        .await
        .assert_error(400, 602);
    app.change_password(&access, THIRD_PW, OTHER_PW)
        .await
        .assert_error(400, 602);
    app.post_json(CHANGE, &h, json!({"password": PW}))
        .await
        .assert_error(400, 403);
    app.post_form(CHANGE, &h, &format!("newPassword={OTHER_PW}"))
        .await
        .assert_error(400, 403);
    let body = json!({"password": PW, "newPassword": [OTHER_PW]});
    app.post_json(CHANGE, &h, body).await.assert_error(400, 602);
    // An app token is not a user; neither is a forged access token.
    let body = json!({"password": PW, "newPassword": OTHER_PW});
    app.post_json(CHANGE, &app_token(&info), body)
        .await
        .assert_error(400, 405);
    app.change_password("forged", PW, OTHER_PW)
        .await
        .assert_error(400, 405);
    assert!(token_works(&app, &access).await);
    app.login(&info, "ann@x.com", PW).await.ok_json();
}

#[tokio::test]
async fn wrong_old_passwords_are_limited_like_logins() {
    let (app, _, session) = user_with_app().await;
    let access = token(&session);
    for _ in 0..10 {
        app.change_password(&access, THIRD_PW, OTHER_PW)
            .await
            .assert_error(400, 602);
    }
    let r = app.change_password(&access, PW, OTHER_PW).await;
    r.assert_limited();
}

#[tokio::test]
async fn reset_password_through_an_api_gateway_v2_event() {
    let (app, info, session) = user_with_app().await;
    let code = app.reset_code(&info, "ann@x.com").await;
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
    r.assert_true();
    assert!(!token_works(&app, &token(&session)).await);
    app.login(&info, "ann@x.com", OTHER_PW).await.ok_json();

    // The same event again: the code is spent.
    let r = invoke(&app, (keyturn_fn_reset_password::ROUTE.router)(), &event).await;
    r.assert_error(400, 602);
}
