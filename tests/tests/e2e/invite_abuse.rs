//! Invitations: attacks on them replayed through HTTP (JSON and form), on SQLite and,
//! where the store matters, on DynamoDB through moto. Each failed on the code before the fix.

use keyturn::store::Index;
use serde_json::{Value, json};

use crate::support::app::{PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::flows::app_token;
use crate::support::mailer::answer_alike_in_time;
use crate::support::peer::Encoding::{self, Form, Json};
use crate::support::routes::{DELETE_ACCOUNT, INVITE, REGISTER, REVOKE_INVITE, SIGNUP};
use crate::support::users::{access, keys_in, session_claims, user_id};

async fn invite_app(app: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({ "invitationEnabled": true });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    app.create_app(settings).await
}

async fn invite_from(app: &TestApp, ip: &str, enc: Encoding, access: &str, body: Value) -> Resp {
    app.post_from(ip, enc, INVITE, &[("access-token", access)], body)
        .await
}

/// `register` of `handle` with `PW` and `code`, from `ip` in `enc`.
async fn register_from(
    app: &TestApp,
    ip: &str,
    enc: Encoding,
    info: &TestAppInfo,
    (handle, code): (&str, &str),
) -> Resp {
    let body = json!({"handle": handle, "password": PW, "code": code});
    app.post_from(ip, enc, REGISTER, &app_token(info), body)
        .await
}

fn invite_mail_count(app: &TestApp) -> usize {
    app.outbox()
        .iter()
        .filter(|m| m.subject.starts_with("Account invitation"))
        .count()
}

/// A six-digit code that is none of `codes`.
fn not_any(codes: &[String]) -> String {
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !codes.contains(c))
        .unwrap()
}

async fn listed_invites(app: &TestApp, info: &TestAppInfo) -> Vec<Value> {
    let r = app.admin("GET", &info.admin_path("/invites"), None).await;
    r.ok_json()["invites"].as_array().unwrap().clone()
}

/// Two inviters take turns re-inviting one handle while an attacker guesses its code: the wrong
/// guesses answered at all stay within the handle's daily budget, whoever invites.
async fn rotating_inviters_cannot_refill_guesses(app: TestApp) {
    let info = invite_app(&app, json!({})).await;
    let inviters = [
        app.signed_up_access(&info, "a@x.com").await,
        app.signed_up_access(&info, "b@x.com").await,
    ];
    let mut answered_wrong = 0;
    let mut last = 0;
    for round in 0..6 {
        let enc = if round % 2 == 0 { Json } else { Form };
        let (ip, body) = (
            format!("198.51.100.{round}"),
            json!({"handle": "victim@x.com"}),
        );
        let r = invite_from(&app, &ip, enc, &inviters[round % 2], body).await;
        assert!(r.status == 200 || r.status == 429, "{}", r.text);
        let codes = app.invite_codes("victim@x.com");
        for guess in 0..5 {
            let ip = format!("203.0.113.{}", round * 5 + guess);
            let attempt = ("victim@x.com", not_any(&codes));
            let r = register_from(&app, &ip, enc, &info, (attempt.0, &attempt.1)).await;
            last = r.json()["code"].as_u64().unwrap();
            if last == 602 {
                answered_wrong += 1;
            }
        }
    }
    assert!(
        answered_wrong <= 10,
        "{answered_wrong} guesses were compared on one handle"
    );
    // Refused without comparing: the handle's tries are spent for the day (615), or every live
    // code is dead (614).
    assert!(matches!(last, 614 | 615), "last answer {last}");
}

on_both_engines!(#[tokio::test] rotating_inviters_cannot_refill_guesses:
    rotating_inviters_cannot_refill_guesses_on_one_handle_on_sqlite,
    rotating_inviters_cannot_refill_guesses_on_one_handle_on_dynamodb);

#[tokio::test]
async fn rotating_inviters_cannot_flood_one_mailbox() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let aliases = [
        "victim@x.com",
        "victim+1@x.com",
        "Victim+2@X.com",
        "victim(c)@x.com",
        "victim+3@x.com",
        "victim+4@x.com",
        "victim+5@x.com",
    ];
    let mut refused = 0;
    for (i, alias) in aliases.iter().enumerate() {
        let access = app
            .signed_up_access(&info, &format!("inviter{i}@x.com"))
            .await;
        let enc = if i % 2 == 0 { Json } else { Form };
        let ip = format!("198.51.100.{i}");
        let r = invite_from(&app, &ip, enc, &access, json!({"handle": alias})).await;
        if r.status == 429 {
            r.assert_limited();
            refused += 1;
        } else {
            r.assert_true();
        }
    }
    assert_eq!(
        invite_mail_count(&app),
        5,
        "5 invite mails per mailbox per day"
    );
    assert_eq!(refused, 2);
}

