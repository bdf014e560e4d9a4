//! Limits that strangers could turn against an app or its users, replayed through the HTTP door
//! against the fix that closes each: probing which phone numbers are verified, guessing second
//! factors from many addresses, keeping an owner out with wrong passwords, draining the app's
//! text and mail budgets, blocking an owner's mail through aliases or quoted addresses, guessing
//! signup codes without end, and the per-address limits an app behind one address sets itself.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use http::StatusCode;
use keyturn::clock::{Clock as _, ManualClock};
use keyturn::store::ItemStore;
use keyturn::store::dynamo::DynamoStore;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, Totp};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::aws::{sdk_config, unique};
use crate::support::flows::{app_token, wrong_code};
use crate::support::jwt::to_wall_time;
use crate::support::peer::Encoding::Json;
use crate::support::routes::{
    COMPLETE_SIGNUP, FORGOT_PASSWORD, LOGIN, LOGIN_ANONYMOUS, LOGIN_COMPLETE, RESET_PASSWORD,
    SET_PHONE, SIGNUP, VERIFY_PHONE,
};
use crate::support::users::access;

/// The number another user of the app has verified in the phone tests.
const CLAIMED: &str = "+12015550123";
/// A number nobody has verified.
const UNCLAIMED: &str = "+12015550199";

/// A distinct number for the `n`th text of a test.
fn nth_phone(n: usize) -> String {
    format!("+1201555{:04}", 1000 + n)
}

/// An app whose second factor is SMS, with `extra` settings; signups complete with a code, so
/// its users have proven their address.
async fn phone_app(t: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({"twoFactorVerification": "phone"});
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    t.create_app(settings).await
}

/// A JSON POST of `body` to `path` with the app token, from client address `ip`.
async fn app_post_from(t: &TestApp, ip: &str, path: &str, app: &TestAppInfo, body: Value) -> Resp {
    t.post_from(ip, Json, path, &app_token(app), body).await
}

/// A JSON POST of `body` to `path` as the user behind `acc`, from client address `ip`.
async fn user_post_from(t: &TestApp, ip: &str, path: &str, acc: &str, body: Value) -> Resp {
    t.post_from(ip, Json, path, &[("access-token", acc)], body)
        .await
}

/// `setPhone` to `phone` as the user behind `acc`, from `ip`.
async fn set_phone_from(t: &TestApp, ip: &str, acc: &str, phone: &str) -> Resp {
    user_post_from(t, ip, SET_PHONE, acc, json!({"phone": phone})).await
}

/// `login` of `handle` with `pw` from `ip`.
async fn login_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str, pw: &str) -> Resp {
    let body = json!({"handle": handle, "password": pw});
    app_post_from(t, ip, LOGIN, app, body).await
}

/// `forgotPassword` for `handle` from `ip`.
async fn forgot_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str) -> Resp {
    app_post_from(t, ip, FORGOT_PASSWORD, app, json!({"handle": handle})).await
}

/// `signup` of `handle` with `PW` from `ip`.
async fn signup_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str) -> Resp {
    let body = json!({"handle": handle, "password": PW});
    app_post_from(t, ip, SIGNUP, app, body).await
}

/// `completeSignup` of `handle` with `code` from `ip`.
async fn complete_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str, code: &str) -> Resp {
    let body = json!({"handle": handle, "code": code});
    app_post_from(t, ip, COMPLETE_SIGNUP, app, body).await
}

/// Sets and verifies `phone` for the user behind `acc` through the outbox.
async fn verify_phone(t: &TestApp, acc: &str, phone: &str) {
    t.set_phone(acc, phone).await.assert_true();
    let code = t.last_code_for(phone);
    t.verify_phone(acc, &code).await.assert_true();
}

/// A signed-up user of a phone app with `phone` verified and SMS login on; returns the access
/// token.
async fn sms_user(t: &TestApp, app: &TestAppInfo, handle: &str, phone: &str) -> String {
    let acc = t.signed_up_access(app, handle).await;
    verify_phone(t, &acc, phone).await;
    let on = json!({"twoFactor": true, "password": PW});
    t.set_two_factor_phone(&acc, on).await.assert_true();
    acc
}

/// The login token of a login that asks for the second factor.
fn login_token(r: &Resp) -> String {
    let v = r.ok_json();
    v["login-token"]
        .as_str()
        .unwrap_or_else(|| panic!("a login token: {v}"))
        .to_owned()
}

