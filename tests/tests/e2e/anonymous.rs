//! `loginAnonymous` through the HTTP door, including the repeated-handle takeover attempt.

use std::sync::Arc;

use serde_json::json;

use crate::support::app::{PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::routes::LOGIN_ANONYMOUS;
use crate::support::users::{access, edit_user, session_claims, stored_user, user_id};

const HANDLE: &str = "ANON_6f1c2d3e-AbCd-4e5f";
const VICTIM: &str = "victim@x.com";

async fn anon_app(app: &TestApp) -> TestAppInfo {
    app.create_app(json!({
        "signupFlow": "none",
        "anonymousLoginEnabled": true,
        "metaData": [
            {"path": "user.name", "fieldName": "name", "required": true, "canEdit": true},
            {"path": "team", "fieldName": "teamName", "required": false, "canEdit": false}
        ]
    }))
    .await
}

async fn anon_form(app: &TestApp, info: &TestAppInfo, body: &str) -> Resp {
    app.post_form(LOGIN_ANONYMOUS, &[("app-token", &info.app_token)], body)
        .await
}

#[tokio::test]
async fn the_first_anonymous_login_creates_a_user_with_anon_metadata() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    let session = app.login_anonymous(&info, HANDLE).await.ok_json();
    let c = session_claims(&session);
    assert_eq!(c["user"]["name"], "ANON_name");
    assert_eq!(c["team"], "ANON_teamName");
    let user = app.get_user(&access(&session)).await.json();
    assert_eq!(user["handle"], HANDLE, "case is preserved");
    assert_eq!(user["status"], "active");
    let stored = stored_user(&app, &user_id(&session)).await;
    assert_eq!(stored["anonymous"], true);
    assert_eq!(stored["passwordHash"], "");
}

#[tokio::test]
async fn the_same_handle_logs_the_same_user_in_again_with_a_form_body() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    let first = app.login_anonymous(&info, HANDLE).await.json();
    let r = anon_form(&app, &info, &format!("handle={HANDLE}")).await;
    assert_eq!(user_id(&r.ok_json()), user_id(&first));
    // Handles are case-sensitive: another case is another user.
    let other = app
        .login_anonymous(&info, json!(HANDLE.replace("AbCd", "abcd")))
        .await
        .json();
    assert_ne!(user_id(&other), user_id(&first));
}

#[tokio::test]
async fn anonymous_login_is_414_when_the_app_does_not_allow_it() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"signupFlow": "none"})).await;
    app.login_anonymous(&info, HANDLE)
        .await
        .assert_error(400, 414);
    anon_form(&app, &info, &format!("handle={HANDLE}"))
        .await
        .assert_error(400, 414);
}

#[tokio::test]
async fn handles_must_start_with_anon_and_stay_plain() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    for not_anon in ["x_ANON_12345678", "anon_12345678", VICTIM] {
        app.login_anonymous(&info, json!(not_anon))
            .await
            .assert_error(400, 600);
    }
    anon_form(&app, &info, "handle=user_ANON_12345678")
        .await
        .assert_error(400, 600);
    let too_long = format!("ANON_{}", "a".repeat(124));
    for bad in [
        "ANON_",
        "ANON_1234",
        "ANON_victim@x.com",
        "ANON_a+b+c+d+e",
        too_long.as_str(),
    ] {
        anon_form(&app, &info, &format!("handle={bad}"))
            .await
            .assert_error(400, 602);
    }
    app.login_anonymous(&info, json!("ANON_<script>12345"))
        .await
        .assert_error(400, 602);
    anon_form(&app, &info, "").await.assert_error(400, 403);
    app.post_json(
        LOGIN_ANONYMOUS,
        &[("app-token", "forged")],
        json!({ "handle": HANDLE }),
    )
    .await
    .assert_error(400, 400);
}

#[tokio::test]
async fn the_s1_parameter_pollution_attack_never_logs_in_as_the_victim() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    let victim = app
        .quick_user(&info, VICTIM, json!({"user": {"name": "Vic"}}))
        .await;
    anon_form(&app, &info, &format!("handle=ANON_&handle={VICTIM}"))
        .await
        .assert_error(400, 602);
    anon_form(
        &app,
        &info,
        &format!("handle={VICTIM}&handle=ANON_12345678"),
    )
    .await
    .assert_error(400, 602);
    app.login_anonymous(&info, json!(["ANON_", VICTIM]))
        .await
        .assert_error(400, 602);
    app.login_anonymous(&info, json!({"$in": ["ANON_", VICTIM]}))
        .await
        .assert_error(400, 602);
    // The victim's account is untouched and still theirs alone.
    let stored = stored_user(&app, &user_id(&victim)).await;
    assert_eq!(stored["anonymous"], false);
    assert_eq!(stored["tokenEpoch"], 0);
}

#[tokio::test]
async fn an_anonymous_user_cannot_be_reached_by_password_login() {
    let app = TestApp::new().await;
    let info = app
        .create_app(json!({"anonymousLoginEnabled": true, "userNamesEnabled": true}))
        .await;
    app.login_anonymous(&info, HANDLE).await.ok_json();
    for password in [PW, ""] {
        let r = app.login(&info, HANDLE, password).await;
        assert!(r.status != 200, "{}", r.text);
    }
    app.login(&info, HANDLE, PW).await.assert_error(400, 600);
}

#[tokio::test]
async fn a_suspended_anonymous_user_is_refused_with_404() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    let session = app.login_anonymous(&info, HANDLE).await.json();
    edit_user(&app, &user_id(&session), |u| {
        u["status"] = json!("suspended")
    })
    .await;
    app.login_anonymous(&info, HANDLE)
        .await
        .assert_error(400, 404);
    anon_form(&app, &info, &format!("handle={HANDLE}"))
        .await
        .assert_error(400, 404);
    app.get_user(&access(&session)).await.assert_error(400, 405);
}

#[tokio::test]
async fn new_anonymous_users_per_client_address_are_limited() {
    let app = TestApp::new().await;
    let info = anon_app(&app).await;
    for i in 0..30 {
        let r = app
            .login_anonymous(&info, json!(format!("ANON_device-{i:04}")))
            .await;
        assert_eq!(r.status, 200, "{i}: {}", r.text);
    }
    let r = app.login_anonymous(&info, "ANON_device-0030").await;
    r.assert_limited();
    // Existing anonymous users still log in; the limit is on creating them.
    assert_eq!(
        app.login_anonymous(&info, json!("ANON_device-0007"))
            .await
            .status,
        200
    );
    app.clock.advance_secs(3601);
    assert_eq!(
        app.login_anonymous(&info, json!("ANON_device-0030"))
            .await
            .status,
        200
    );
}

/// Ten first logins of one handle at once: one user is created, every caller gets it.
async fn concurrent_first_logins_create_one_user(app: TestApp) {
    let app = Arc::new(app);
    let info = anon_app(&app).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (app, info) = (app.clone(), info.clone());
        tasks.spawn(async move { app.login_anonymous(&info, HANDLE).await });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        ids.insert(user_id(&done.unwrap().ok_json()));
    }
    assert_eq!(ids.len(), 1, "one user for one handle");
}

on_both_engines!(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] concurrent_first_logins_create_one_user:
    concurrent_first_logins_of_one_handle_create_one_user_on_sqlite,
    concurrent_first_logins_of_one_handle_create_one_user_on_dynamodb);
