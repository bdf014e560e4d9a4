//! Invitations through the public door: `invite`, `register`, `revokeInvite` and the admin invite
//! routes, with JSON and form (Swift-style) bodies, on SQLite and — for the race — DynamoDB.

use std::sync::Arc;

use http::StatusCode;
use keyturn::domain::records::table_keys;
use keyturn::store::{Index, Query};
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, first_code};
use crate::support::flows::wrong_code;
use crate::support::lambda;
use crate::support::peer::Encoding;
use crate::support::users::{claims, login};

const INVITE: &str = "/api/appuser/invite";
const REGISTER: &str = "/api/appuser/register";
const REVOKE: &str = "/api/appuser/revokeInvite";

/// An app with invitations on, plus `extra` settings.
async fn invite_app(app: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({ "invitationEnabled": true });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    app.create_app(settings).await
}

/// A signed-up user's access token.
async fn access_of(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let tokens = app.signed_up_user(info, handle).await;
    tokens["access-token"].as_str().unwrap().to_owned()
}

async fn invite(app: &TestApp, access: &str, body: Value) -> Resp {
    app.post_json(INVITE, &[("access-token", access)], body)
        .await
}

async fn register(app: &TestApp, info: &TestAppInfo, body: Value) -> Resp {
    app.post_json(REGISTER, &[("app-token", info.app_token.as_str())], body)
        .await
}

/// Invite emails sent to `to`, oldest first.
fn invite_mails(app: &TestApp, to: &str) -> Vec<keyturn::mail::outbox::OutboxEntry> {
    app.outbox()
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with("Account invitation"))
        .collect()
}

/// The code of the newest invite email to `to`.
fn invite_code(app: &TestApp, to: &str) -> String {
    let mail = invite_mails(app, to).pop().expect("an invite email");
    first_code(&mail.text).expect("a code in the invite email")
}

/// Users of an app, counted through the app's user listing.
async fn user_count(app: &TestApp, app_id: &str) -> usize {
    let page = app
        .store
        .query(Query {
            index: Index::Secondary,
            pk: table_keys::user_listing(app_id, "").pk,
            sk_prefix: String::new(),
            limit: 100,
            cursor: None,
        })
        .await
        .unwrap();
    page.items.len()
}

#[tokio::test]
async fn an_invitee_registers_with_the_emailed_code_and_can_log_in() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;

    invite(
        &app,
        &access,
        json!({"handle": " Ann@X.com ", "senderUserId": "65b0c0ffee"}),
    )
    .await
    .assert_true();
    let mails = invite_mails(&app, "ann@x.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Demo App"));
    let code = invite_code(&app, "ann@x.com");

    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tokens = r.json();
    assert!(tokens["jwt"].as_str().is_some());
    assert!(tokens["access-token"].as_str().is_some());
    assert_eq!(
        claims(tokens["jwt"].as_str().unwrap())["email"],
        "ann@x.com"
    );
    assert!(
        app.outbox()
            .iter()
            .any(|m| m.to == "ann@x.com" && m.subject.starts_with("Welcome"))
    );
    assert_eq!(
        login(&app, &info, "ann@x.com", PW).await.status,
        StatusCode::OK
    );
    // The code was consumed with the invite.
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 601);
}

