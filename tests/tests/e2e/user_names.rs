//! `setUserName`, `userNameAvailable` and login by username through the HTTP door, including
//! the race for one name on both store engines.

use std::sync::Arc;

use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::routes::{LOGIN, SET_USER_NAME};
use crate::support::users::{access, edit_user, session_claims, user_id};

const BOB: &str = "bob@example.com";
const ANN: &str = "ann@example.com";

async fn names_app(app: &TestApp) -> TestAppInfo {
    app.create_app(json!({"signupFlow": "none", "userNamesEnabled": true}))
        .await
}

/// A form `setUserName` with exactly `body`.
async fn set_name_form(app: &TestApp, token: &str, body: &str) -> crate::support::app::Resp {
    app.post_form(SET_USER_NAME, &[("access-token", token)], body)
        .await
}

#[tokio::test]
async fn a_user_name_set_once_logs_in_and_appears_in_the_jwt() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let session = app.quick_user(&info, BOB, json!({})).await;
    let token = access(&session);
    app.set_user_name(&token, json!("  Bob_B "))
        .await
        .assert_true();
    let user = app.get_user(&token).await.json();
    assert_eq!(user["userName"], "bob_b");
    for identifier in ["bob_b", "BOB_B "] {
        let r = app.login(&info, identifier, PW).await;
        let c = session_claims(&r.ok_json());
        assert_eq!(c["userName"], "bob_b");
        assert_eq!(c["sub"], user_id(&session));
        assert_eq!(c["email"], BOB);
    }
    // A wrong password or an unknown name is the uniform 600.
    for form in [
        format!("handle=bob_b&password={OTHER_PW}"),
        format!("handle=nobody&password={PW}"),
    ] {
        app.post_form(LOGIN, &[("app-token", &info.app_token)], &form)
            .await
            .assert_error(400, 600);
    }
}

#[tokio::test]
async fn a_user_name_can_be_set_with_a_swift_form_body() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let token = app.quick_access(&info, BOB).await;
    set_name_form(&app, &token, "userName=Bob.Smith-1")
        .await
        .assert_true();
    assert_eq!(
        app.user_name_available(&token, "userName=bob.smith-1")
            .await
            .json(),
        json!({"available": false})
    );
}

#[tokio::test]
async fn a_user_name_is_set_only_once_and_never_twice_in_an_app() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let bob = app.quick_access(&info, BOB).await;
    let ann = app.quick_access(&info, ANN).await;
    app.set_user_name(&bob, json!("bobby")).await.assert_true();
    app.set_user_name(&bob, json!("robert"))
        .await
        .assert_error(400, 602);
    app.set_user_name(&ann, json!("BOBBY"))
        .await
        .assert_error(400, 605);
    set_name_form(&app, &ann, "userName=bobby")
        .await
        .assert_error(400, 605);
    // The loser keeps no name and no claim: the name she asked second is still free for her.
    assert_eq!(
        app.user_name_available(&ann, "userName=robert")
            .await
            .json()["available"],
        true
    );
    app.set_user_name(&ann, json!("robert")).await.assert_true();
}

#[tokio::test]
async fn user_names_are_separate_per_app() {
    let app = TestApp::new().await;
    let one = names_app(&app).await;
    let two = names_app(&app).await;
    let a = app.quick_access(&one, BOB).await;
    let b = app.quick_access(&two, BOB).await;
    app.set_user_name(&a, json!("bobby")).await.assert_true();
    app.set_user_name(&b, json!("bobby")).await.assert_true();
}

#[tokio::test]
async fn malformed_user_names_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let session = app.quick_user(&info, BOB, json!({})).await;
    let token = access(&session);
    for bad in [
        json!("ab"),
        json!("bob@example.com"),
        json!("bob smith"),
        json!("x".repeat(33)),
    ] {
        app.set_user_name(&token, bad).await.assert_error(400, 602);
    }
    app.set_user_name(&token, json!(["bobby", "other"]))
        .await
        .assert_error(400, 602);
    set_name_form(&app, &token, "userName=bobby&userName=other")
        .await
        .assert_error(400, 602);
    set_name_form(&app, &token, "").await.assert_error(400, 403);
    assert_eq!(
        app.user_name_available(&token, "userName=bobby")
            .await
            .json()["available"],
        true
    );
    app.set_user_name(&token, json!("bobby"))
        .await
        .assert_true();
}

