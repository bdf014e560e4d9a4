//! Issue 6, invitations: the audit's attacks replayed through HTTP (JSON and form), on SQLite and,
//! where the store matters, on DynamoDB through moto. Each failed on the code before the fix.

use http::StatusCode;
use keyturn::store::{Index, Query};
use serde_json::{Value, json};

use crate::support::app::{PW, Resp, TestApp, TestAppInfo, first_code};
use crate::support::peer::Encoding::{self, Form, Json};
use crate::support::users::claims;

const INVITE: &str = "/api/appuser/invite";
const REGISTER: &str = "/api/appuser/register";

async fn invite_app(app: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({ "invitationEnabled": true });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    app.create_app(settings).await
}

async fn access_of(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let tokens = app.signed_up_user(info, handle).await;
    tokens["access-token"].as_str().unwrap().to_owned()
}

async fn invite_from(app: &TestApp, ip: &str, enc: Encoding, access: &str, body: Value) -> Resp {
    app.post_from(ip, enc, INVITE, &[("access-token", access)], body)
        .await
}

async fn register_from(
    app: &TestApp,
    ip: &str,
    enc: Encoding,
    info: &TestAppInfo,
    body: Value,
) -> Resp {
    app.post_from(
        ip,
        enc,
        REGISTER,
        &[("app-token", info.app_token.as_str())],
        body,
    )
    .await
}

