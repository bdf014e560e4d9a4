//! The signup → login → verifiable JWT flow through HTTP over the DynamoDB engine (moto over
//! loopback), the same flow over SQLite, and a race: many concurrent completions of one signup
//! with the right code create exactly one account, on both engines.

use std::sync::Arc;

use keyturn::clock::ManualClock;
use keyturn::store::{Index, Query};
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp};
use crate::support::users::login;
use crate::user_jwt::{to_wall_time, verify_user_jwt};

/// A stack over a fresh DynamoDB table in moto, its clock at wall time.
pub(crate) async fn over_dynamodb() -> TestApp {
    let clock = ManualClock::at(0);
    to_wall_time(&clock);
    TestApp::builder().clock(clock).dynamodb().build().await
}

async fn over_sqlite() -> TestApp {
    let app = TestApp::new().await;
    to_wall_time(&app.clock);
    app
}

/// Users the store lists under the app (the app-wide index).
async fn users_of(app: &TestApp, app_id: &str) -> Vec<String> {
    let page = app
        .store
        .query(Query {
            index: Index::Secondary,
            pk: format!("APP#{app_id}#USERS"),
            sk_prefix: String::new(),
            limit: 100,
            cursor: None,
        })
        .await
        .unwrap();
    page.items.into_iter().map(|i| i.key.pk).collect()
}

async fn signup_login_and_verify(app: &TestApp) {
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
            "/api/appuser/signup",
            &h,
            &format!(
                "handle=Bob@Example.com&password={PW}&metaData={}",
                r#"{"user_data":{"name":{"first":"Bob"}},"role":"root"}"#
            ),
        )
        .await;
    r.assert_true();
    let (status, v) = login(app, &info, "bob@example.com", PW)
        .await
        .status_and_json();
    assert_eq!((status, &v["code"]), (400, &json!(608)), "pending: {v}");
    let code = app.last_code_for("bob@example.com");
    let r = app
        .post_json(
            "/api/appuser/completeSignup",
            &h,
            json!({ "handle": "bob@example.com", "code": code }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let (status, wrong) = login(app, &info, "bob@example.com", OTHER_PW)
        .await
        .status_and_json();
    assert_eq!((status, &wrong["code"]), (400, &json!(600)));
    let (status, v) = login(app, &info, " BOB@example.com", PW)
        .await
        .status_and_json();
    assert_eq!(status, 200, "{v}");

    let claims = verify_user_jwt(app, &info.app_id, v["jwt"].as_str().unwrap(), "realm-flow")
        .await
        .unwrap();
    assert_eq!(claims["email"], "bob@example.com");
    assert_eq!(claims["user_data"], json!({ "name": { "first": "Bob" } }));
    assert!(claims.get("role").is_none());
    let access = v["access-token"].as_str().unwrap();
    let r = app
        .get("/api/appuser/getApplication", &[("access-token", access)])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(users_of(app, &info.app_id).await.len(), 1);
}

#[tokio::test]
async fn signup_login_and_jwt_work_over_dynamodb() {
    signup_login_and_verify(&over_dynamodb().await).await;
}

#[tokio::test]
async fn signup_login_and_jwt_work_over_sqlite() {
    signup_login_and_verify(&over_sqlite().await).await;
}

async fn lockout_then_recovery(app: &TestApp) {
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, "bob@example.com").await;
    for _ in 0..10 {
        let (status, v) = login(app, &info, "bob@example.com", OTHER_PW)
            .await
            .status_and_json();
        assert_eq!((status, &v["code"]), (400, &json!(600)), "{v}");
    }
    let (status, v) = login(app, &info, "bob@example.com", PW)
        .await
        .status_and_json();
    assert_eq!((status, &v["code"]), (429, &json!(615)), "{v}");

    app.clock.advance_secs(15 * 60 + 1);

    let (status, v) = login(app, &info, "bob@example.com", PW)
        .await
        .status_and_json();
    assert_eq!(status, 200, "{v}");
}

#[tokio::test]
async fn login_lockout_works_over_dynamodb() {
    lockout_then_recovery(&over_dynamodb().await).await;
}

/// 20 completions of one signup with the right code at once: exactly one succeeds, every other
/// gets a typed refusal, and the store holds exactly one account.
async fn concurrent_completions_create_one_account(app: TestApp) {
    let app = Arc::new(app);
    let info = app.create_app(json!({})).await;
    let h = [("app-token", info.app_token.as_str())];
    app.post_json(
        "/api/appuser/signup",
        &h,
        json!({ "handle": "race@example.com", "password": PW }),
    )
    .await
    .assert_true();
    let code = app.last_code_for("race@example.com");

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let app = app.clone();
        let token = info.app_token.clone();
        let code = code.clone();
        tasks.spawn(async move {
            let r = app
                .post_json(
                    "/api/appuser/completeSignup",
                    &[("app-token", token.as_str())],
                    json!({ "handle": "race@example.com", "code": code }),
                )
                .await;
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
    assert_eq!(users_of(&app, &info.app_id).await.len(), 1);
    let (status, v) = login(&app, &info, "race@example.com", PW)
        .await
        .status_and_json();
    assert_eq!(status, 200, "{v}");
    let welcome_or_code = app
        .outbox()
        .into_iter()
        .filter(|m| m.to == "race@example.com")
        .count();
    assert!(welcome_or_code <= 2, "at most the code and one welcome");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_create_one_account_over_dynamodb() {
    concurrent_completions_create_one_account(over_dynamodb().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_create_one_account_over_sqlite() {
    concurrent_completions_create_one_account(over_sqlite().await).await;
}