#[tokio::test]
async fn user_name_routes_are_606_when_the_app_has_no_usernames() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({"signupFlow": "none"})).await;
    let token = app.quick_access(&info, BOB).await;
    app.set_user_name(&token, json!("bobby"))
        .await
        .assert_error(400, 606);
    set_name_form(&app, &token, "userName=bobby")
        .await
        .assert_error(400, 606);
    app.user_name_available(&token, "userName=bobby")
        .await
        .assert_error(400, 606);
    app.login(&info, "bobby", PW).await.assert_error(400, 606);
}

#[tokio::test]
async fn user_name_availability_follows_claims() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let bob = app.quick_access(&info, BOB).await;
    let ann = app.quick_access(&info, ANN).await;
    let r = app.user_name_available(&ann, "userName=Bobby").await;
    assert_eq!(r.ok_json(), json!({"available": true}));
    app.set_user_name(&bob, json!("bobby")).await.assert_true();
    assert_eq!(
        app.user_name_available(&ann, "userName=%20BOBBY%20")
            .await
            .json(),
        json!({"available": false})
    );
    app.user_name_available(&ann, "userName=a@b.com")
        .await
        .assert_error(400, 602);
    app.user_name_available(&ann, "userName=x&userName=y")
        .await
        .assert_error(400, 602);
    app.user_name_available(&ann, "")
        .await
        .assert_error(400, 403);
}

#[tokio::test]
async fn user_name_routes_refuse_expired_and_revoked_tokens() {
    let app = TestApp::new().await;
    let info = names_app(&app).await;
    let session = app.quick_user(&info, BOB, json!({})).await;
    let token = access(&session);
    edit_user(&app, &user_id(&session), |u| u["tokenEpoch"] = json!(3)).await;
    app.set_user_name(&token, json!("bobby"))
        .await
        .assert_error(400, 405);
    app.user_name_available(&token, "userName=bobby")
        .await
        .assert_error(400, 405);
    let fresh = access(&app.login(&info, BOB, PW).await.json());
    app.clock.advance_secs(25 * 3600);
    set_name_form(&app, &fresh, "userName=bobby")
        .await
        .assert_error(400, 405);
    app.user_name_available(&fresh, "userName=bobby")
        .await
        .assert_error(400, 405);
}

/// 20 users ask for one name at once: exactly one gets it, the others 605, and the winner's
/// record and the claim agree.
async fn twenty_users_race_for_one_name(app: TestApp) {
    let app = Arc::new(app);
    let info = names_app(&app).await;
    let mut tokens = Vec::new();
    for i in 0..20 {
        let s = app
            .quick_user(&info, &format!("racer{i}@example.com"), json!({}))
            .await;
        tokens.push((user_id(&s), access(&s)));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (id, token) in tokens {
        let app = app.clone();
        tasks.spawn(async move { (id, app.set_user_name(&token, "winner").await) });
    }
    let mut winners = Vec::new();
    let mut losers = 0;
    while let Some(done) = tasks.join_next().await {
        let (id, r) = done.unwrap();
        if r.status == 200 {
            r.assert_true();
            winners.push(id);
        } else {
            r.assert_error(400, 605);
            losers += 1;
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner");
    assert_eq!(losers, 19);
    let claim = app
        .store
        .get(&keyturn::store::Key::new(
            format!("APP#{}#U#winner", info.app_id),
            "USERNAME",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.data["userId"], winners[0].as_str());
    let r = app.login(&info, "winner", PW).await;
    assert_eq!(session_claims(&r.json())["sub"], winners[0].as_str());
}

on_both_engines!(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] twenty_users_race_for_one_name:
    twenty_concurrent_set_user_names_have_one_winner_on_sqlite,
    twenty_concurrent_set_user_names_have_one_winner_on_dynamodb);