#[tokio::test]
async fn failed_registrations_are_limited_per_client_address() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    for i in 0..50 {
        let enc = if i % 2 == 0 { Json } else { Form };
        let handle = format!("guess{i}@x.com");
        let r = register_from(&app, "203.0.113.9", enc, &info, (&handle, "123456")).await;
        r.assert_error(400, 602);
    }
    let guess = ("guess@x.com", "123456");
    for enc in [Json, Form] {
        let r = register_from(&app, "203.0.113.9", enc, &info, guess).await;
        r.assert_limited();
    }
    // Another address is not affected.
    let r = register_from(&app, "203.0.113.10", Json, &info, guess).await;
    r.assert_error(400, 602);
}

#[tokio::test]
async fn invites_count_toward_the_per_address_message_limit() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = app.signed_up_access(&info, "host@x.com").await;
    for i in 0..30 {
        let enc = if i % 2 == 0 { Json } else { Form };
        let body = json!({"handle": format!("g{i}@x.com")});
        let r = invite_from(&app, "198.51.100.7", enc, &access, body).await;
        r.assert_true();
    }
    let more = json!({"handle": "more@x.com"});
    for enc in [Json, Form] {
        let r = invite_from(&app, "198.51.100.7", enc, &access, more.clone()).await;
        r.assert_error(429, 615);
    }
    assert!(app.invite_codes("more@x.com").is_empty());
    let r = invite_from(&app, "198.51.100.8", Json, &access, more).await;
    r.assert_true();
}

#[tokio::test]
async fn anonymous_users_cannot_invite() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({"anonymousLoginEnabled": true})).await;
    let r = app.login_anonymous(&info, "ANON_0123456789abcdef").await;
    let access = access(&r.ok_json());
    for enc in [Json, Form] {
        let body = json!({"handle": "ann@x.com"});
        let r = invite_from(&app, "198.51.100.1", enc, &access, body).await;
        r.assert_error(400, 608);
    }
    assert_eq!(invite_mail_count(&app), 0);
}

/// A squatter invites first; a friend's later invite is live too, and the code the invitee uses
/// decides whose metadata lands in the JWT; registering consumes the squatter's invite.
async fn the_code_used_decides_whose_invite_counts(app: TestApp) {
    let info = invite_app(
        &app,
        json!({"metaDataInvite": [{"path": "team", "fieldName": "team"}],
               "metaData": [{"path": "team", "fieldName": "team"}]}),
    )
    .await;
    let squatter = app.signed_up_access(&info, "squatter@x.com").await;
    let friend = app.signed_up_access(&info, "friend@x.com").await;
    let evil = json!({"handle": "ann@x.com", "metaData": {"team": "evil"}});
    let red = json!({"handle": "ann@x.com", "metaData": "{\"team\":\"red\"}"});
    for (ip, enc, access, body) in [
        ("198.51.100.1", Json, &squatter, evil),
        ("198.51.100.2", Form, &friend, red),
    ] {
        let r = invite_from(&app, ip, enc, access, body).await;
        r.assert_true();
    }
    let codes = app.invite_codes("ann@x.com");
    assert_eq!(codes.len(), 2, "both invites were sent");
    assert_eq!(listed_invites(&app, &info).await.len(), 2);
    let r = register_from(&app, "203.0.113.1", Form, &info, ("ann@x.com", &codes[1])).await;
    assert_eq!(session_claims(&r.ok_json())["team"], "red");
    // The squatter's invite was consumed with it.
    assert!(listed_invites(&app, &info).await.is_empty());
    let r = register_from(&app, "203.0.113.1", Json, &info, ("ann@x.com", &codes[0])).await;
    r.assert_error(400, 602);
}

on_both_engines!(#[tokio::test] the_code_used_decides_whose_invite_counts:
    the_code_used_decides_whose_invite_counts_on_sqlite,
    the_code_used_decides_whose_invite_counts_on_dynamodb);

#[tokio::test]
async fn revoking_touches_only_the_callers_invite() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let first = app.signed_up_access(&info, "first@x.com").await;
    let second = app.signed_up_access(&info, "second@x.com").await;
    for access in [&first, &second] {
        let body = json!({"handle": "ann@x.com"});
        let r = invite_from(&app, "198.51.100.1", Json, access, body).await;
        r.assert_true();
    }
    let codes = app.invite_codes("ann@x.com");
    let h = [("access-token", first.as_str())];
    let body = json!({"handle": "ann@x.com"});
    app.post_from("198.51.100.1", Form, REVOKE_INVITE, &h, body)
        .await
        .assert_true();
    let left = listed_invites(&app, &info).await;
    assert_eq!(left.len(), 1);
    let r = register_from(&app, "203.0.113.1", Json, &info, ("ann@x.com", &codes[0])).await;
    r.assert_error(400, 602);
    let r = register_from(&app, "203.0.113.1", Json, &info, ("ann@x.com", &codes[1])).await;
    r.ok_json();
}

