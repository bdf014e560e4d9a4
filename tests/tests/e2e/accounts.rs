//! deleteAccount through the HTTP door (JSON and Swift-style form bodies): re-authentication,
//! revocation, and a store that holds nothing of the old user afterwards — on both engines.

use keyturn::store::Index;
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp, on_both_engines};
use crate::support::flows::assert_gone;
use crate::support::routes::DELETE_ACCOUNT;
use crate::support::users::{access as token, keys_in, token_works, user_id_of};

/// Gives the user a username as setUserName would store it: the claim and the record's field.
async fn give_user_name(app: &TestApp, app_id: &str, user_id: &str, name: &str) {
    let (mut user, version) = keyturn::domain::common::repo::load_user(&app.state, user_id)
        .await
        .unwrap()
        .unwrap();
    user.user_name = Some(name.to_owned());
    let claim = keyturn::domain::common::repo::item(
        keyturn::domain::records::table_keys::user_name_claim(app_id, name),
        &json!({"userId": user_id, "handle": user.handle}),
        1,
    )
    .unwrap();
    app.store
        .transact(vec![
            keyturn::store::WriteOp::Put(
                keyturn::domain::common::repo::user_item(&user, version + 1).unwrap(),
                keyturn::store::Condition::Version(version),
            ),
            keyturn::store::WriteOp::Put(claim, keyturn::store::Condition::Absent),
        ])
        .await
        .unwrap();
}

/// The whole story on any store: a user with a username, a pending reset, a failed login and an
/// invite-like leftover deletes their account; their tokens die, the store forgets them, and the
/// handle can sign up again.
async fn delete_account_leaves_nothing_behind(app: TestApp) {
    let info = app.create_app(json!({"userNamesEnabled": true})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let other = app.signed_up_user(&info, "bob@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;
    give_user_name(&app, &info.app_id, &id, "annie").await;
    // Leave traces keyed to the handle: a reset, reset mail and tries counters, a failed login.
    app.forgot_password(&info, "ann@x.com").await.assert_true();
    app.reset_password(&info, "ann@x.com", OTHER_PW, "000000")
        .await;
    let wrong = app.login(&info, "ann@x.com", OTHER_PW).await;
    wrong.assert_error(400, 600);
    let second = token(&app.login(&info, "ann@x.com", PW).await.json());
    let handle_pk =
        keyturn::domain::records::table_keys::handle_partition(&info.app_id, "ann@x.com");
    assert!(keys_in(&app, Index::Primary, handle_pk).await.len() >= 4);

    // Deleting by username.
    let r = app.delete_account(&token(&session), "annie", PW).await;
    r.assert_true();

    assert!(!token_works(&app, &token(&session)).await);
    assert!(!token_works(&app, &second).await);
    assert!(
        token_works(&app, &token(&other)).await,
        "other users are untouched"
    );
    assert_gone(&app, &info, &id, "ann@x.com", Some("annie")).await;
    let r = app.login(&info, "ann@x.com", PW).await;
    r.assert_error(400, 600);

    let again = app.signed_up_user(&info, "ann@x.com").await;
    assert!(token_works(&app, &token(&again)).await);
    assert_ne!(user_id_of(&app, &info, "ann@x.com").await, id);
}

on_both_engines!(#[tokio::test] delete_account_leaves_nothing_behind:
    delete_account_leaves_nothing_of_the_user_in_sqlite,
    delete_account_leaves_nothing_of_the_user_in_dynamodb);

#[tokio::test]
async fn delete_account_works_with_a_swift_form_body() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann+1@x.com").await;
    let id = user_id_of(&app, &info, "ann+1@x.com").await;
    app.post_form(
        DELETE_ACCOUNT,
        &[("access-token", &token(&session))],
        &format!("handle=ann%2B1@x.com&password={PW}"),
    )
    .await
    .assert_true();
    assert!(!token_works(&app, &token(&session)).await);
    assert_gone(&app, &info, &id, "ann+1@x.com", None).await;
}

#[tokio::test]
async fn delete_account_refuses_without_proof_and_changes_nothing() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    app.signed_up_user(&info, "bob@x.com").await;
    let access = token(&session);
    let h = [("access-token", access.as_str())];
    // Wrong password, another user's handle: 600 alike.
    let r = app.delete_account(&access, "ann@x.com", OTHER_PW).await;
    r.assert_error(400, 600);
    let form = format!("handle=bob@x.com&password={PW}");
    app.post_form(DELETE_ACCOUNT, &h, &form)
        .await
        .assert_error(400, 600);
    let r = app.delete_account(&access, "ann@x.com", "short").await;
    r.assert_error(400, 600);
    // Missing fields: 403; the social variant on a password account: 600.
    app.post_json(DELETE_ACCOUNT, &h, json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 403);
    app.post_form(DELETE_ACCOUNT, &h, &format!("password={PW}"))
        .await
        .assert_error(400, 403);
    app.post_json(DELETE_ACCOUNT, &h, json!({"token": "eyJ.social.token"}))
        .await
        .assert_error(400, 600);
    app.post_json(
        DELETE_ACCOUNT,
        &h,
        json!({"handle": ["ann@x.com"], "password": PW}),
    )
    .await
    .assert_error(400, 602);
    // A username while the app has none.
    let r = app.delete_account(&access, "ann", PW).await;
    r.assert_error(400, 606);
    // No user behind the call.
    let apt = [("app-token", info.app_token.as_str())];
    let body = json!({"handle": "ann@x.com", "password": PW});
    app.post_json(DELETE_ACCOUNT, &apt, body)
        .await
        .assert_error(400, 405);
    assert!(token_works(&app, &access).await);
    app.login(&info, "ann@x.com", PW).await.ok_json();
}

#[tokio::test]
async fn wrong_delete_passwords_are_limited_like_logins() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let access = token(&session);
    for _ in 0..10 {
        let r = app.delete_account(&access, "ann@x.com", OTHER_PW).await;
        r.assert_error(400, 600);
    }
    let r = app.delete_account(&access, "ann@x.com", PW).await;
    r.assert_error(429, 615);
    assert!(token_works(&app, &access).await);
}
