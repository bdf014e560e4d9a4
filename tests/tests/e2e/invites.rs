//! Invitations through the public door: `invite`, `register`, `revokeInvite` and the admin invite
//! routes, with JSON and form (Swift-style) bodies, on SQLite and — for the race — DynamoDB.

use std::sync::Arc;

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::flows::{app_token, assert_escapes_script_handle, wrong_code};
use crate::support::lambda;
use crate::support::peer::Encoding;
use crate::support::routes::{INVITE, REGISTER, REVOKE_INVITE};
use crate::support::users::{access, session_claims, user_count};

/// An app with invitations on, plus `extra` settings.
async fn invite_app(app: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({ "invitationEnabled": true });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    app.create_app(settings).await
}

/// An app with invitations on whose invites and signups both carry a `team` field.
async fn team_app(app: &TestApp) -> TestAppInfo {
    let team = json!([{"path": "team", "fieldName": "team"}]);
    invite_app(app, json!({"metaDataInvite": team, "metaData": team})).await
}

/// An app with invitations on and the access token of its signed-up host, `host@x.com`.
async fn with_host(app: &TestApp) -> (TestAppInfo, String) {
    let info = invite_app(app, json!({})).await;
    let host = app.signed_up_access(&info, "host@x.com").await;
    (info, host)
}

/// `register` of `handle` with `PW` and `code` (JSON).
async fn register_pw(app: &TestApp, info: &TestAppInfo, handle: &str, code: &str) -> Resp {
    let body = json!({"handle": handle, "password": PW, "code": code});
    app.register(info, body).await
}

#[tokio::test]
async fn an_invitee_registers_with_the_emailed_code_and_can_log_in() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;

    let body = json!({"handle": " Ann@X.com ", "senderUserId": "65b0c0ffee"});
    app.invite(&access, body).await.assert_true();
    let mails = app.invite_mails("ann@x.com");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Demo App"));
    let code = app.invite_code("ann@x.com");

    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    let tokens = r.ok_json();
    assert!(tokens["jwt"].as_str().is_some());
    assert!(tokens["access-token"].as_str().is_some());
    assert_eq!(session_claims(&tokens)["email"], "ann@x.com");
    assert!(
        app.outbox()
            .iter()
            .any(|m| m.to == "ann@x.com" && m.subject.starts_with("Welcome"))
    );
    app.login(&info, "ann@x.com", PW).await.ok_json();
    // The code was consumed with the invite: a wrong code now, like any other (a registered
    // handle reads like one without an invite).
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 602);
}