/// Invite emails sent to `to`, oldest first.
fn invite_codes(app: &TestApp, to: &str) -> Vec<String> {
    app.outbox()
        .into_iter()
        .filter(|m| m.to == to && m.subject.starts_with("Account invitation"))
        .map(|m| first_code(&m.text).unwrap())
        .collect()
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
    let r = app
        .admin("GET", &format!("/admin/apps/{}/invites", info.app_id), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["invites"].as_array().unwrap().clone()
}

/// Two inviters take turns re-inviting one handle while an attacker guesses its code: the wrong
/// guesses answered at all stay within the handle's daily budget, whoever invites.
async fn rotating_inviters_cannot_refill_guesses(app: TestApp) {
    let info = invite_app(&app, json!({})).await;
    let inviters = [
        access_of(&app, &info, "a@x.com").await,
        access_of(&app, &info, "b@x.com").await,
    ];
    let mut answered_wrong = 0;
    let mut last = 0;
    for round in 0..6 {
        let enc = if round % 2 == 0 { Json } else { Form };
        let r = invite_from(
            &app,
            &format!("198.51.100.{round}"),
            enc,
            &inviters[round % 2],
            json!({"handle": "victim@x.com"}),
        )
        .await;
        assert!(r.status == 200 || r.status == 429, "{}", r.text);
        let codes = invite_codes(&app, "victim@x.com");
        for guess in 0..5 {
            let r = register_from(
                &app,
                &format!("203.0.113.{}", round * 5 + guess),
                enc,
                &info,
                json!({"handle": "victim@x.com", "password": PW, "code": not_any(&codes)}),
            )
            .await;
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

#[tokio::test]
async fn rotating_inviters_cannot_refill_guesses_on_one_handle_on_sqlite() {
    rotating_inviters_cannot_refill_guesses(TestApp::new().await).await;
}

#[tokio::test]
async fn rotating_inviters_cannot_refill_guesses_on_one_handle_on_dynamodb() {
    rotating_inviters_cannot_refill_guesses(TestApp::builder().dynamodb().build().await).await;
}

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
        let access = access_of(&app, &info, &format!("inviter{i}@x.com")).await;
        let enc = if i % 2 == 0 { Json } else { Form };
        let r = invite_from(
            &app,
            &format!("198.51.100.{i}"),
            enc,
            &access,
            json!({"handle": alias}),
        )
        .await;
        if r.status == 429 {
            r.assert_error(429, 615);
            assert!(r.headers.get("retry-after").is_some());
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
        register_from(
            &app,
            "203.0.113.9",
            enc,
            &info,
            json!({"handle": format!("guess{i}@x.com"), "password": PW, "code": "123456"}),
        )
        .await
        .assert_error(400, 602);
    }
    for enc in [Json, Form] {
        let r = register_from(
            &app,
            "203.0.113.9",
            enc,
            &info,
            json!({"handle": "guess@x.com", "password": PW, "code": "123456"}),
        )
        .await;
        r.assert_error(429, 615);
        assert!(r.headers.get("retry-after").is_some());
    }
    // Another address is not affected.
    register_from(
        &app,
        "203.0.113.10",
        Json,
        &info,
        json!({"handle": "guess@x.com", "password": PW, "code": "123456"}),
    )
    .await
    .assert_error(400, 602);
}

#[tokio::test]
async fn invites_count_toward_the_per_address_message_limit() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    for i in 0..30 {
        let enc = if i % 2 == 0 { Json } else { Form };
        invite_from(
            &app,
            "198.51.100.7",
            enc,
            &access,
            json!({"handle": format!("g{i}@x.com")}),
        )
        .await
        .assert_true();
    }
    for enc in [Json, Form] {
        let r = invite_from(
            &app,
            "198.51.100.7",
            enc,
            &access,
            json!({"handle": "more@x.com"}),
        )
        .await;
        r.assert_error(429, 615);
    }
    assert!(invite_codes(&app, "more@x.com").is_empty());
    invite_from(
        &app,
        "198.51.100.8",
        Json,
        &access,
        json!({"handle": "more@x.com"}),
    )
    .await
    .assert_true();
}

#[tokio::test]
async fn anonymous_users_cannot_invite() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({"anonymousLoginEnabled": true})).await;
    let r = app
        .post_json(
            "/api/appuser/loginAnonymous",
            &[("app-token", info.app_token.as_str())],
            json!({"handle": "ANON_0123456789abcdef"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access = r.json()["access-token"].as_str().unwrap().to_owned();
    for enc in [Json, Form] {
        invite_from(
            &app,
            "198.51.100.1",
            enc,
            &access,
            json!({"handle": "ann@x.com"}),
        )
        .await
        .assert_error(400, 608);
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
    let squatter = access_of(&app, &info, "squatter@x.com").await;
    let friend = access_of(&app, &info, "friend@x.com").await;
    invite_from(
        &app,
        "198.51.100.1",
        Json,
        &squatter,
        json!({"handle": "ann@x.com", "metaData": {"team": "evil"}}),
    )
    .await
    .assert_true();
    invite_from(
        &app,
        "198.51.100.2",
        Form,
        &friend,
        json!({"handle": "ann@x.com", "metaData": "{\"team\":\"red\"}"}),
    )
    .await
    .assert_true();
    let codes = invite_codes(&app, "ann@x.com");
    assert_eq!(codes.len(), 2, "both invites were sent");
    assert_eq!(listed_invites(&app, &info).await.len(), 2);
    let r = register_from(
        &app,
        "203.0.113.1",
        Form,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": codes[1]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(claims(r.json()["jwt"].as_str().unwrap())["team"], "red");
    // The squatter's invite was consumed with it.
    assert!(listed_invites(&app, &info).await.is_empty());
    register_from(
        &app,
        "203.0.113.1",
        Json,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": codes[0]}),
    )
    .await
    .assert_error(400, 601);
}

#[tokio::test]
async fn the_code_used_decides_whose_invite_counts_on_sqlite() {
    the_code_used_decides_whose_invite_counts(TestApp::new().await).await;
}

#[tokio::test]
async fn the_code_used_decides_whose_invite_counts_on_dynamodb() {
    the_code_used_decides_whose_invite_counts(TestApp::builder().dynamodb().build().await).await;
}

#[tokio::test]
async fn revoking_touches_only_the_callers_invite() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    let first = access_of(&app, &info, "first@x.com").await;
    let second = access_of(&app, &info, "second@x.com").await;
    for access in [&first, &second] {
        invite_from(
            &app,
            "198.51.100.1",
            Json,
            access,
            json!({"handle": "ann@x.com"}),
        )
        .await
        .assert_true();
    }
    let codes = invite_codes(&app, "ann@x.com");
    app.post_from(
        "198.51.100.1",
        Form,
        "/api/appuser/revokeInvite",
        &[("access-token", first.as_str())],
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    let left = listed_invites(&app, &info).await;
    assert_eq!(left.len(), 1);
    register_from(
        &app,
        "203.0.113.1",
        Json,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": codes[0]}),
    )
    .await
    .assert_error(400, 602);
    let r = register_from(
        &app,
        "203.0.113.1",
        Json,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": codes[1]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Invites sent by a user who deleted their account (or whom the admin deleted) stop working.
async fn deleted_senders_invites_stop_working(app: TestApp) {
    let info = invite_app(&app, json!({})).await;
    let leaver = access_of(&app, &info, "leaver@x.com").await;
    let removed = app.signed_up_user(&info, "removed@x.com").await;
    let removed_access = removed["access-token"].as_str().unwrap().to_owned();
    let removed_id = claims(removed["jwt"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    invite_from(
        &app,
        "198.51.100.1",
        Json,
        &leaver,
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    invite_from(
        &app,
        "198.51.100.1",
        Form,
        &removed_access,
        json!({"handle": "bob@x.com"}),
    )
    .await
    .assert_true();
    let ann_code = invite_codes(&app, "ann@x.com").pop().unwrap();
    let bob_code = invite_codes(&app, "bob@x.com").pop().unwrap();

    app.post_from(
        "198.51.100.1",
        Form,
        "/api/appuser/deleteAccount",
        &[("access-token", leaver.as_str())],
        json!({"handle": "leaver@x.com", "password": PW}),
    )
    .await
    .assert_true();
    let r = app
        .admin(
            "DELETE",
            &format!("/admin/apps/{}/users/{removed_id}", info.app_id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    assert!(listed_invites(&app, &info).await.is_empty());
    for (handle, code, enc) in [("ann@x.com", ann_code, Json), ("bob@x.com", bob_code, Form)] {
        register_from(
            &app,
            "203.0.113.1",
            enc,
            &info,
            json!({"handle": handle, "password": PW, "code": code}),
        )
        .await
        .assert_error(400, 602);
    }
    // Nothing of the senders' invites is left behind.
    for user_id in [removed_id.as_str()] {
        let page = app
            .store
            .query(Query {
                index: Index::Primary,
                pk: format!("USER#{user_id}#SENT"),
                sk_prefix: String::new(),
                limit: 10,
                cursor: None,
            })
            .await
            .unwrap();
        assert!(page.items.is_empty());
    }
}

#[tokio::test]
async fn deleted_senders_invites_stop_working_on_sqlite() {
    deleted_senders_invites_stop_working(TestApp::new().await).await;
}

#[tokio::test]
async fn deleted_senders_invites_stop_working_on_dynamodb() {
    deleted_senders_invites_stop_working(TestApp::builder().dynamodb().build().await).await;
}

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
    let access = access_of(&app, &info, "host@x.com").await;
    invite_from(
        &app,
        "198.51.100.1",
        Form,
        &access,
        json!({"handle": "ann@x.com", "metaData": "{\"user\":{\"team\":\"red\"},\"invitedBy\":\"host\"}"}),
    )
    .await
    .assert_true();
    let code = invite_codes(&app, "ann@x.com").pop().unwrap();
    let r = register_from(
        &app,
        "203.0.113.1",
        Json,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code,
               "metaData": {"user": {"name": "Ann"}}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = claims(r.json()["jwt"].as_str().unwrap());
    assert_eq!(c["user"], json!({"name": "Ann", "team": "red"}));
    assert_eq!(c["invitedBy"], "host");
    // And at every later login.
    let r = app
        .post_json(
            "/api/appuser/login",
            &[("app-token", info.app_token.as_str())],
            json!({"handle": "ann@x.com", "password": PW}),
        )
        .await;
    let c = claims(r.json()["jwt"].as_str().unwrap());
    assert_eq!(c["invitedBy"], "host");
    assert_eq!(c["user"]["team"], "red");
    // Invite fields get the same reserved-path protection as metaData.
    // `user` would overwrite the metaData field `user.name` in the JWT (and the reverse).
    for path in ["iss", "email_verified", "sub.x", "user", "user.name.first"] {
        app.admin(
            "PATCH",
            &format!("/admin/apps/{}", info.app_id),
            Some(json!({"metaDataInvite": [{"path": path, "fieldName": "x"}]})),
        )
        .await
        .assert_error(400, 604);
    }
}

#[tokio::test]
async fn invites_spend_the_apps_daily_mail_budget() {
    let app = TestApp::new().await;
    // One signup mail for the host, then three invites fit a budget of four.
    let info = invite_app(&app, json!({"mailDailyLimit": 4})).await;
    let access = access_of(&app, &info, "host@x.com").await;
    invite_from(
        &app,
        "198.51.100.1",
        Json,
        &access,
        json!({"handle": "a@x.com"}),
    )
    .await
    .assert_true();
    invite_from(
        &app,
        "198.51.100.2",
        Form,
        &access,
        json!({"handle": "b@x.com"}),
    )
    .await
    .assert_true();
    let admin_invites = format!("/admin/apps/{}/invites", info.app_id);
    let r = app
        .admin("POST", &admin_invites, Some(json!({"handle": "c@x.com"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for enc in [Json, Form] {
        invite_from(
            &app,
            "198.51.100.3",
            enc,
            &access,
            json!({"handle": "d@x.com"}),
        )
        .await
        .assert_error(429, 615);
    }
    app.admin("POST", &admin_invites, Some(json!({"handle": "e@x.com"})))
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
    let access = session["access-token"].as_str().unwrap().to_owned();
    let id = claims(session["jwt"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    invite_from(
        &app,
        "198.51.100.1",
        Json,
        &access,
        json!({"handle": "ann@x.com"}),
    )
    .await
    .assert_true();
    let code = invite_codes(&app, "ann@x.com").pop().unwrap();
    app.store
        .delete(
            &keyturn::store::Key::new(format!("USER#{id}"), "USER"),
            keyturn::store::Condition::Any,
        )
        .await
        .unwrap();
    register_from(
        &app,
        "203.0.113.1",
        Form,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": code}),
    )
    .await
    .assert_error(400, 602);
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
            let r = t
                .post_from(
                    &format!("10.6.0.{i}"),
                    Json,
                    "/api/appuser/signup",
                    &[("app-token", info.app_token.as_str())],
                    json!({"handle": handle, "password": PW}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json()["access-token"].as_str().unwrap().to_owned()
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
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..N {
        let enc = if i % 2 == 0 { Json } else { Form };
        let started = std::time::Instant::now();
        let k = invite_from(
            &t,
            &format!("10.7.1.{i}"),
            enc,
            &a,
            json!({"handle": format!("k{i}@x.com")}),
        )
        .await;
        known.push(started.elapsed().as_secs_f64());
        let started = std::time::Instant::now();
        let u = invite_from(
            &t,
            &format!("10.7.2.{i}"),
            enc,
            &b,
            json!({"handle": format!("u{i}@x.com")}),
        )
        .await;
        unknown.push(started.elapsed().as_secs_f64());
        assert_eq!((k.status, k.text), (u.status, u.text));
    }
    assert!(invite_codes(&t, "k1@x.com").is_empty());
    assert_eq!(invite_codes(&t, "u1@x.com").len(), 1);
    known.sort_by(f64::total_cmp);
    unknown.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v[v.len() / 2];
    // Printed, not asserted: wall time on a shared machine is no test oracle.
    println!(
        "invite over a 25 ms mailer, {N} calls each: median registered {:.1} ms, new {:.1} ms, \
         ratio registered/new {:.2}",
        median(&known) * 1e3,
        median(&unknown) * 1e3,
        median(&known) / median(&unknown)
    );
}

#[tokio::test]
async fn a_flooded_handle_compares_only_its_five_newest_invites() {
    let app = TestApp::new().await;
    let info = invite_app(&app, json!({})).await;
    for i in 0..6 {
        // A second apart, so "newest" is well defined; the sixth a day later (the mailbox had
        // its 5 invite mails for the day).
        app.clock.advance_secs(if i == 5 { 24 * 3600 } else { 1 });
        let access = access_of(&app, &info, &format!("inviter{i}@x.com")).await;
        invite_from(
            &app,
            &format!("198.51.100.{i}"),
            Json,
            &access,
            json!({"handle": "ann@x.com"}),
        )
        .await
        .assert_true();
    }
    let codes = invite_codes(&app, "ann@x.com");
    assert_eq!(codes.len(), 6);
    // The oldest is not compared (unless it happens to equal a newer one).
    if !codes[1..].contains(&codes[0]) {
        register_from(
            &app,
            "203.0.113.1",
            Form,
            &info,
            json!({"handle": "ann@x.com", "password": PW, "code": codes[0]}),
        )
        .await
        .assert_error(400, 602);
    }
    let r = register_from(
        &app,
        "203.0.113.2",
        Json,
        &info,
        json!({"handle": "ann@x.com", "password": PW, "code": codes[5]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        listed_invites(&app, &info).await.is_empty(),
        "all six consumed"
    );
}