// --- setPhone tells nothing about numbers verified elsewhere --------------------------------

/// Two probers, each after five texts of its own, ask for a number another user verified and
/// for one nobody has: the answers are alike (the caller's limits are counted first), and a
/// probe's verification code then dies after five tries in both cases.
async fn set_phone_answers_a_verified_number_like_any_other(t: TestApp) {
    let t = &t;
    let app = phone_app(t, json!({})).await;
    let owner = t.signed_up_access(&app, "owner@x.com").await;
    verify_phone(t, &owner, CLAIMED).await;

    let mut answers = Vec::new();
    for (i, probe) in [CLAIMED, UNCLAIMED].into_iter().enumerate() {
        let ip = format!("198.51.100.{}", 10 + i);
        let prober = t.signed_up_access(&app, &format!("probe{i}@x.com")).await;
        for n in 0..5 {
            let r = set_phone_from(t, &ip, &prober, &nth_phone(10 * i + n)).await;
            r.assert_true();
        }
        let r = set_phone_from(t, &ip, &prober, probe).await;
        answers.push((r.status, r.text));
    }
    assert_eq!(answers[0], answers[1], "claimed vs unclaimed after 5 texts");
    assert_eq!(answers[0].0, StatusCode::TOO_MANY_REQUESTS);

    let mut tries = Vec::new();
    for (i, probe) in [CLAIMED, UNCLAIMED].into_iter().enumerate() {
        let ip = format!("198.51.100.{}", 20 + i);
        let prober = t.signed_up_access(&app, &format!("fresh{i}@x.com")).await;
        set_phone_from(t, &ip, &prober, probe).await.assert_true();
        let mut answered = Vec::new();
        for _ in 0..6 {
            let r = user_post_from(t, &ip, VERIFY_PHONE, &prober, json!({"code": "000000"})).await;
            answered.push((r.status, r.text));
        }
        tries.push(answered);
    }
    assert_eq!(tries[0], tries[1], "a probe's code answers alike");
    assert!(tries[0][5].1.contains("614"), "{:?}", tries[0]);
    assert_eq!(
        t.messages_to(CLAIMED),
        1,
        "the verified number got no probe text"
    );
}

on_both_engines!(#[tokio::test] set_phone_answers_a_verified_number_like_any_other:
    set_phone_answers_a_verified_number_like_any_other_on_sqlite,
    set_phone_answers_a_verified_number_like_any_other_on_dynamodb at wall time);

// --- second factors: a budget per account, a mail to the owner --------------------------------

/// The authenticator's code at the test clock's now.
fn totp_now(t: &TestApp, enrolment: &Value) -> String {
    let secret = Secret::try_from_base32(enrolment["googleSecretKey"].as_str().unwrap()).unwrap();
    let totp: Totp = totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .build()
        .unwrap();
    totp.generate(u64::try_from(t.clock.now_secs()).unwrap())
        .to_string()
}

/// The subjects of the mails sent to `to`, oldest first.
fn subjects_to(t: &TestApp, to: &str) -> Vec<String> {
    t.outbox()
        .into_iter()
        .filter(|m| m.to == to)
        .map(|m| m.subject)
        .collect()
}

