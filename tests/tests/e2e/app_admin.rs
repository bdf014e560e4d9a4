//! The admin API's app listing, app deletion (resumable, in batches, on SQLite and DynamoDB)
//! and app-token rotation, through the HTTP door.

use keyturn::store::{Index, Key};
use serde_json::{Value, json};

use crate::support::app::{PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::routes::ADMIN_APPS;
use crate::support::users::{access, keys_in, user_id};

/// Live items of a primary or index partition.
async fn items_in(app: &TestApp, index: Index, pk: String) -> usize {
    keys_in(app, index, pk).await.len()
}

#[tokio::test]
async fn apps_are_listed_a_page_at_a_time() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.create_app(json!({})).await.app_id);
    }
    ids.sort();

    let first = app
        .admin("GET", &format!("{ADMIN_APPS}?limit=2"), None)
        .await
        .ok_json();
    let cursor = first["cursor"].as_str().expect("a second page").to_owned();
    let second = app
        .admin(
            "GET",
            &format!("{ADMIN_APPS}?limit=2&cursor={cursor}"),
            None,
        )
        .await
        .ok_json();

    let listed: Vec<Value> = first["apps"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["apps"].as_array().unwrap())
        .cloned()
        .collect();
    let listed_ids: Vec<&str> = listed
        .iter()
        .map(|a| a["appId"].as_str().unwrap())
        .collect();
    assert_eq!(listed_ids, ids);
    assert_eq!(second["cursor"], Value::Null);
    assert_eq!(listed[0]["name"], "Demo App");
    assert_eq!(listed[0]["status"], "active");
    assert!(listed[0].get("appToken").is_none(), "{}", listed[0]);
    for bad in ["?cursor=garbage", "?limit=0"] {
        app.admin("GET", &format!("{ADMIN_APPS}{bad}"), None)
            .await
            .assert_error(400, 602);
    }
}

/// An app with three users (one with a username), a template, an invite and its audit trail, deleted one unit
/// per call: every call but the last answers 202 with what remains, the app serves nothing from
/// the first call on, and afterwards nothing of it is left. A second app is untouched.
async fn deletion_removes_every_item_of_the_app(app: TestApp) {
    let app = &app;
    let keep = app.create_app(json!({ "signupFlow": "none" })).await;
    app.quick_user(&keep, "kept@example.com", json!({})).await;
    let doomed = app
        .create_app(json!({
            "signupFlow": "none",
            "invitationEnabled": true,
            "userNamesEnabled": true,
        }))
        .await;
    let id = doomed.app_id.clone();
    let path = doomed.admin_path("");
    let mut sessions = Vec::new();
    for handle in ["a@example.com", "b@example.com", "c@example.com"] {
        sessions.push(app.quick_user(&doomed, handle, json!({})).await);
    }
    app.set_user_name(&access(&sessions[0]), "alice")
        .await
        .assert_true();
    let template = json!({ "subject": "Hi", "text": "Code %CODE%", "html": "<p>%CODE%</p>" });
    app.admin(
        "PUT",
        &format!("{path}/templates/EN/signUp"),
        Some(template),
    )
    .await
    .ok_json();
    app.admin_invite(&doomed, json!({ "handle": "invited@example.com" }))
        .await
        .ok_json();

    let r = app.admin("DELETE", &format!("{path}?batch=1"), None).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({ "deleted": false, "remaining": {
            "users": 2, "invites": 1, "templates": 1, "auditEntries": 3, "capped": false
        } })
    );

    // Marked deleting: users, tokens and the issuer answer as for an unknown app.
    app.get_application(&doomed.app_token)
        .await
        .assert_error(400, 401);
    app.get_user(&access(&sessions[2]))
        .await
        .assert_error(400, 401);
    app.login(&doomed, "c@example.com", PW)
        .await
        .assert_error(400, 401);
    app.get(&format!("/apps/{id}/.well-known/jwks.json"), &[])
        .await
        .assert_error(404, 401);
    app.patch_app(&doomed, json!({ "status": "active" }))
        .await
        .assert_error(400, 401);
    let shown = app.show_app(&doomed).await.ok_json();
    assert_eq!(shown["status"], "deleting");
    let listed = app.admin("GET", ADMIN_APPS, None).await.ok_json();
    assert!(
        listed["apps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["appId"] == id && a["status"] == "deleting")
    );

    // Resumed call by call until done.
    let mut calls = 1;
    loop {
        let r = app.admin("DELETE", &format!("{path}?batch=1"), None).await;
        calls += 1;
        if r.status == 200 {
            assert_eq!(r.json(), json!({ "deleted": true }));
            break;
        }
        assert_eq!(r.status, 202, "{}", r.text);
        assert!(calls < 10, "deletion does not progress: {}", r.text);
    }
    assert_eq!(
        calls, 8,
        "three users, one invite, three audit entries (app created, template stored, invite \
         sent), one template, at one unit per call"
    );

    app.show_app(&doomed).await.assert_error(400, 401);
    app.admin("DELETE", &path, None)
        .await
        .assert_error(400, 401);
    let listed = app.admin("GET", ADMIN_APPS, None).await.ok_json();
    assert_eq!(listed["apps"].as_array().unwrap().len(), 1);
    assert_eq!(listed["apps"][0]["appId"], keep.app_id);

    for session in &sessions {
        let uid = user_id(session);
        assert_eq!(
            items_in(app, Index::Primary, format!("USER#{uid}")).await,
            0
        );
        assert_eq!(
            items_in(app, Index::Primary, format!("USER#{uid}#SENT")).await,
            0
        );
    }
    for handle in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "invited@example.com",
    ] {
        assert_eq!(
            items_in(app, Index::Primary, format!("APP#{id}#H#{handle}")).await,
            0,
            "{handle}"
        );
    }
    assert_eq!(items_in(app, Index::Primary, format!("APP#{id}")).await, 0);
    assert_eq!(
        items_in(app, Index::Secondary, format!("APP#{id}#USERS")).await,
        0
    );
    assert_eq!(
        items_in(app, Index::Secondary, format!("APP#{id}#INVITES")).await,
        0
    );
    let name_claim = Key::new(format!("APP#{id}#U#alice"), "USERNAME");
    assert!(app.store.get(&name_claim).await.unwrap().is_none());
    let ring = app
        .state
        .secrets
        .get_fresh(&app.state.config.app_key_secret_name(&id))
        .await
        .unwrap();
    assert!(ring.is_none(), "the signing keys are deleted");

    // The other app still serves its user.
    app.login(&keep, "kept@example.com", PW).await.ok_json();
}