#[tokio::test]
async fn invite_register_and_revoke_accept_swift_form_bodies() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaDataInvite": [{"path": "user.team", "fieldName": "team"}]}),
    )
    .await;
    let access = access_of(&app, &info, "host@x.com").await;
    let h = [("access-token", access.as_str())];

    app.post_form(
        INVITE,
        &h,
        r#"handle=bob@x.com&senderUserId=65b0&metaData={"user":{"team":"red"}}"#,
    )
    .await
    .assert_true();
    let code = invite_code(&app, "bob@x.com");
    app.post_form(REVOKE, &h, "handle=nobody@x.com")
        .await
        .assert_true();
    let r = app
        .post_form(
            REGISTER,
            &[("app-token", info.app_token.as_str())],
            &format!(r#"handle=bob@x.com&password={PW}&code={code}&locale=EN&metaData={{}}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["access-token"].as_str().is_some());

    app.post_form(INVITE, &h, "handle=cat@x.com")
        .await
        .assert_true();
    app.post_form(REVOKE, &h, "handle=cat@x.com")
        .await
        .assert_true();
    let code = invite_code(&app, "cat@x.com");
    app.post_form(
        REGISTER,
        &[("app-token", info.app_token.as_str())],
        &format!("handle=cat@x.com&password={PW}&code={code}"),
    )
    .await
    .assert_error(400, 602);
}

#[tokio::test]
async fn invite_refuses_bad_callers_and_bad_input_in_json_and_form() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaDataInvite": [{"path": "user.team", "fieldName": "team", "required": true}]}),
    )
    .await;
    let access = access_of(&app, &info, "host@x.com").await;
    let h = [("access-token", access.as_str())];
    let team = json!({"user": {"team": "red"}});

    // No access token, an app token instead, a forged one: 405.
    app.post_json(INVITE, &[], json!({"handle": "a@x.com", "metaData": team}))
        .await
        .assert_error(400, 405);
    app.post_json(
        INVITE,
        &[("app-token", info.app_token.as_str())],
        json!({"handle": "a@x.com", "metaData": team}),
    )
    .await
    .assert_error(400, 405);
    app.post_form(INVITE, &[("access-token", "forged")], "handle=a@x.com")
        .await
        .assert_error(400, 405);
    // Missing or malformed handle.
    invite(&app, &access, json!({"metaData": team}))
        .await
        .assert_error(400, 403);
    app.post_form(INVITE, &h, "senderUserId=1")
        .await
        .assert_error(400, 403);
    invite(
        &app,
        &access,
        json!({"handle": "not-an-email", "metaData": team}),
    )
    .await
    .assert_error(400, 602);
    invite(
        &app,
        &access,
        json!({"handle": ["a@x.com"], "metaData": team}),
    )
    .await
    .assert_error(400, 602);
    app.post_form(INVITE, &h, "handle=a@x.com&handle=b@x.com")
        .await
        .assert_error(400, 602);
    // Invite metadata: required field missing, not an object, not a string value.
    invite(&app, &access, json!({"handle": "a@x.com"}))
        .await
        .assert_error(400, 604);
    app.post_form(INVITE, &h, "handle=a@x.com&metaData=nope")
        .await
        .assert_error(400, 604);
    invite(
        &app,
        &access,
        json!({"handle": "a@x.com", "metaData": {"user": {"team": 7}}}),
    )
    .await
    .assert_error(400, 604);
    // Nothing was sent or stored by any refusal.
    assert!(invite_mails(&app, "a@x.com").is_empty());
    register(
        &app,
        &info,
        json!({"handle": "a@x.com", "password": PW, "code": "123456"}),
    )
    .await
    .assert_error(400, 602);
}

#[tokio::test]
async fn register_refuses_bad_input_in_json_and_form() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaData": [{"path": "user.name", "fieldName": "name", "required": true}]}),
    )
    .await;
    let access = access_of_with_name(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");
    let name = json!({"user": {"name": "Ann"}});
    let at = [("app-token", info.app_token.as_str())];

    // No token: 400; a token that is neither a live app nor access token: 405.
    app.post_json(
        REGISTER,
        &[],
        json!({"handle": "ann@x.com", "password": PW, "code": code, "metaData": name}),
    )
    .await
    .assert_error(400, 400);
    app.post_json(
        REGISTER,
        &[("access-token", info.app_token.as_str())],
        json!({"handle": "ann@x.com", "password": PW, "code": code, "metaData": name}),
    )
    .await
    .assert_error(400, 405);
    // Missing fields: 403.
    register(&app, &info, json!({"handle": "ann@x.com", "code": code}))
        .await
        .assert_error(400, 403);
    app.post_form(REGISTER, &at, &format!("handle=ann@x.com&password={PW}"))
        .await
        .assert_error(400, 403);
    app.post_form(REGISTER, &at, &format!("password={PW}&code={code}"))
        .await
        .assert_error(400, 403);
    // Malformed password, handle, locale: 602.
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": "plain", "code": code, "metaData": name}),
    )
    .await
    .assert_error(400, 602);
    app.post_form(
        REGISTER,
        &at,
        &format!("handle=ann&password={PW}&code={code}"),
    )
    .await
    .assert_error(400, 602);
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code, "metaData": name, "locale": "FR"}),
    )
    .await
    .assert_error(400, 602);
    // Required metadata missing: 604.
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 604);
    app.post_form(
        REGISTER,
        &at,
        &format!("handle=ann@x.com&password={PW}&code={code}&metaData=[1]"),
    )
    .await
    .assert_error(400, 604);
    // No invite for this handle: 602.
    register(
        &app,
        &info,
        json!({"handle": "zed@x.com", "password": PW, "code": code, "metaData": name}),
    )
    .await
    .assert_error(400, 602);
    // None of that spent a try or created an account: the right request still works.
    assert_eq!(user_count(&app, &info.app_id).await, 1);
    let r = app
        .post_form(
            REGISTER,
            &at,
            &format!(
                r#"handle=ann@x.com&password={PW}&code={code}&metaData={{"user":{{"name":"Ann"}}}}"#
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        claims(r.json()["jwt"].as_str().unwrap())["user"]["name"],
        "Ann"
    );
}