/// Someone who holds the password guesses authenticator codes from three addresses: twenty
/// wrong codes in all, then the factor is locked (620) for right codes and the right password
/// alike, the owner is mailed and the trail says so, until the owner resets the password by mail.
async fn a_password_holder_gets_twenty_second_factor_guesses(t: TestApp) {
    let app = t
        .create_app(json!({"twoFactorVerification": "google"}))
        .await;
    let acc = t.signed_up_access(&app, "owner@x.com").await;
    let on = json!({"twoFactor": true, "password": PW});
    let enrolment = t.set_two_factor_google(&acc, on).await.ok_json();

    // The password holder guesses from three addresses, two logins each, four codes a login.
    let mut answers = Vec::new();
    for a in 0..3 {
        let ip = format!("10.1.0.{a}");
        for _ in 0..2 {
            let login = login_from(&t, &ip, &app, "owner@x.com", PW).await;
            if login.status != StatusCode::OK {
                // Locked already: the login itself says so, for each code it would have tried.
                login.assert_error(403, 620);
                answers.extend([620; 4]);
                continue;
            }
            let token = login_token(&login);
            for _ in 0..4 {
                let wrong = wrong_code(&totp_now(&t, &enrolment));
                let body = json!({"loginToken": token, "code": wrong});
                let r = t.post_from(&ip, Json, LOGIN_COMPLETE, &[], body).await;
                answers.push(r.json()["code"].as_u64().unwrap());
            }
        }
    }
    assert_eq!(answers[..20], [600; 20], "{answers:?}");
    assert!(answers[20..].iter().all(|c| *c == 620), "{answers:?}");

    // Locked: not even the right code or the right password gets through now.
    t.login(&app, "owner@x.com", PW)
        .await
        .assert_error(403, 620);
    let mails = subjects_to(&t, "owner@x.com");
    assert!(
        mails.iter().any(|s| s.contains("wrong second-factor code")),
        "{mails:?}"
    );
    assert!(mails.iter().any(|s| s.contains("locked")), "{mails:?}");
    let trail = t
        .admin("GET", &app.admin_path("/audit?limit=100"), None)
        .await;
    let events = trail.ok_json()["entries"].as_array().unwrap().clone();
    let locked: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "2fa.locked")
        .collect();
    assert_eq!(locked.len(), 1, "{events:?}");

    // The owner proves the mailbox: a reset lifts the lock.
    let code = t.reset_code(&app, "owner@x.com").await;
    t.reset_password(&app, "owner@x.com", OTHER_PW, &code)
        .await
        .assert_true();
    let token = login_token(&t.login(&app, "owner@x.com", OTHER_PW).await);
    let right = totp_now(&t, &enrolment);
    t.login_complete(&token, &right).await.assert_session();
}

on_both_engines!(#[tokio::test] a_password_holder_gets_twenty_second_factor_guesses:
    a_password_holder_gets_twenty_second_factor_guesses_then_the_owner_must_reset,
    a_password_holder_gets_twenty_second_factor_guesses_on_dynamodb at wall time);

// --- strangers cannot keep the owner out ------------------------------------------------------

/// Ten addresses send ten wrong passwords each, in parallel: the handle's ceiling is full. A
/// guess withheld (615) because parallel commits kept conflicting is sent again.
async fn fill_the_ceiling(t: &Arc<TestApp>, app: &TestAppInfo, handle: &str, round: u8) {
    let mut guessers = tokio::task::JoinSet::new();
    for a in 0..10u8 {
        let (t, app, handle) = (t.clone(), app.clone(), handle.to_owned());
        guessers.spawn(async move {
            let ip = format!("100.64.{round}.{a}");
            let (mut wrong, mut sent) = (0, 0);
            while wrong < 10 {
                sent += 1;
                assert!(sent < 60, "guesses from {ip} kept being withheld");
                let r =
                    login_from(&t, &ip, &app, &handle, "0123456789abcdef0123456789abcdef").await;
                if r.status == StatusCode::TOO_MANY_REQUESTS {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                } else {
                    r.assert_error(400, 600);
                    wrong += 1;
                }
            }
        });
    }
    while let Some(done) = guessers.join_next().await {
        done.unwrap();
    }
}

/// The owner's right password from an address that logged in before, or from the address that
/// proved the mailbox by a reset, still gets through a ceiling strangers keep full; a guess
/// from any other address does not.
async fn strangers_cannot_keep_the_owner_out(t: TestApp) {
    let t = Arc::new(t);
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "own@x.com").await;
    login_from(&t, "203.0.113.1", &app, "own@x.com", PW)
        .await
        .assert_session();

    fill_the_ceiling(&t, &app, "own@x.com", 1).await;
    login_from(&t, "203.0.113.1", &app, "own@x.com", PW)
        .await
        .assert_session();
    login_from(&t, "100.65.0.1", &app, "own@x.com", OTHER_PW)
        .await
        .assert_limited();
    login_from(&t, "198.51.100.7", &app, "own@x.com", PW)
        .await
        .assert_limited();

    // From a fresh address the owner proves the mailbox; the strangers fill the ceiling again.
    let code = t.reset_code(&app, "own@x.com").await;
    let body = json!({"handle": "own@x.com", "password": OTHER_PW, "code": code});
    app_post_from(&t, "198.51.100.7", RESET_PASSWORD, &app, body)
        .await
        .assert_true();
    fill_the_ceiling(&t, &app, "own@x.com", 2).await;
    login_from(&t, "198.51.100.7", &app, "own@x.com", OTHER_PW)
        .await
        .assert_session();
    login_from(&t, "198.51.100.8", &app, "own@x.com", OTHER_PW)
        .await
        .assert_limited();
}