/// Invites sent by a user who deleted their account (or whom the admin deleted) stop working.
async fn deleted_senders_invites_stop_working(app: TestApp) {
    let info = invite_app(&app, json!({})).await;
    let leaver = app.signed_up_access(&info, "leaver@x.com").await;
    let removed = app.signed_up_user(&info, "removed@x.com").await;
    let (removed_access, removed_id) = (access(&removed), user_id(&removed));
    let body = json!({"handle": "ann@x.com"});
    let r = invite_from(&app, "198.51.100.1", Json, &leaver, body).await;
    r.assert_true();
    let body = json!({"handle": "bob@x.com"});
    let r = invite_from(&app, "198.51.100.1", Form, &removed_access, body).await;
    r.assert_true();
    let ann_code = app.invite_codes("ann@x.com").pop().unwrap();
    let bob_code = app.invite_codes("bob@x.com").pop().unwrap();

    let h = [("access-token", leaver.as_str())];
    let body = json!({"handle": "leaver@x.com", "password": PW});
    app.post_from("198.51.100.1", Form, DELETE_ACCOUNT, &h, body)
        .await
        .assert_true();
    let path = info.admin_path(&format!("/users/{removed_id}"));
    app.admin("DELETE", &path, None).await.ok_json();

    assert!(listed_invites(&app, &info).await.is_empty());
    for (handle, code, enc) in [("ann@x.com", ann_code, Json), ("bob@x.com", bob_code, Form)] {
        let r = register_from(&app, "203.0.113.1", enc, &info, (handle, &code)).await;
        r.assert_error(400, 602);
    }
    // Nothing of the senders' invites is left behind.
    let sent = format!("USER#{removed_id}#SENT");
    assert!(keys_in(&app, Index::Primary, sent).await.is_empty());
}

on_both_engines!(#[tokio::test] deleted_senders_invites_stop_working:
    deleted_senders_invites_stop_working_on_sqlite,
    deleted_senders_invites_stop_working_on_dynamodb);

#[tokio::test]
async fn invite_metadata_fields_are_in_the_user_jwt() {
    let app = TestApp::new().await;
    let info = invite_app(
        &app,
        json!({"metaData": [{"path": "user.name", "fieldName": "name"}],
               "metaDataInvite": [{"path": "user.team", "fieldName": "team"},
                                  {"path": "invitedBy", "fieldName": "invitedBy"}]}),
    )
    .await;
    let access = app.signed_up_access(&info, "host@x.com").await;
    let body = json!({"handle": "ann@x.com", "metaData": "{\"user\":{\"team\":\"red\"},\"invitedBy\":\"host\"}"});
    let r = invite_from(&app, "198.51.100.1", Form, &access, body).await;
    r.assert_true();
    let code = app.invite_codes("ann@x.com").pop().unwrap();
    let body = json!({"handle": "ann@x.com", "password": PW, "code": code,
                      "metaData": {"user": {"name": "Ann"}}});
    let r = app
        .post_from("203.0.113.1", Json, REGISTER, &app_token(&info), body)
        .await;
    let c = session_claims(&r.ok_json());
    assert_eq!(c["user"], json!({"name": "Ann", "team": "red"}));
    assert_eq!(c["invitedBy"], "host");
    // And at every later login.
    let r = app.login(&info, "ann@x.com", PW).await;
    let c = session_claims(&r.json());
    assert_eq!(c["invitedBy"], "host");
    assert_eq!(c["user"]["team"], "red");
    // Invite fields get the same reserved-path protection as metaData.
    // `user` would overwrite the metaData field `user.name` in the JWT (and the reverse).
    for path in ["iss", "email_verified", "sub.x", "user", "user.name.first"] {
        let settings = json!({"metaDataInvite": [{"path": path, "fieldName": "x"}]});
        app.patch_app(&info, settings).await.assert_error(400, 604);
    }
}