/// A user of an app whose `user.name` metadata field is required (signup supplies it).
async fn access_of_with_name(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let h = [("app-token", info.app_token.as_str())];
    app.post_json(
        "/api/appuser/signup",
        &h,
        json!({"handle": handle, "password": PW, "metaData": {"user": {"name": "Host"}}}),
    )
    .await
    .assert_true();
    let code = app.last_code_for(handle);
    let r = app
        .post_json(
            "/api/appuser/completeSignup",
            &h,
            json!({"handle": handle, "code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["access-token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn invitations_switched_off_refuse_invite_and_register_with_406() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");
    let r = app
        .admin(
            "PATCH",
            &format!("/admin/apps/{}", info.app_id),
            Some(json!({"invitationEnabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    invite(&app, &access, json!({"handle": "bob@x.com"}))
        .await
        .assert_error(400, 406);
    app.post_form(
        INVITE,
        &[("access-token", access.as_str())],
        "handle=bob@x.com",
    )
    .await
    .assert_error(400, 406);
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 406);
    app.post_form(
        REGISTER,
        &[("app-token", info.app_token.as_str())],
        &format!("handle=ann@x.com&password={PW}&code={code}"),
    )
    .await
    .assert_error(400, 406);
    app.admin(
        "POST",
        &format!("/admin/apps/{}/invites", info.app_id),
        Some(json!({"handle": "bob@x.com"})),
    )
    .await
    .assert_error(400, 406);
    assert!(invite_mails(&app, "bob@x.com").is_empty());
}

#[tokio::test]
async fn an_invite_code_expires_after_seven_days() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");

    app.clock.advance_secs(7 * 24 * 3600 + 1);
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 411);
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn an_invite_code_just_inside_seven_days_still_works() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");

    app.clock.advance_secs(7 * 24 * 3600 - 1);
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn five_wrong_codes_kill_the_invite_code() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");

    for _ in 0..5 {
        register(
            &app,
            &info,
            json!({"handle": "ann@x.com", "password": PW, "code": wrong_code(&code)}),
        )
        .await
        .assert_error(400, 602);
    }
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 614);
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn re_inviting_replaces_the_code_and_resets_the_tries() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let old = invite_code(&app, "ann@x.com");
    for _ in 0..4 {
        register(
            &app,
            &info,
            json!({"handle": "ann@x.com", "password": PW, "code": wrong_code(&old)}),
        )
        .await
        .assert_error(400, 602);
    }
    // Re-send until the new code differs (a collision has odds of one in a million).
    let mut new = old.clone();
    while new == old {
        invite(&app, &access, json!({"handle": "ann@x.com"}))
            .await
            .assert_true();
        new = invite_code(&app, "ann@x.com");
    }
    assert!(invite_mails(&app, "ann@x.com").len() >= 2);

    // The leaked old code is dead; the tries started over (4 more wrong ones are allowed).
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": old}),
    )
    .await
    .assert_error(400, 602);
    for _ in 0..3 {
        register(
            &app,
            &info,
            json!({"handle": "ann@x.com", "password": PW, "code": wrong_code(&new)}),
        )
        .await
        .assert_error(400, 602);
    }
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": new}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn an_invite_registers_only_the_invited_handle() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let ann_code = invite_code(&app, "ann@x.com");

    // b@x.com has no invite at all.
    register(
        &app,
        &info,
        json!({"handle": "bob@x.com", "password": PW, "code": ann_code}),
    )
    .await
    .assert_error(400, 602);
    // b@x.com has an invite of its own, whose code is not ann's.
    invite(&app, &access, json!({"handle": "bob@x.com"}))
        .await
        .assert_true();
    let bob_code = invite_code(&app, "bob@x.com");
    if bob_code != ann_code {
        register(
            &app,
            &info,
            json!({"handle": "bob@x.com", "password": PW, "code": ann_code}),
        )
        .await
        .assert_error(400, 602);
    }
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn inviting_an_existing_account_answers_true_and_sends_nothing() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    app.signed_up_user(&info, "ann@x.com").await;
    let before = app.outbox().len();

    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    invite(&app, &access, json!({"handle": "host@x.com"}))
        .await
        .assert_true();
    assert_eq!(app.outbox().len(), before);
    let r = app
        .admin("GET", &format!("/admin/apps/{}/invites", info.app_id), None)
        .await;
    assert_eq!(r.json()["invites"], json!([]));
}

#[tokio::test]
async fn another_users_invite_lives_beside_the_first_and_the_code_used_decides() {
    // Issue 6 (invite squatting): the second inviter's invite used to be dropped silently; now
    // each inviter holds one live invite and the code used decides whose metadata applies.
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaDataInvite": [{"path": "team", "fieldName": "team"}],
               "metaData": [{"path": "team", "fieldName": "team"}]}),
    )
    .await;
    let first = access_of(&app, &info, "first@x.com").await;
    let second = access_of(&app, &info, "second@x.com").await;
    invite(
        &app,
        &first,
        json!({"handle": "ann@x.com", "metaData": {"team": "red"}}),
    )
    .await
    .assert_true();
    let code = invite_code(&app, "ann@x.com");

    invite(
        &app,
        &second,
        json!({"handle": "ann@x.com", "metaData": {"team": "blue"}}),
    )
    .await
    .assert_true();
    assert_eq!(invite_mails(&app, "ann@x.com").len(), 2);
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(claims(r.json()["jwt"].as_str().unwrap())["team"], "red");
}