on_both_engines!(#[tokio::test] strangers_cannot_keep_the_owner_out:
    strangers_cannot_keep_the_owner_out_on_sqlite,
    strangers_cannot_keep_the_owner_out_on_dynamodb at wall time);

// --- the app-wide budgets ----------------------------------------------------------------------

#[tokio::test]
async fn enrolment_texts_cannot_starve_login_texts() {
    let t = TestApp::new().await;
    let app = phone_app(&t, json!({"smsDailyLimit": 4})).await;
    sms_user(&t, &app, "sms@x.com", CLAIMED).await;

    // Strangers with accounts of their own spend what enrolment may spend.
    for i in 0..3 {
        let ip = format!("192.0.2.{i}");
        let acc = t.signed_up_access(&app, &format!("s{i}@x.com")).await;
        set_phone_from(&t, &ip, &acc, &nth_phone(i)).await;
    }
    assert_eq!(t.messages_to(&nth_phone(2)), 0, "enrolment took its share");

    let before = t.messages_to(CLAIMED);
    let r = t.login(&app, "sms@x.com", PW).await;
    login_token(&r);
    assert_eq!(
        t.messages_to(CLAIMED),
        before + 1,
        "the login text went out"
    );
}

#[tokio::test]
async fn anonymous_and_unproven_accounts_cannot_set_a_phone() {
    let t = TestApp::new().await;
    let settings = json!({"signupFlow": "none", "anonymousLoginEnabled": true});
    let app = phone_app(&t, settings).await;
    let anon = t.login_anonymous(&app, "ANON_3f2a9b1c-0000").await;
    t.set_phone(&access(&anon.ok_json()), UNCLAIMED)
        .await
        .assert_error(400, 608);
    let unproven = t.quick_access(&app, "np@x.com").await;
    t.set_phone(&unproven, UNCLAIMED)
        .await
        .assert_error(400, 608);
    assert_eq!(t.messages_to(UNCLAIMED), 0);

    // Proving the address (a reset by mail) lets the same user set a phone.
    let code = t.reset_code(&app, "np@x.com").await;
    t.reset_password(&app, "np@x.com", PW, &code)
        .await
        .assert_true();
    let acc = access(&t.login(&app, "np@x.com", PW).await.ok_json());
    t.set_phone(&acc, UNCLAIMED).await.assert_true();
}

#[tokio::test]
async fn decoy_resets_spend_the_callers_address_not_the_apps_mail_budget() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"mailDailyLimit": 3})).await;
    t.signed_up_user(&app, "known@x.com").await;
    for i in 0..20 {
        let r = forgot_from(
            &t,
            &format!("10.2.0.{i}"),
            &app,
            &format!("nobody{i}@x.com"),
        )
        .await;
        r.assert_true();
    }
    // The budget (3, one spent on known@x.com's signup code) still sends real mail.
    signup_from(&t, "10.2.1.1", &app, "new@x.com")
        .await
        .assert_true();
    assert_eq!(t.messages_to("new@x.com"), 1);
    signup_from(&t, "10.2.1.2", &app, "new2@x.com")
        .await
        .assert_true();
    signup_from(&t, "10.2.1.3", &app, "new3@x.com")
        .await
        .assert_limited();

    // Once it is spent, forgotPassword still answers alike for a known and an unknown handle.
    let known = forgot_from(&t, "10.2.2.1", &app, "known@x.com").await;
    let unknown = forgot_from(&t, "10.2.2.2", &app, "unknown@x.com").await;
    known.assert_true();
    assert_eq!((known.status, known.text), (unknown.status, unknown.text));
}

#[tokio::test]
async fn an_sms_user_logs_in_five_times_in_an_hour() {
    let t = TestApp::new().await;
    let app = phone_app(&t, json!({})).await;
    sms_user(&t, &app, "five@x.com", CLAIMED).await;
    for i in 0..5 {
        let token = login_token(&t.login(&app, "five@x.com", PW).await);
        let code = t.last_code_for(CLAIMED);
        let r = t.login_complete(&token, &code).await;
        assert_eq!(r.status, StatusCode::OK, "login {i}: {}", r.text);
    }
}