#[tokio::test]
async fn invites_spend_the_apps_daily_mail_budget() {
    let app = TestApp::new().await;
    // One signup mail for the host, then three invites fit a budget of four.
    let info = invite_app(&app, json!({"mailDailyLimit": 4})).await;
    let access = app.signed_up_access(&info, "host@x.com").await;
    for (ip, enc, handle) in [
        ("198.51.100.1", Json, "a@x.com"),
        ("198.51.100.2", Form, "b@x.com"),
    ] {
        let r = invite_from(&app, ip, enc, &access, json!({"handle": handle})).await;
        r.assert_true();
    }
    let r = app.admin_invite(&info, json!({"handle": "c@x.com"})).await;
    r.ok_json();
    for enc in [Json, Form] {
        let body = json!({"handle": "d@x.com"});
        let r = invite_from(&app, "198.51.100.3", enc, &access, body).await;
        r.assert_error(429, 615);
    }
    app.admin_invite(&info, json!({"handle": "e@x.com"}))
        .await
        .assert_error(429, 615);
    assert_eq!(invite_mail_count(&app), 3);
}

#[tokio::test]
async fn an_invite_whose_sender_vanished_without_cleanup_does_not_register() {
    // A deletion interrupted after the account went but before its invites were revoked.
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let session = app.signed_up_user(&info, "gone@x.com").await;
    let (access, id) = (access(&session), user_id(&session));
    let body = json!({"handle": "ann@x.com"});
    let r = invite_from(&app, "198.51.100.1", Json, &access, body).await;
    r.assert_true();
    let code = app.invite_codes("ann@x.com").pop().unwrap();
    app.store
        .delete(
            &keyturn::store::Key::new(format!("USER#{id}"), "USER"),
            keyturn::store::Condition::Any,
        )
        .await
        .unwrap();
    let r = register_from(&app, "203.0.113.1", Form, &info, ("ann@x.com", &code)).await;
    r.assert_error(400, 602);
}

#[tokio::test]
async fn inviting_a_registered_handle_takes_as_long_as_inviting_a_new_one() {
    let t = TestApp::new().await.with_slow_mail().await;
    let info = invite_app(&t, json!({"signupFlow": "none"})).await;
    const N: usize = 30;
    let signup = |handle: String, i: usize| {
        let t = &t;
        let info = &info;
        async move {
            let (ip, body) = (
                format!("10.6.0.{i}"),
                json!({"handle": handle, "password": PW}),
            );
            let r = t.post_from(&ip, Json, SIGNUP, &app_token(info), body).await;
            access(&r.ok_json())
        }
    };
    for i in 0..N {
        signup(format!("k{i}@x.com"), i).await;
    }
    let a = signup("a@x.com".into(), 100).await;
    let b = signup("b@x.com".into(), 101).await;
    // One warm-up of each path, uncounted (a sent invite teaches the instance its time).
    invite_from(&t, "10.7.0.1", Json, &a, json!({"handle": "warm@x.com"})).await;
    invite_from(&t, "10.7.0.2", Json, &b, json!({"handle": "k0@x.com"})).await;
    let known = async |i: usize| {
        let enc = if i.is_multiple_of(2) { Json } else { Form };
        let body = json!({"handle": format!("k{i}@x.com")});
        invite_from(&t, &format!("10.7.1.{i}"), enc, &a, body).await
    };
    let unknown = async |i: usize| {
        let enc = if i.is_multiple_of(2) { Json } else { Form };
        let body = json!({"handle": format!("u{i}@x.com")});
        invite_from(&t, &format!("10.7.2.{i}"), enc, &b, body).await
    };
    answer_alike_in_time("invite", ["registered", "new"], N, known, unknown).await;
    assert!(t.invite_codes("k1@x.com").is_empty());
    assert_eq!(t.invite_codes("u1@x.com").len(), 1);
}

#[tokio::test]
async fn a_flooded_handle_compares_only_its_five_newest_invites() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    for i in 0..6 {
        // A second apart, so "newest" is well defined; the sixth a day later (the mailbox had
        // its 5 invite mails for the day).
        app.clock.advance_secs(if i == 5 { 24 * 3600 } else { 1 });
        let access = app
            .signed_up_access(&info, &format!("inviter{i}@x.com"))
            .await;
        let (ip, body) = (format!("198.51.100.{i}"), json!({"handle": "ann@x.com"}));
        let r = invite_from(&app, &ip, Json, &access, body).await;
        r.assert_true();
    }
    let codes = app.invite_codes("ann@x.com");
    assert_eq!(codes.len(), 6);
    // The oldest is not compared (unless it happens to equal a newer one).
    if !codes[1..].contains(&codes[0]) {
        let r = register_from(&app, "203.0.113.1", Form, &info, ("ann@x.com", &codes[0])).await;
        r.assert_error(400, 602);
    }
    let r = register_from(&app, "203.0.113.2", Json, &info, ("ann@x.com", &codes[5])).await;
    r.ok_json();
    assert!(
        listed_invites(&app, &info).await.is_empty(),
        "all six consumed"
    );
}