#[tokio::test]
async fn invite_register_and_revoke_accept_swift_form_bodies() {
    let app = TestApp::new().await;
    let settings = json!({"metaDataInvite": [{"path": "user.team", "fieldName": "team"}]});
    let info = invite_app(&app, settings).await;
    let access = app.signed_up_access(&info, "host@x.com").await;
    let h = [("access-token", access.as_str())];

    app.post_form(
        INVITE,
        &h,
        r#"handle=bob@x.com&senderUserId=65b0&metaData={"user":{"team":"red"}}"#,
    )
    .await
    .assert_true();
    let code = app.invite_code("bob@x.com");
    app.post_form(REVOKE_INVITE, &h, "handle=nobody@x.com")
        .await
        .assert_true();
    let r = app
        .post_form(
            REGISTER,
            &app_token(&info),
            &format!(r#"handle=bob@x.com&password={PW}&code={code}&locale=EN&metaData={{}}"#),
        )
        .await;
    assert!(r.ok_json()["access-token"].as_str().is_some());

    app.post_form(INVITE, &h, "handle=cat@x.com")
        .await
        .assert_true();
    app.post_form(REVOKE_INVITE, &h, "handle=cat@x.com")
        .await
        .assert_true();
    let code = app.invite_code("cat@x.com");
    let form = format!("handle=cat@x.com&password={PW}&code={code}");
    app.post_form(REGISTER, &app_token(&info), &form)
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
    let access = app.signed_up_access(&info, "host@x.com").await;
    let h = [("access-token", access.as_str())];
    let team = json!({"user": {"team": "red"}});

    // No access token, an app token instead, a forged one: 405.
    let body = json!({"handle": "a@x.com", "metaData": team});
    app.post_json(INVITE, &[], body.clone())
        .await
        .assert_error(400, 405);
    app.post_json(INVITE, &app_token(&info), body)
        .await
        .assert_error(400, 405);
    app.post_form(INVITE, &[("access-token", "forged")], "handle=a@x.com")
        .await
        .assert_error(400, 405);
    // Missing or malformed handle.
    let r = app.invite(&access, json!({"metaData": team})).await;
    r.assert_error(400, 403);
    app.post_form(INVITE, &h, "senderUserId=1")
        .await
        .assert_error(400, 403);
    for handle in [json!("not-an-email"), json!(["a@x.com"])] {
        let r = app
            .invite(&access, json!({"handle": handle, "metaData": team}))
            .await;
        r.assert_error(400, 602);
    }
    app.post_form(INVITE, &h, "handle=a@x.com&handle=b@x.com")
        .await
        .assert_error(400, 602);
    // Invite metadata: required field missing, not an object, not a string value.
    let r = app.invite(&access, json!({"handle": "a@x.com"})).await;
    r.assert_error(400, 604);
    app.post_form(INVITE, &h, "handle=a@x.com&metaData=nope")
        .await
        .assert_error(400, 604);
    let body = json!({"handle": "a@x.com", "metaData": {"user": {"team": 7}}});
    app.invite(&access, body).await.assert_error(400, 604);
    // Nothing was sent or stored by any refusal.
    assert!(app.invite_mails("a@x.com").is_empty());
    let r = register_pw(&app, &info, "a@x.com", "123456").await;
    r.assert_error(400, 602);
}

#[tokio::test]
async fn register_refuses_bad_input_in_json_and_form() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaData": [{"path": "user.name", "fieldName": "name", "required": true}]}),
    )
    .await;
    let host =
        json!({"handle": "host@x.com", "password": PW, "metaData": {"user": {"name": "Host"}}});
    let access = access(&app.signed_up_user_with(&info, host).await);
    let code = app.invited(&access, "ann@x.com").await;
    let name = json!({"user": {"name": "Ann"}});
    let at = app_token(&info);

    // No token: 400; a token that is neither a live app nor access token: 405.
    let body = json!({"handle": "ann@x.com", "password": PW, "code": code, "metaData": name});
    app.post_json(REGISTER, &[], body.clone())
        .await
        .assert_error(400, 400);
    app.post_json(REGISTER, &[("access-token", info.app_token.as_str())], body)
        .await
        .assert_error(400, 405);
    // Missing fields: 403.
    let r = app
        .register(&info, json!({"handle": "ann@x.com", "code": code}))
        .await;
    r.assert_error(400, 403);
    for form in [
        format!("handle=ann@x.com&password={PW}"),
        format!("password={PW}&code={code}"),
    ] {
        app.post_form(REGISTER, &at, &form)
            .await
            .assert_error(400, 403);
    }
    // Malformed password, handle, locale: 602.
    let body = json!({"handle": "ann@x.com", "password": "plain", "code": code, "metaData": name});
    app.register(&info, body).await.assert_error(400, 602);
    let form = format!("handle=ann&password={PW}&code={code}");
    app.post_form(REGISTER, &at, &form)
        .await
        .assert_error(400, 602);
    let body = json!({"handle": "ann@x.com", "password": PW, "code": code, "metaData": name, "locale": "FR"});
    app.register(&info, body).await.assert_error(400, 602);
    // Required metadata missing: 604.
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 604);
    let form = format!("handle=ann@x.com&password={PW}&code={code}&metaData=[1]");
    app.post_form(REGISTER, &at, &form)
        .await
        .assert_error(400, 604);
    // No invite for this handle: 602.
    let body = json!({"handle": "zed@x.com", "password": PW, "code": code, "metaData": name});
    app.register(&info, body).await.assert_error(400, 602);
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
    assert_eq!(session_claims(&r.ok_json())["user"]["name"], "Ann");
}

#[tokio::test]
async fn invitations_switched_off_refuse_invite_and_register_with_406() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let code = app.invited(&access, "ann@x.com").await;
    let r = app
        .patch_app(&info, json!({"invitationEnabled": false}))
        .await;
    r.ok_json();

    let r = app.invite(&access, json!({"handle": "bob@x.com"})).await;
    r.assert_error(400, 406);
    app.post_form(INVITE, &[("access-token", &access)], "handle=bob@x.com")
        .await
        .assert_error(400, 406);
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 406);
    let form = format!("handle=ann@x.com&password={PW}&code={code}");
    app.post_form(REGISTER, &app_token(&info), &form)
        .await
        .assert_error(400, 406);
    app.admin_invite(&info, json!({"handle": "bob@x.com"}))
        .await
        .assert_error(400, 406);
    assert!(app.invite_mails("bob@x.com").is_empty());
}