on_both_engines!(#[tokio::test] deletion_removes_every_item_of_the_app:
    deletion_removes_every_item_of_the_app_on_sqlite,
    deletion_removes_every_item_of_the_app_on_dynamodb at wall time);

#[tokio::test]
async fn one_delete_with_the_default_batch_removes_a_small_app() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({ "signupFlow": "none" })).await;
    app.quick_user(&info, "solo@example.com", json!({})).await;

    let r = app.admin("DELETE", &info.admin_path(""), None).await;

    assert_eq!(
        (r.status.as_u16(), r.json()),
        (200, json!({ "deleted": true }))
    );
    app.get_application(&info.app_token)
        .await
        .assert_error(400, 401);
    app.admin("DELETE", &info.admin_path("?batch=101"), None)
        .await
        .assert_error(400, 602);
}

#[tokio::test]
async fn deleting_is_not_a_status_a_patch_may_set() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;

    app.patch_app(&info, json!({ "status": "deleting" }))
        .await
        .assert_error(400, 602);

    app.get_application(&info.app_token).await.ok_json();
}

async fn rotate_token(app: &TestApp, info: &TestAppInfo, body: Option<Value>) -> Resp {
    app.admin("POST", &info.admin_path("/app-token/rotate"), body)
        .await
}

#[tokio::test]
async fn a_rotated_app_token_stops_working_at_once_without_grace() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;

    let rotated = rotate_token(&app, &info, None).await.ok_json();

    let new = rotated["appToken"].as_str().unwrap();
    assert_ne!(new, info.app_token);
    assert_eq!(rotated["previousValidUntil"], Value::Null);
    app.get_application(&info.app_token)
        .await
        .assert_error(400, 400);
    app.get_application(new).await.ok_json();
    let shown = app.show_app(&info).await.ok_json();
    assert_eq!(shown["appToken"], new);
}

#[tokio::test]
async fn an_old_app_token_works_until_its_grace_ends() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;

    let rotated = rotate_token(&app, &info, Some(json!({ "graceSeconds": 60 })))
        .await
        .ok_json();
    let new = rotated["appToken"].as_str().unwrap().to_owned();
    assert!(rotated["previousValidUntil"].is_string(), "{rotated}");

    app.get_application(&info.app_token).await.ok_json();
    app.get_application(&new).await.ok_json();
    app.clock.advance_secs(59);
    app.get_application(&info.app_token).await.ok_json();
    app.clock.advance_secs(1);
    app.get_application(&info.app_token)
        .await
        .assert_error(400, 400);
    app.get_application(&new).await.ok_json();

    // A second rotation ends the grace of the first token's successor at once.
    let third = rotate_token(&app, &info, Some(json!({ "graceSeconds": 0 })))
        .await
        .ok_json();
    app.get_application(&new).await.assert_error(400, 400);
    app.get_application(third["appToken"].as_str().unwrap())
        .await
        .ok_json();
}

#[tokio::test]
async fn grace_periods_outside_a_week_are_refused() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;

    for grace in [json!(604_801), json!(-1), json!("soon")] {
        rotate_token(&app, &info, Some(json!({ "graceSeconds": grace })))
            .await
            .assert_error(400, 602);
    }
    rotate_token(&app, &info, Some(json!({ "grace": 5 })))
        .await
        .assert_error(400, 602);

    app.get_application(&info.app_token).await.ok_json();
}