// --- signup codes -------------------------------------------------------------------------------

/// Each signup issues a new code with five fresh tries: after two codes' worth of wrong guesses,
/// a third signup's code (right, and untried) is refused, as the handle's ten tries a day are
/// spent; the next day it works.
#[tokio::test]
async fn signing_up_again_does_not_refill_a_handles_daily_code_tries() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    for _ in 0..2 {
        let code = t.signup_with_code(&app, "sc@x.com").await;
        for _ in 0..5 {
            t.complete_signup(&app, "sc@x.com", &wrong_code(&code))
                .await
                .assert_error(400, 602);
        }
    }
    let mut code = t.signup_with_code(&app, "sc@x.com").await;
    t.complete_signup(&app, "sc@x.com", &code)
        .await
        .assert_limited();
    t.clock.advance_secs(24 * 3600);
    code = t.signup_with_code(&app, "sc@x.com").await;
    t.complete_signup(&app, "sc@x.com", &code).await.ok_json();
}

#[tokio::test]
async fn failed_signup_code_checks_meet_an_app_wide_daily_cap() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"signupCodeFailureDailyLimit": 10}))
        .await;
    let code = t.signup_with_code(&app, "right@x.com").await;
    for i in 0..10 {
        let r = complete_from(
            &t,
            &format!("10.3.0.{i}"),
            &app,
            &format!("g{i}@x.com"),
            "123456",
        )
        .await;
        r.assert_error(400, 602);
    }
    let r = complete_from(&t, "10.3.1.1", &app, "right@x.com", &code).await;
    r.assert_limited();
    let now = t.clock.now_secs();
    let to_midnight = (now.div_euclid(86_400) + 1) * 86_400 - now;
    assert_eq!(
        r.headers["retry-after"].to_str().unwrap(),
        to_midnight.to_string()
    );
    t.clock.advance_secs(to_midnight);
    complete_from(&t, "10.3.1.1", &app, "right@x.com", &code)
        .await
        .ok_json();
}

// --- mail limits per mailbox and address ---------------------------------------------------------

#[tokio::test]
async fn aliases_from_one_address_do_not_block_the_owners_reset_mail() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "own@x.com").await;
    for n in 1..=5 {
        let r = forgot_from(&t, "198.51.100.9", &app, &format!("own+{n}@x.com")).await;
        r.assert_true();
    }
    forgot_from(&t, "198.51.100.9", &app, "own+6@x.com")
        .await
        .assert_limited();

    let before = t.messages_to("own@x.com");
    forgot_from(&t, "203.0.113.5", &app, "own@x.com")
        .await
        .assert_true();
    assert_eq!(
        t.messages_to("own@x.com"),
        before + 1,
        "the owner got the mail"
    );

    // Over all addresses one mailbox still gets at most 20 reset mails an hour.
    for a in 0..3 {
        for n in 0..5 {
            let ip = format!("198.51.101.{a}");
            forgot_from(&t, &ip, &app, &format!("own+{a}{n}@x.com")).await;
        }
    }
    forgot_from(&t, "198.51.102.1", &app, "own@x.com")
        .await
        .assert_limited();
}

#[tokio::test]
async fn a_quoted_local_part_is_refused_rather_than_counted_apart() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    for _ in 0..5 {
        t.signup_with_code(&app, "gina@example.com").await;
    }
    t.signup(&app, json!({"handle": "gina@example.com", "password": PW}))
        .await
        .assert_limited();
    let quoted = json!({"handle": "\"gina\"@example.com", "password": PW});
    t.signup(&app, quoted).await.assert_error(400, 602);
    let escaped = json!({"handle": "gi\\na@example.com", "password": PW});
    t.signup(&app, escaped).await.assert_error(400, 602);
    assert_eq!(t.messages_to("\"gina\"@example.com"), 0);
}

// --- per-address limits are app settings --------------------------------------------------------

