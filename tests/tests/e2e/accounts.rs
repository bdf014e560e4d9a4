//! deleteAccount through the HTTP door (JSON and Swift-style form bodies): re-authentication,
//! revocation, and a store that holds nothing of the old user afterwards — on both engines.

use std::sync::Arc;

use keyturn::store::{Index, ItemStore, Key, Query};
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo};
use crate::support::users::{access as token, token_works};

const DELETE: &str = "/api/appuser/deleteAccount";

/// The live items of a primary partition.
pub async fn partition(store: &Arc<dyn ItemStore>, pk: &str) -> Vec<Key> {
    store
        .query(Query {
            index: Index::Primary,
            pk: pk.to_owned(),
            sk_prefix: String::new(),
            limit: 100,
            cursor: None,
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.key)
        .collect()
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The user id behind a handle, through the admin search.
pub async fn user_id(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let r = app
        .admin(
            "GET",
            &format!(
                "/admin/apps/{}/users?search={}",
                info.app_id,
                url_encode(handle)
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let users = r.json()["users"].as_array().unwrap().clone();
    let user = users.iter().find(|u| u["handle"] == handle).unwrap();
    user["userId"].as_str().unwrap().to_owned()
}

/// Asserts that nothing of the user remains: the handle partition, the user partition, the
/// username claim and the listing are empty.
pub async fn assert_gone(
    app: &TestApp,
    info: &TestAppInfo,
    user_id: &str,
    handle: &str,
    name: Option<&str>,
) {
    let handle_pk = keyturn::domain::records::table_keys::handle_partition(&info.app_id, handle);
    assert_eq!(partition(&app.store, &handle_pk).await, Vec::<Key>::new());
    let user_pk = keyturn::domain::records::table_keys::user(user_id).pk;
    assert_eq!(partition(&app.store, &user_pk).await, Vec::<Key>::new());
    if let Some(name) = name {
        let claim = keyturn::domain::records::table_keys::user_name_claim(&info.app_id, name);
        assert!(app.store.get(&claim).await.unwrap().is_none());
        assert_eq!(partition(&app.store, &claim.pk).await, Vec::<Key>::new());
    }
    let listed = app
        .store
        .query(Query {
            index: Index::Secondary,
            pk: keyturn::domain::records::table_keys::user_listing(&info.app_id, "").pk,
            sk_prefix: handle.to_owned(),
            limit: 100,
            cursor: None,
        })
        .await
        .unwrap();
    assert!(listed.items.is_empty());
}

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
    let h = [("app-token", info.app_token.as_str())];
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let other = app.signed_up_user(&info, "bob@x.com").await;
    let id = user_id(&app, &info, "ann@x.com").await;
    give_user_name(&app, &info.app_id, &id, "annie").await;
    // Leave traces keyed to the handle: a reset, reset mail and tries counters, a failed login.
    app.post_json(
        "/api/appuser/forgotPassword",
        &h,
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    app.post_json(
        "/api/appuser/resetPassword",
        &h,
        json!({"handle": "ann@x.com", "password": OTHER_PW, "code": "000000"}),
    )
    .await;
    app.post_json(
        "/api/appuser/login",
        &h,
        json!({"handle": "ann@x.com", "password": OTHER_PW}),
    )
    .await
    .assert_error(400, 600);
    let second = token(
        &app.post_json(
            "/api/appuser/login",
            &h,
            json!({"handle": "ann@x.com", "password": PW}),
        )
        .await
        .json(),
    );
    let handle_pk =
        keyturn::domain::records::table_keys::handle_partition(&info.app_id, "ann@x.com");
    assert!(partition(&app.store, &handle_pk).await.len() >= 4);

    // Deleting by username.
    app.post_json(
        DELETE,
        &[("access-token", &token(&session))],
        json!({"handle": "annie", "password": PW}),
    )
    .await
    .assert_true();

    assert!(!token_works(&app, &token(&session)).await);
    assert!(!token_works(&app, &second).await);
    assert!(
        token_works(&app, &token(&other)).await,
        "other users are untouched"
    );
    assert_gone(&app, &info, &id, "ann@x.com", Some("annie")).await;
    app.post_json(
        "/api/appuser/login",
        &h,
        json!({"handle": "ann@x.com", "password": PW}),
    )
    .await
    .assert_error(400, 600);

    let again = app.signed_up_user(&info, "ann@x.com").await;
    assert!(token_works(&app, &token(&again)).await);
    assert_ne!(user_id(&app, &info, "ann@x.com").await, id);
}

#[tokio::test]
async fn delete_account_leaves_nothing_of_the_user_in_sqlite() {
    delete_account_leaves_nothing_behind(TestApp::new().await).await;
}

#[tokio::test]
async fn delete_account_leaves_nothing_of_the_user_in_dynamodb() {
    delete_account_leaves_nothing_behind(TestApp::builder().dynamodb().build().await).await;
}

#[tokio::test]
async fn delete_account_works_with_a_swift_form_body() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann+1@x.com").await;
    let id = user_id(&app, &info, "ann+1@x.com").await;
    app.post_form(
        DELETE,
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
    app.post_json(
        DELETE,
        &h,
        json!({"handle": "ann@x.com", "password": OTHER_PW}),
    )
    .await
    .assert_error(400, 600);
    app.post_form(DELETE, &h, &format!("handle=bob@x.com&password={PW}"))
        .await
        .assert_error(400, 600);
    app.post_json(
        DELETE,
        &h,
        json!({"handle": "ann@x.com", "password": "short"}),
    )
    .await
    .assert_error(400, 600);
    // Missing fields: 403; the social variant is not supported: 602.
    app.post_json(DELETE, &h, json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 403);
    app.post_form(DELETE, &h, &format!("password={PW}"))
        .await
        .assert_error(400, 403);
    app.post_json(DELETE, &h, json!({"token": "eyJ.social.token"}))
        .await
        .assert_error(400, 602);
    app.post_json(DELETE, &h, json!({"handle": ["ann@x.com"], "password": PW}))
        .await
        .assert_error(400, 602);
    // A username while the app has none.
    app.post_json(DELETE, &h, json!({"handle": "ann", "password": PW}))
        .await
        .assert_error(400, 606);
    // No user behind the call.
    app.post_json(
        DELETE,
        &[("app-token", info.app_token.as_str())],
        json!({"handle": "ann@x.com", "password": PW}),
    )
    .await
    .assert_error(400, 405);
    assert!(token_works(&app, &access).await);
    let login = app
        .post_json(
            "/api/appuser/login",
            &[("app-token", info.app_token.as_str())],
            json!({"handle": "ann@x.com", "password": PW}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test]
async fn wrong_delete_passwords_are_limited_like_logins() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let access = token(&session);
    let h = [("access-token", access.as_str())];
    for _ in 0..10 {
        app.post_json(
            DELETE,
            &h,
            json!({"handle": "ann@x.com", "password": OTHER_PW}),
        )
        .await
        .assert_error(400, 600);
    }
    app.post_json(DELETE, &h, json!({"handle": "ann@x.com", "password": PW}))
        .await
        .assert_error(429, 615);
    assert!(token_works(&app, &access).await);
}