#[tokio::test]
async fn an_invite_code_expires_after_seven_days() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let code = app.invited(&access, "ann@x.com").await;

    app.clock.advance_secs(7 * 24 * 3600 + 1);
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 411);
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn an_invite_code_just_inside_seven_days_still_works() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let code = app.invited(&access, "ann@x.com").await;

    app.clock.advance_secs(7 * 24 * 3600 - 1);
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.ok_json();
}

#[tokio::test]
async fn five_wrong_codes_kill_the_invite_code() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let code = app.invited(&access, "ann@x.com").await;

    for _ in 0..5 {
        let r = register_pw(&app, &info, "ann@x.com", &wrong_code(&code)).await;
        r.assert_error(400, 602);
    }
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 614);
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn re_inviting_replaces_the_code_and_resets_the_tries() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let old = app.invited(&access, "ann@x.com").await;
    for _ in 0..4 {
        let r = register_pw(&app, &info, "ann@x.com", &wrong_code(&old)).await;
        r.assert_error(400, 602);
    }
    // Re-send until the new code differs (a collision has odds of one in a million).
    let mut new = old.clone();
    while new == old {
        new = app.invited(&access, "ann@x.com").await;
    }
    assert!(app.invite_mails("ann@x.com").len() >= 2);

    // The leaked old code is dead; the tries started over (4 more wrong ones are allowed).
    let r = register_pw(&app, &info, "ann@x.com", &old).await;
    r.assert_error(400, 602);
    for _ in 0..3 {
        let r = register_pw(&app, &info, "ann@x.com", &wrong_code(&new)).await;
        r.assert_error(400, 602);
    }
    register_pw(&app, &info, "ann@x.com", &new).await.ok_json();
}

#[tokio::test]
async fn an_invite_registers_only_the_invited_handle() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let ann_code = app.invited(&access, "ann@x.com").await;

    // b@x.com has no invite at all.
    let r = register_pw(&app, &info, "bob@x.com", &ann_code).await;
    r.assert_error(400, 602);
    // b@x.com has an invite of its own, whose code is not ann's.
    let bob_code = app.invited(&access, "bob@x.com").await;
    if bob_code != ann_code {
        let r = register_pw(&app, &info, "bob@x.com", &ann_code).await;
        r.assert_error(400, 602);
    }
    assert_eq!(user_count(&app, &info.app_id).await, 1);
}

#[tokio::test]
async fn inviting_an_existing_account_answers_true_and_sends_nothing() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    app.signed_up_user(&info, "ann@x.com").await;
    let before = app.outbox().len();

    for handle in ["ann@x.com", "host@x.com"] {
        let r = app.invite(&access, json!({"handle": handle})).await;
        r.assert_true();
    }
    assert_eq!(app.outbox().len(), before);
    let r = app.admin("GET", &info.admin_path("/invites"), None).await;
    assert_eq!(r.json()["invites"], json!([]));
}

#[tokio::test]
async fn another_users_invite_lives_beside_the_first_and_the_code_used_decides() {
    // Invite squatting: the second inviter's invite used to be dropped silently; now
    // each inviter holds one live invite and the code used decides whose metadata applies.
    let app = TestApp::new().await;
    let info = team_app(&app).await;
    let first = app.signed_up_access(&info, "first@x.com").await;
    let second = app.signed_up_access(&info, "second@x.com").await;
    let body = json!({"handle": "ann@x.com", "metaData": {"team": "red"}});
    app.invite(&first, body).await.assert_true();
    let code = app.invite_code("ann@x.com");

    let body = json!({"handle": "ann@x.com", "metaData": {"team": "blue"}});
    app.invite(&second, body).await.assert_true();
    assert_eq!(app.invite_mails("ann@x.com").len(), 2);
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    assert_eq!(session_claims(&r.ok_json())["team"], "red");
}