#[tokio::test]
async fn an_app_behind_one_address_raises_its_per_address_limits() {
    let t = TestApp::new().await;
    let settings = json!({
        "signupFlow": "none",
        "anonymousLoginEnabled": true,
        "addressSendsPerHour": 40,
        "addressFailedChecksPer15Min": 60,
        "addressAnonymousUsersPerHour": 35,
    });
    let app = t.create_app(settings).await;
    let ip = "192.0.2.200";
    for i in 0..40 {
        forgot_from(&t, ip, &app, &format!("m{i}@x.com"))
            .await
            .assert_true();
    }
    forgot_from(&t, ip, &app, "m40@x.com")
        .await
        .assert_limited();
    for i in 0..60 {
        login_from(&t, ip, &app, &format!("f{i}@x.com"), PW)
            .await
            .assert_error(400, 600);
    }
    login_from(&t, ip, &app, "f60@x.com", PW)
        .await
        .assert_limited();
    for i in 0..35 {
        let body = json!({"handle": format!("ANON_{i:08}-abcdef")});
        app_post_from(&t, ip, LOGIN_ANONYMOUS, &app, body)
            .await
            .assert_session();
    }
    let body = json!({"handle": "ANON_99999999-abcdef"});
    app_post_from(&t, ip, LOGIN_ANONYMOUS, &app, body)
        .await
        .assert_limited();
}

#[tokio::test]
async fn an_app_sets_how_many_texts_one_address_may_trigger() {
    let t = TestApp::new().await;
    let app = phone_app(&t, json!({"addressTextsPerHour": 2})).await;
    let ip = "192.0.2.201";
    let a = t.signed_up_access(&app, "ta@x.com").await;
    for n in 0..2 {
        set_phone_from(&t, ip, &a, &nth_phone(n))
            .await
            .assert_true();
    }
    set_phone_from(&t, ip, &a, &nth_phone(2))
        .await
        .assert_limited();
}

/// `{name: value}`.
fn setting(name: &str, value: Value) -> Value {
    let mut patch = serde_json::Map::new();
    patch.insert(name.to_owned(), value);
    Value::Object(patch)
}

#[tokio::test]
async fn the_admin_api_shows_bounds_and_patches_the_per_address_settings() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let shown = t.show_app(&app).await.ok_json();
    let defaults = [
        ("addressSendsPerHour", 30),
        ("addressTextsPerHour", 10),
        ("addressFailedChecksPer15Min", 50),
        ("addressAnonymousUsersPerHour", 30),
        ("signupCodeFailureDailyLimit", 10_000),
    ];
    for (name, default) in defaults {
        assert_eq!(shown[name], default, "{name}: {shown}");
        for bad in [json!(0), json!(10_000_001), json!("30"), json!(-1)] {
            let r = t.patch_app(&app, setting(name, bad)).await;
            r.assert_error(400, 602);
        }
        t.patch_app(&app, setting(name, json!(1000)))
            .await
            .ok_json();
    }
    let shown = t.show_app(&app).await.ok_json();
    assert_eq!(shown["addressSendsPerHour"], 1000);
}

#[tokio::test]
async fn a_per_address_limit_edited_in_dynamodb_applies() {
    let clock = ManualClock::at(0);
    to_wall_time(&clock);
    let client = Client::new(&sdk_config().await);
    let table = unique("keyturn-limits");
    DynamoStore::create_table(&client, &table).await.unwrap();
    let store: Arc<dyn ItemStore> = Arc::new(DynamoStore::new(
        client.clone(),
        table.clone(),
        Arc::new(clock.clone()),
    ));
    let t = TestApp::builder()
        .clock(clock)
        .store(store)
        .settings_cache_secs(0)
        .build()
        .await;
    let app = t.create_app(json!({})).await;
    client
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S(format!("APP#{}", app.app_id)))
        .key("sk", AttributeValue::S("APP".into()))
        .update_expression("SET settings.addressSendsPerHour = :v, ver = ver + :one")
        .condition_expression("attribute_exists(settings)")
        .expression_attribute_values(":v", AttributeValue::N("2".into()))
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
    for i in 0..2 {
        forgot_from(&t, "192.0.2.202", &app, &format!("d{i}@x.com"))
            .await
            .assert_true();
    }
    forgot_from(&t, "192.0.2.202", &app, "d2@x.com")
        .await
        .assert_limited();
    let shown = t.show_app(&app).await.ok_json();
    assert_eq!(shown["addressSendsPerHour"], 2);
}
