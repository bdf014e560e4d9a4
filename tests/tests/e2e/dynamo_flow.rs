//! The signup → login → verifiable JWT flow through HTTP over the DynamoDB engine (moto over
//! loopback), the same flow over SQLite, and a race: many concurrent completions of one signup
//! with the right code create exactly one account, on both engines.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp, on_both_engines};
use crate::support::jwt::verify_user_jwt;
use crate::support::routes::{GET_APPLICATION, SIGNUP};
use crate::support::users::user_count;

async fn signup_login_and_verify(app: TestApp) {
    let app = &app;
    let info = app
        .create_app(json!({
            "realmAppId": "realm-flow",
            "metaData": [{ "path": "user_data.name.first", "fieldName": "first", "required": true }],
        }))
        .await;
    let h = [("app-token", info.app_token.as_str())];

    // Swift-style form body, metadata as a JSON string.
    let r = app
        .post_form(
            SIGNUP,
            &h,
            &format!(
                "handle=Bob@Example.com&password={PW}&metaData={}",
                r#"{"user_data":{"name":{"first":"Bob"}},"role":"root"}"#
            ),
        )
        .await;
    r.assert_true();
    let login = app.login(&info, "bob@example.com", PW).await;
    login.assert_error(400, 608);
    let code = app.last_code_for("bob@example.com");
    let r = app.complete_signup(&info, "bob@example.com", &code).await;
    r.ok_json();

    let wrong = app.login(&info, "bob@example.com", OTHER_PW).await;
    wrong.assert_error(400, 600);
    let v = app.login(&info, " BOB@example.com", PW).await.ok_json();

    let claims = verify_user_jwt(app, &info.app_id, v["jwt"].as_str().unwrap(), "realm-flow")
        .await
        .unwrap();
    assert_eq!(claims["email"], "bob@example.com");
    assert_eq!(claims["user_data"], json!({ "name": { "first": "Bob" } }));
    assert!(claims.get("role").is_none());
    let access = v["access-token"].as_str().unwrap();
    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    r.ok_json();
    assert_eq!(user_count(app, &info.app_id).await, 1);
}

on_both_engines!(#[tokio::test] signup_login_and_verify:
    signup_login_and_jwt_work_over_sqlite,
    signup_login_and_jwt_work_over_dynamodb all at wall time);

async fn lockout_then_recovery(app: &TestApp) {
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, "bob@example.com").await;
    for _ in 0..10 {
        let r = app.login(&info, "bob@example.com", OTHER_PW).await;
        r.assert_error(400, 600);
    }
    let r = app.login(&info, "bob@example.com", PW).await;
    r.assert_error(429, 615);

    app.clock.advance_secs(15 * 60 + 1);

    app.login(&info, "bob@example.com", PW).await.ok_json();
}

#[tokio::test]
async fn login_lockout_works_over_dynamodb() {
    lockout_then_recovery(&TestApp::over_dynamodb().await).await;
}

/// 20 completions of one signup with the right code at once: exactly one succeeds, every other
/// gets a typed refusal, and the store holds exactly one account.
async fn concurrent_completions_create_one_account(app: TestApp) {
    let app = Arc::new(app);
    let info = app.create_app(json!({})).await;
    let code = app.signup_with_code(&info, "race@example.com").await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, info, code) = (app.clone(), info.clone(), code.clone());
        tasks.spawn(async move {
            let r = app.complete_signup(&info, "race@example.com", &code).await;
            (r.status.as_u16(), r.text)
        });
    }
    let results = tasks.join_all().await;

    let wins: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(wins.len(), 1, "exactly one completion wins: {results:#?}");
    for (status, text) in results.iter().filter(|(s, _)| *s != 200) {
        let v: Value = serde_json::from_str(text).unwrap();
        let code = v["code"].as_u64().unwrap();
        assert!(
            (*status == 400 && [601, 602, 614].contains(&code)) || (*status, code) == (429, 615),
            "a typed refusal, not {status} {text}"
        );
    }
    assert_eq!(user_count(&app, &info.app_id).await, 1);
    app.login(&info, "race@example.com", PW).await.ok_json();
    let welcome_or_code = app.messages_to("race@example.com");
    assert!(welcome_or_code <= 2, "at most the code and one welcome");
}

on_both_engines!(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] concurrent_completions_create_one_account:
    concurrent_completions_create_one_account_over_sqlite,
    concurrent_completions_create_one_account_over_dynamodb all at wall time);