#[tokio::test]
async fn only_the_inviter_can_revoke_an_invite() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let inviter = access_of(&app, &info, "host@x.com").await;
    let stranger = access_of(&app, &info, "other@x.com").await;
    invite(&app, &inviter, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");

    // A stranger's revocation answers like any other and changes nothing.
    app.post_json(
        REVOKE,
        &[("access-token", stranger.as_str())],
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    assert_eq!(
        app.admin("GET", &format!("/admin/apps/{}/invites", info.app_id), None)
            .await
            .json()["invites"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Failure modes: no token, missing or malformed handle.
    app.post_json(REVOKE, &[], json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 405);
    app.post_form(REVOKE, &[("access-token", inviter.as_str())], "")
        .await
        .assert_error(400, 403);
    app.post_json(
        REVOKE,
        &[("access-token", inviter.as_str())],
        json!({"handle": "ann"}),
    )
    .await
    .assert_error(400, 602);

    app.post_json(
        REVOKE,
        &[("access-token", inviter.as_str())],
        json!({"handle": "ANN@x.com"}),
    )
    .await
    .assert_true();
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 602);
}

#[tokio::test]
async fn the_inviters_metadata_wins_over_the_invitees() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({
            "metaData": [
                {"path": "user.team", "fieldName": "team", "required": true},
                {"path": "user.name", "fieldName": "name"}
            ],
            "metaDataInvite": [{"path": "user.team", "fieldName": "team", "required": true}]
        }),
    )
    .await;
    let access = access_of_team(&app, &info, "host@x.com").await;
    invite(
        &app,
        &access,
        json!({"handle": "ann@x.com", "metaData": "{\"user\":{\"team\":\"red\"}}"}),
    )
    .await
    .assert_true();
    let code = invite_code(&app, "ann@x.com");

    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code,
               "metaData": {"user": {"team": "blue", "name": "Ann"}}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = claims(r.json()["jwt"].as_str().unwrap());
    assert_eq!(c["user"]["team"], "red");
    assert_eq!(c["user"]["name"], "Ann");

    // A required field the inviter supplied need not come from the invitee.
    invite(
        &app,
        &access,
        json!({"handle": "bob@x.com", "metaData": {"user": {"team": "green"}}}),
    )
    .await
    .assert_true();
    let code = invite_code(&app, "bob@x.com");
    let r = app
        .post_form(
            REGISTER,
            &[("app-token", info.app_token.as_str())],
            &format!("handle=bob@x.com&password={OTHER_PW}&code={code}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        claims(r.json()["jwt"].as_str().unwrap())["user"]["team"],
        "green"
    );
}

/// A user of an app whose `user.team` metadata field is required.
async fn access_of_team(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let h = [("app-token", info.app_token.as_str())];
    app.post_json(
        "/api/appuser/signup",
        &h,
        json!({"handle": handle, "password": PW, "metaData": {"user": {"team": "host"}}}),
    )
    .await
    .assert_true();
    let code = app.last_code_for(handle);
    let r = app
        .post_json(
            "/api/appuser/completeSignup",
            &h,
            json!({"handle": handle, "code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["access-token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_invite_email_escapes_a_script_handle() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    let handle = "<script>alert(1)</script>@x.com";

    invite(&app, &access, json!({"handle": handle}))
        .await
        .assert_true();
    let mail = invite_mails(&app, handle).pop().expect("an invite email");
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(
        mail.html
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;@x.com"),
        "{}",
        mail.html
    );
}

#[tokio::test]
async fn invites_per_inviter_are_limited() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    // From several addresses, so the per-address message limit (30 an hour) is not what stops it.
    for i in 0..50 {
        app.post_from(
            &format!("198.51.100.{}", i / 25),
            Encoding::Json,
            INVITE,
            &[("access-token", access.as_str())],
            json!({"handle": format!("guest{i}@x.com")}),
        )
        .await
        .assert_true();
    }
    let r = app
        .post_from(
            "198.51.100.9",
            Encoding::Json,
            INVITE,
            &[("access-token", access.as_str())],
            json!({"handle": "one-more@x.com"}),
        )
        .await;
    r.assert_error(429, 615);
    assert!(r.headers.get("retry-after").is_some());
    assert!(invite_mails(&app, "one-more@x.com").is_empty());
    // Another inviter has a budget of their own.
    let other = access_of(&app, &info, "other@x.com").await;
    invite(&app, &other, json!({"handle": "one-more@x.com"}))
        .await
        .assert_true();
}

#[tokio::test]
async fn the_admin_invites_lists_and_revokes() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaDataInvite": [{"path": "team", "fieldName": "team"}],
               "metaData": [{"path": "team", "fieldName": "team"}]}),
    )
    .await;
    let base = format!("/admin/apps/{}/invites", info.app_id);

    let r = app
        .admin(
            "POST",
            &base,
            Some(json!({"handle": "Ann@x.com", "metaData": {"team": "ops"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let view = r.json();
    assert_eq!(view["handle"], "ann@x.com");
    assert_eq!(view["sender"], "admin");
    assert_eq!(view["metaData"], json!({"team": "ops"}));
    assert!(view.get("code").is_none() && view.get("codeHash").is_none());
    let ann_code = invite_code(&app, "ann@x.com");
    for h in ["bob@x.com", "cat@x.com"] {
        let r = app.admin("POST", &base, Some(json!({"handle": h}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }

    // Paginated listing in handle order.
    let page = app
        .admin("GET", &format!("{base}?limit=2"), None)
        .await
        .json();
    let handles: Vec<&str> = page["invites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["ann@x.com", "bob@x.com"]);
    let cursor = page["cursor"].as_str().unwrap();
    let page = app
        .admin("GET", &format!("{base}?limit=2&cursor={cursor}"), None)
        .await
        .json();
    assert_eq!(page["invites"][0]["handle"], "cat@x.com");
    assert_eq!(page["cursor"], Value::Null);
    app.admin("GET", &format!("{base}?limit=0"), None)
        .await
        .assert_error(400, 602);
    app.admin("GET", &format!("{base}?limit=x"), None)
        .await
        .assert_error(400, 602);
    app.admin("GET", &format!("{base}?cursor=garbage"), None)
        .await
        .assert_error(400, 602);

    // Revocation kills the code; a second one finds nothing.
    let r = app
        .admin("DELETE", &format!("{base}/bob@x.com"), None)
        .await;
    assert_eq!(r.json(), json!({"revoked": true}));
    let r = app
        .admin("DELETE", &format!("{base}/bob@x.com"), None)
        .await;
    assert_eq!(r.json(), json!({"revoked": false}));
    app.admin("DELETE", &format!("{base}/not-an-email"), None)
        .await
        .assert_error(400, 602);

    // The admin's invite registers with the admin's metadata.
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": ann_code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(claims(r.json()["jwt"].as_str().unwrap())["team"], "ops");
    // An account already exists: the admin is told.
    app.admin("POST", &base, Some(json!({"handle": "ann@x.com"})))
        .await
        .assert_error(400, 601);
}

#[tokio::test]
async fn admin_invites_refuse_bad_keys_apps_and_bodies() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let base = format!("/admin/apps/{}/invites", info.app_id);

    for (method, path) in [
        ("POST", base.clone()),
        ("GET", base.clone()),
        ("DELETE", format!("{base}/ann@x.com")),
    ] {
        let req = http::Request::builder()
            .method(method)
            .uri(&path)
            .header("host", "127.0.0.1:8787")
            .header("authorization", "Bearer wrong-key")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(r#"{"handle":"ann@x.com"}"#))
            .unwrap();
        app.send(req).await.assert_error(401, 617);
    }
    app.get(&base, &[]).await.assert_error(401, 617);
    app.admin(
        "POST",
        "/admin/apps/nope/invites",
        Some(json!({"handle": "ann@x.com"})),
    )
    .await
    .assert_error(400, 401);
    app.admin("GET", "/admin/apps/nope/invites", None)
        .await
        .assert_error(400, 401);
    app.admin("POST", &base, Some(json!({"metaData": {}})))
        .await
        .assert_error(400, 403);
    app.admin("POST", &base, Some(json!({"handle": "ann"})))
        .await
        .assert_error(400, 602);
    app.admin(
        "POST",
        &base,
        Some(json!({"handle": "ann@x.com", "locale": "FR"})),
    )
    .await
    .assert_error(400, 602);
    app.admin(
        "POST",
        &base,
        Some(json!({"handle": "ann@x.com", "metaData": 3})),
    )
    .await
    .assert_error(400, 604);
    app.admin("POST", &base, Some(json!(["ann@x.com"])))
        .await
        .assert_error(400, 602);
    assert!(invite_mails(&app, "ann@x.com").is_empty());
}

#[tokio::test]
async fn an_admin_invite_lives_beside_a_users_invite() {
    // Issue 6 (one live invite per inviter): the admin's invite no longer replaces a user's; the
    // code used decides, and registering consumes the other invite.
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let user_code = invite_code(&app, "ann@x.com");
    let r = app
        .admin(
            "POST",
            &format!("/admin/apps/{}/invites", info.app_id),
            Some(json!({"handle": "ann@x.com"})),
        )
        .await;
    assert_eq!(r.json()["sender"], "admin");
    let admin_code = invite_code(&app, "ann@x.com");
    // The user who sent the first invite cannot revoke the admin's.
    app.post_json(
        REVOKE,
        &[("access-token", access.as_str())],
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": admin_code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": user_code}),
    )
    .await
    .assert_error(400, 601);
}

/// Twenty registrations race with the one right code: exactly one account comes out.
async fn concurrent_registrations_make_one_account(app: TestApp) {
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite(&app, &access, json!({"handle": "ann@x.com"}))
        .await
        .assert_true();
    let code = invite_code(&app, "ann@x.com");
    let app = Arc::new(app);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, info, code) = (app.clone(), info.clone(), code.clone());
        set.spawn(async move {
            register(
                &app,
                &info,
                json!({"handle": "ann@x.com", "password": PW, "code": code}),
            )
            .await
        });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        if r.status == StatusCode::OK {
            ok += 1;
        } else {
            let code = r.json()["code"].as_u64().unwrap();
            assert!([601, 602, 614].contains(&code), "{}", r.text);
        }
    }
    assert_eq!(ok, 1);
    // The host and ann.
    assert_eq!(user_count(&app, &info.app_id).await, 2);
    assert_eq!(
        login(&app, &info, "ann@x.com", PW).await.status,
        StatusCode::OK
    );
    let _ = std::fs::remove_dir_all(&app.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_registrations_create_one_account_on_sqlite() {
    concurrent_registrations_make_one_account(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_registrations_create_one_account_on_dynamodb() {
    concurrent_registrations_make_one_account(TestApp::builder().dynamodb().build().await).await;
}

#[tokio::test]
async fn the_invite_lambda_serves_an_api_gateway_event() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;

    let event = lambda::event(
        "invite",
        &[("__ACCESS_TOKEN__", &access), ("__HANDLE__", "ann@x.com")],
    );
    let r = lambda::invoke(&app, (keyturn_fn_invite::ROUTE.router)(), &event).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text, "true");
    let code = invite_code(&app, "ann@x.com");
    let r = register(
        &app,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A forged token through the same door: a 400 response with the Cosync error, not an Err.
    let event = lambda::event(
        "invite",
        &[("__ACCESS_TOKEN__", "forged"), ("__HANDLE__", "bob@x.com")],
    );
    let r = lambda::invoke(&app, (keyturn_fn_invite::ROUTE.router)(), &event).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], 405);
}