#[tokio::test]
async fn only_the_inviter_can_revoke_an_invite() {
    let app = TestApp::new().await;
    let (info, inviter) = with_host(&app).await;
    let stranger = app.signed_up_access(&info, "other@x.com").await;
    let code = app.invited(&inviter, "ann@x.com").await;

    // A stranger's revocation answers like any other and changes nothing.
    let r = app.revoke_invite(&stranger, "ann@x.com").await;
    r.assert_true();
    let listed = app.admin("GET", &info.admin_path("/invites"), None).await;
    assert_eq!(listed.json()["invites"].as_array().unwrap().len(), 1);
    // Failure modes: no token, missing or malformed handle.
    app.post_json(REVOKE_INVITE, &[], json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 405);
    app.post_form(REVOKE_INVITE, &[("access-token", &inviter)], "")
        .await
        .assert_error(400, 403);
    let r = app.revoke_invite(&inviter, "ann").await;
    r.assert_error(400, 602);

    app.revoke_invite(&inviter, "ANN@x.com").await.assert_true();
    let r = register_pw(&app, &info, "ann@x.com", &code).await;
    r.assert_error(400, 602);
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
    let host =
        json!({"handle": "host@x.com", "password": PW, "metaData": {"user": {"team": "host"}}});
    let access = access(&app.signed_up_user_with(&info, host).await);
    let body = json!({"handle": "ann@x.com", "metaData": "{\"user\":{\"team\":\"red\"}}"});
    app.invite(&access, body).await.assert_true();
    let code = app.invite_code("ann@x.com");

    let r = app
        .register(
            &info,
            json!({"handle": "ann@x.com", "password": PW, "code": code,
                   "metaData": {"user": {"team": "blue", "name": "Ann"}}}),
        )
        .await;
    let c = session_claims(&r.ok_json());
    assert_eq!(c["user"]["team"], "red");
    assert_eq!(c["user"]["name"], "Ann");

    // A required field the inviter supplied need not come from the invitee.
    let body = json!({"handle": "bob@x.com", "metaData": {"user": {"team": "green"}}});
    app.invite(&access, body).await.assert_true();
    let code = app.invite_code("bob@x.com");
    let form = format!("handle=bob@x.com&password={OTHER_PW}&code={code}");
    let r = app.post_form(REGISTER, &app_token(&info), &form).await;
    assert_eq!(session_claims(&r.ok_json())["user"]["team"], "green");
}

#[tokio::test]
async fn an_invite_email_escapes_a_script_handle() {
    let app = TestApp::new().await;
    let (_, access) = with_host(&app).await;
    let handle = "<script>alert(1)</script>@x.com";

    let r = app.invite(&access, json!({"handle": handle})).await;
    r.assert_true();
    let mail = app.invite_mails(handle).pop().expect("an invite email");
    assert_escapes_script_handle(&mail.html);
}

#[tokio::test]
async fn invites_per_inviter_are_limited() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let h = [("access-token", access.as_str())];
    // From several addresses, so the per-address message limit (30 an hour) is not what stops it.
    for i in 0..50 {
        let ip = format!("198.51.100.{}", i / 25);
        let body = json!({"handle": format!("guest{i}@x.com")});
        app.post_from(&ip, Encoding::Json, INVITE, &h, body)
            .await
            .assert_true();
    }
    let body = json!({"handle": "one-more@x.com"});
    let r = app
        .post_from("198.51.100.9", Encoding::Json, INVITE, &h, body)
        .await;
    r.assert_limited();
    assert!(app.invite_mails("one-more@x.com").is_empty());
    // Another inviter has a budget of their own.
    let other = app.signed_up_access(&info, "other@x.com").await;
    let r = app
        .invite(&other, json!({"handle": "one-more@x.com"}))
        .await;
    r.assert_true();
}

#[tokio::test]
async fn the_admin_invites_lists_and_revokes() {
    let app = TestApp::new().await;
    let info = team_app(&app).await;
    let base = info.admin_path("/invites");

    let body = json!({"handle": "Ann@x.com", "metaData": {"team": "ops"}});
    let view = app.admin_invite(&info, body).await.ok_json();
    assert_eq!(view["handle"], "ann@x.com");
    assert_eq!(view["sender"], "admin");
    assert_eq!(view["metaData"], json!({"team": "ops"}));
    assert!(view.get("code").is_none() && view.get("codeHash").is_none());
    let ann_code = app.invite_code("ann@x.com");
    for h in ["bob@x.com", "cat@x.com"] {
        app.admin_invite(&info, json!({"handle": h}))
            .await
            .ok_json();
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
    for bad in ["?limit=0", "?limit=x", "?cursor=garbage"] {
        app.admin("GET", &format!("{base}{bad}"), None)
            .await
            .assert_error(400, 602);
    }

    // Revocation kills the code; a second one finds nothing.
    for revoked in [true, false] {
        let r = app
            .admin("DELETE", &format!("{base}/bob@x.com"), None)
            .await;
        assert_eq!(r.json(), json!({"revoked": revoked}));
    }
    app.admin("DELETE", &format!("{base}/not-an-email"), None)
        .await
        .assert_error(400, 602);

    // The admin's invite registers with the admin's metadata.
    let r = register_pw(&app, &info, "ann@x.com", &ann_code).await;
    assert_eq!(session_claims(&r.ok_json())["team"], "ops");
    // An account already exists: the admin is told.
    app.admin_invite(&info, json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 601);
}

#[tokio::test]
async fn admin_invites_refuse_bad_keys_apps_and_bodies() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let base = info.admin_path("/invites");

    for (method, path) in [
        ("POST", base.clone()),
        ("GET", base.clone()),
        ("DELETE", format!("{base}/ann@x.com")),
    ] {
        let auth = [
            ("authorization", "Bearer wrong-key"),
            ("content-type", "application/json"),
        ];
        let req = TestApp::request(method, &path, &auth)
            .body(axum::body::Body::from(r#"{"handle":"ann@x.com"}"#))
            .unwrap();
        app.send(req).await.assert_error(401, 617);
    }
    app.get(&base, &[]).await.assert_error(401, 617);
    let nope = TestAppInfo {
        app_id: "nope".into(),
        app_token: String::new(),
    };
    app.admin_invite(&nope, json!({"handle": "ann@x.com"}))
        .await
        .assert_error(400, 401);
    app.admin("GET", &nope.admin_path("/invites"), None)
        .await
        .assert_error(400, 401);
    let r = app.admin_invite(&info, json!({"metaData": {}})).await;
    r.assert_error(400, 403);
    for (body, code) in [
        (json!({"handle": "ann"}), 602),
        (json!({"handle": "ann@x.com", "locale": "FR"}), 602),
        (json!({"handle": "ann@x.com", "metaData": 3}), 604),
        (json!(["ann@x.com"]), 602),
    ] {
        app.admin_invite(&info, body).await.assert_error(400, code);
    }
    assert!(app.invite_mails("ann@x.com").is_empty());
}

#[tokio::test]
async fn an_admin_invite_lives_beside_a_users_invite() {
    // One live invite per inviter: the admin's invite no longer replaces a user's; the
    // code used decides, and registering consumes the other invite.
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;
    let user_code = app.invited(&access, "ann@x.com").await;
    let r = app
        .admin_invite(&info, json!({"handle": "ann@x.com"}))
        .await;
    assert_eq!(r.json()["sender"], "admin");
    let admin_code = app.invite_code("ann@x.com");
    // The user who sent the first invite cannot revoke the admin's.
    app.revoke_invite(&access, "ann@x.com").await.assert_true();
    register_pw(&app, &info, "ann@x.com", &admin_code)
        .await
        .ok_json();
    let r = register_pw(&app, &info, "ann@x.com", &user_code).await;
    r.assert_error(400, 602);
}

/// Twenty registrations race with the one right code: exactly one account comes out.
async fn concurrent_registrations_make_one_account(app: TestApp) {
    let (info, access) = with_host(&app).await;
    let code = app.invited(&access, "ann@x.com").await;
    let app = Arc::new(app);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, info, code) = (app.clone(), info.clone(), code.clone());
        set.spawn(async move { register_pw(&app, &info, "ann@x.com", &code).await });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        if r.status == StatusCode::OK {
            ok += 1;
        } else {
            // 615: more than ten racers compared the code while the invite was still live, which
            // spends the handle's ten comparisons for the day (a refusal, never a second account).
            let code = r.json()["code"].as_u64().unwrap();
            assert!([601, 602, 614, 615].contains(&code), "{}", r.text);
        }
    }
    assert_eq!(ok, 1);
    // The host and ann.
    assert_eq!(user_count(&app, &info.app_id).await, 2);
    app.login(&info, "ann@x.com", PW).await.ok_json();
    let _ = std::fs::remove_dir_all(&app.dir);
}

on_both_engines!(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] concurrent_registrations_make_one_account:
    twenty_concurrent_registrations_create_one_account_on_sqlite,
    twenty_concurrent_registrations_create_one_account_on_dynamodb);

#[tokio::test]
async fn the_invite_lambda_serves_an_api_gateway_event() {
    let app = TestApp::new().await;
    let (info, access) = with_host(&app).await;

    let event = lambda::event(
        "invite",
        &[("__ACCESS_TOKEN__", &access), ("__HANDLE__", "ann@x.com")],
    );
    let r = lambda::invoke(&app, (keyturn_fn_invite::ROUTE.router)(), &event).await;
    r.assert_true();
    let code = app.invite_code("ann@x.com");
    register_pw(&app, &info, "ann@x.com", &code).await.ok_json();

    // A forged token through the same door: a 400 response with the Cosync error, not an Err.
    let event = lambda::event(
        "invite",
        &[("__ACCESS_TOKEN__", "forged"), ("__HANDLE__", "bob@x.com")],
    );
    let r = lambda::invoke(&app, (keyturn_fn_invite::ROUTE.router)(), &event).await;
    r.assert_error(400, 405);
}
