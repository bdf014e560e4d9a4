//! Attacks on the login, signup and reset flows, replayed through the HTTP door (JSON and form bodies), each
//! against the fix that closes it: pending-signup takeover, forged host headers, limits per
//! client address and per app, mail bombing through mailbox aliases, reset-code budgets,
//! enumeration through completeSignup and resetPassword, and strangers locking owners out.

use std::sync::Arc;

use axum::body::Body;
use http::StatusCode;
use keyturn::clock::Clock;
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, first_code, on_both_engines};
use crate::support::flows::{app_token, wrong_code};
use crate::support::mailer::answer_alike_in_time;
use crate::support::peer::Encoding::Json;
use crate::support::routes::{COMPLETE_SIGNUP, FORGOT_PASSWORD as FORGOT, LOGIN};
use crate::support::routes::{RESET_PASSWORD as RESET, SIGNUP};
use crate::support::users::session_claims;

/// A JSON POST from client address `ip` (the socket peer, as `keyturn serve` sees it).
async fn post_from(t: &TestApp, ip: &str, path: &str, app: &TestAppInfo, body: Value) -> Resp {
    t.post_from(ip, Json, path, &app_token(app), body).await
}

/// A form POST from client address `ip`, with exactly `body`.
async fn form_from(t: &TestApp, ip: &str, path: &str, app: &TestAppInfo, body: &str) -> Resp {
    t.post_form_from(ip, path, &app_token(app), body).await
}

/// The newest message to `to` is a password-reset mail; returns its code.
fn reset_mail_code(t: &TestApp, to: &str) -> String {
    let mail = t.last_message_to(to);
    assert!(mail.subject.contains("Reset"), "{}", mail.subject);
    t.last_code_for(to)
}

// --- pending-signup takeover -----------------------------------------------------------------

/// After a contested signup is completed by the mailbox owner, neither submitted password logs
/// in, and the mailed reset code lets the owner choose their own.
async fn assert_owner_sets_the_password(t: &TestApp, app: &TestAppInfo, handle: &str) {
    t.login(app, handle, OTHER_PW).await.assert_error(400, 600);
    t.login(app, handle, PW).await.assert_error(400, 600);
    let code = reset_mail_code(t, handle);
    let form = format!("handle={handle}&password={PW}&code={code}");
    t.post_form(RESET, &app_token(app), &form)
        .await
        .assert_true();
    t.login(app, handle, PW).await.ok_json();
    t.login(app, handle, OTHER_PW).await.assert_error(400, 600);
}

#[tokio::test]
async fn an_attackers_later_signup_password_never_becomes_the_victims_account_password() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    // The victim signs up; the attacker re-signs the same handle with their own password.
    t.signup_with_code(&app, "vic@x.com").await;
    let form = format!("handle=vic@x.com&password={OTHER_PW}");
    t.post_form(SIGNUP, &app_token(&app), &form)
        .await
        .assert_true();

    // The victim enters the newest code from their mailbox.
    let code = t.last_code_for("vic@x.com");
    let r = t.complete_signup(&app, "vic@x.com", &code).await;

    let session = r.ok_json();
    assert!(
        session["jwt"].is_string(),
        "the mailbox owner gets a session"
    );
    assert_owner_sets_the_password(&t, &app, "vic@x.com").await;
}

#[tokio::test]
async fn an_attackers_earlier_signup_password_never_becomes_the_victims_account_password() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let form = format!("handle=vic@x.com&password={OTHER_PW}");
    t.post_form(SIGNUP, &app_token(&app), &form)
        .await
        .assert_true();
    let code = t.signup_with_code(&app, "vic@x.com").await;

    let form = format!("handle=vic@x.com&code={code}");
    let r = t.post_form(COMPLETE_SIGNUP, &app_token(&app), &form).await;

    r.ok_json();
    assert_owner_sets_the_password(&t, &app, "vic@x.com").await;
}

#[tokio::test]
async fn a_contested_link_signup_completes_without_either_password() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "link"})).await;
    for pw in [PW, OTHER_PW] {
        let body = json!({"handle": "lnk@x.com", "password": pw});
        t.signup(&app, body).await.assert_true();
    }

    let landing = t.confirm_link("lnk@x.com").await;

    landing.assert_ok();
    assert_owner_sets_the_password(&t, &app, "lnk@x.com").await;
}

#[tokio::test]
async fn repeating_a_signup_with_the_same_password_keeps_that_password() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let mut code = String::new();
    for _ in 0..2 {
        code = t.signup_with_code(&app, "same@x.com").await;
    }
    let r = t.complete_signup(&app, "same@x.com", &code).await;
    r.ok_json();

    t.login(&app, "same@x.com", PW).await.ok_json();
    let last = t.outbox().pop().unwrap();
    assert!(
        !last.subject.contains("Reset"),
        "no reset mail: {}",
        last.subject
    );
}

#[tokio::test]
async fn complete_signup_answers_alike_for_pending_absent_and_registered_handles() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "has@x.com").await;
    let right = t.signup_with_code(&app, "pend@x.com").await;

    for code in ["12a", "", "1234567", "-1"] {
        let answers: Vec<(StatusCode, String)> = {
            let mut v = Vec::new();
            for handle in ["has@x.com", "pend@x.com", "none@x.com"] {
                let form = format!("handle={handle}&code={code}");
                let r = t.post_form(COMPLETE_SIGNUP, &app_token(&app), &form).await;
                v.push((r.status, r.text));
            }
            v
        };
        assert!(
            answers.iter().all(|a| a == &answers[0]),
            "code {code:?}: {answers:?}"
        );
        assert_eq!(answers[0].0, StatusCode::BAD_REQUEST);
    }
    let wrong = if right == "000001" {
        "000002"
    } else {
        "000001"
    };
    let registered = t.complete_signup(&app, "has@x.com", wrong).await;
    let absent = t.complete_signup(&app, "none@x.com", wrong).await;
    assert_eq!(registered.text, absent.text);
    // Malformed codes cost the pending signup no tries: the right code still works.
    let r = t.complete_signup(&app, "pend@x.com", &right).await;
    r.ok_json();
}

// --- forged host headers -------------------------------------------------------------------

async fn forged(t: &TestApp, method: &str, path: &str, app: &TestAppInfo, body: Value) -> Resp {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("app-token", app.app_token.as_str())
        .header("content-type", "application/json")
        .body(if method == "GET" {
            Body::empty()
        } else {
            Body::from(body.to_string())
        })
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn forged_host_headers_never_reach_links_issuers_or_discovery() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "link"})).await;

    forged(
        &t,
        "POST",
        SIGNUP,
        &app,
        json!({"handle": "fh@x.com", "password": PW}),
    )
    .await
    .assert_true();
    let mail = t.outbox().pop().unwrap();
    assert!(!mail.text.contains("evil"), "{}", mail.text);
    let link = format!("http://127.0.0.1:8787{COMPLETE_SIGNUP}?");
    assert!(mail.text.contains(&link), "{}", mail.text);

    t.confirm_link("fh@x.com").await;
    let body = json!({"handle": "fh@x.com", "password": PW});
    let r = forged(&t, "POST", LOGIN, &app, body).await;
    let iss = session_claims(&r.ok_json())["iss"].clone();
    assert_eq!(
        iss,
        format!("http://127.0.0.1:8787/apps/{}", app.app_id),
        "issuer"
    );

    let discovery = forged(
        &t,
        "GET",
        &format!("/apps/{}/.well-known/openid-configuration", app.app_id),
        &app,
        Value::Null,
    )
    .await;
    assert!(!discovery.text.contains("evil"), "{}", discovery.text);
    assert_eq!(discovery.ok_json()["issuer"], iss);
}

#[tokio::test]
async fn in_lambda_the_issuer_comes_from_api_gateways_domain_not_a_forwarded_host() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "lam+da@x.com").await;
    let mut ev = crate::support::lambda::app_event("login", &app);
    ev["headers"]["x-forwarded-host"] = json!("evil.example");
    ev["headers"]["x-forwarded-proto"] = json!("https");
    ev["headers"]["host"] = json!("evil.example");

    let r = crate::support::lambda::invoke(&t, (keyturn_fn_login::ROUTE.router)(), &ev).await;

    let claims = session_claims(&r.ok_json());
    assert_eq!(
        claims["iss"],
        format!(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/apps/{}",
            app.app_id
        )
    );
}

// --- limits per client address and per app ------------------------------------------------

/// A JSON signup of `handle` with `PW` from `ip`.
async fn signup_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str) -> Resp {
    let body = json!({"handle": handle, "password": PW});
    post_from(t, ip, SIGNUP, app, body).await
}

/// A form `forgotPassword` from `ip` whose `handle` field is exactly `handle`.
async fn forgot_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str) -> Resp {
    form_from(t, ip, FORGOT, app, &format!("handle={handle}")).await
}

/// A JSON login of `handle` with `pw` from `ip`.
async fn login_from(t: &TestApp, ip: &str, app: &TestAppInfo, handle: &str, pw: &str) -> Resp {
    let body = json!({"handle": handle, "password": pw});
    post_from(t, ip, LOGIN, app, body).await
}

#[tokio::test]
async fn one_address_sends_at_most_30_messages_an_hour_and_others_are_unaffected() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    for i in 0..30 {
        let handle = format!("a{i}@x.com");
        let r = if i % 2 == 0 {
            signup_from(&t, "198.51.100.1", &app, &handle).await
        } else {
            forgot_from(&t, "198.51.100.1", &app, &handle).await
        };
        r.assert_true();
    }

    let r = signup_from(&t, "198.51.100.1", &app, "one-more@x.com").await;
    r.assert_limited();
    let r = forgot_from(&t, "198.51.100.1", &app, "b@x.com").await;
    r.assert_limited();
    let r = signup_from(&t, "198.51.100.2", &app, "one-more@x.com").await;
    r.assert_true();
}

#[tokio::test]
async fn ipv6_addresses_count_per_64() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    for i in 1..=30 {
        let (ip, handle) = (format!("2001:db8:1:2::{i:x}"), format!("v{i}@x.com"));
        forgot_from(&t, &ip, &app, &handle).await.assert_true();
    }

    let r = forgot_from(&t, "2001:db8:1:2:ffff::9", &app, "w@x.com").await;
    r.assert_limited();
    let r = forgot_from(&t, "2001:db8:1:3::1", &app, "w@x.com").await;
    r.assert_true();
}

#[tokio::test]
async fn one_address_gets_50_failed_checks_per_15_minutes_over_all_handles() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    for i in 0..50 {
        let r = login_from(&t, "192.0.2.50", &app, &format!("s{i}@x.com"), PW).await;
        r.assert_error(400, 600);
    }

    let form = format!("handle=fresh@x.com&password={PW}");
    let r = form_from(&t, "192.0.2.50", LOGIN, &app, &form).await;
    r.assert_limited();
    let body = json!({"handle": "fresh@x.com", "password": PW, "code": "123456"});
    let r = post_from(&t, "192.0.2.50", RESET, &app, body).await;
    r.assert_limited();
    t.clock.advance_secs(15 * 60);
    let r = login_from(&t, "192.0.2.50", &app, "fresh@x.com", PW).await;
    r.assert_error(400, 600);
}

#[tokio::test]
async fn an_apps_daily_mail_budget_is_exact_and_ends_with_the_utc_day() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"mailDailyLimit": 20})).await;
    for i in 0..20 {
        let (ip, handle) = (format!("10.0.0.{i}"), format!("d{i}@x.com"));
        signup_from(&t, &ip, &app, &handle).await.assert_true();
    }

    let refused = signup_from(&t, "10.0.1.1", &app, "late@x.com").await;
    refused.assert_limited();
    let now = t.clock.now_secs();
    let to_midnight = (now.div_euclid(86_400) + 1) * 86_400 - now;
    assert_eq!(
        refused.headers["retry-after"].to_str().unwrap(),
        to_midnight.to_string()
    );
    // forgotPassword spends the budget only on mail it sends: for a handle without an account it
    // still answers `true` and sends nothing.
    let r = forgot_from(&t, "10.0.1.2", &app, "late@x.com").await;
    r.assert_true();
    assert_eq!(t.messages_to("late@x.com"), 0);

    t.clock.advance_secs(to_midnight);
    let r = signup_from(&t, "10.0.1.1", &app, "late@x.com").await;
    r.assert_true();
}

// --- mail bombing through aliases, limits before the 601 -----------------------------------

#[tokio::test]
async fn aliases_of_one_mailbox_share_its_mail_limit() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let aliases = [
        "x+1@d.com",
        "x+2@d.com",
        "x(1)@d.com",
        "X+3@D.com",
        "x@d.com",
    ];
    // One address's requests for a mailbox share its per-address count, whatever the alias.
    let ip = "10.9.0.1";
    for (i, alias) in aliases.iter().enumerate() {
        let r = if i % 2 == 0 {
            signup_from(&t, ip, &app, alias).await
        } else {
            let form = format!("handle={}&password={PW}", alias.replace('+', "%2B"));
            form_from(&t, ip, SIGNUP, &app, &form).await
        };
        r.assert_true();
    }

    let r = signup_from(&t, ip, &app, "x+6@d.com").await;
    r.assert_limited();
    for alias in [
        "x+r1@d.com",
        "x+r2@d.com",
        "x+r3@d.com",
        "x+r4@d.com",
        "x+r5@d.com",
    ] {
        let r = forgot_from(&t, "10.9.2.1", &app, &alias.replace('+', "%2B")).await;
        r.assert_true();
    }
    let r = forgot_from(&t, "10.9.2.1", &app, "x%2Br6@d.com").await;
    r.assert_limited();
}

#[tokio::test]
async fn signup_of_a_registered_handle_meets_the_mail_limit_like_a_new_one() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "own@x.com").await;
    // One signup mail was counted for own@x.com; four more signups for each handle.
    t.signup_with_code(&app, "new@x.com").await;
    for _ in 0..4 {
        let own = json!({"handle": "own@x.com", "password": PW});
        t.signup(&app, own).await.assert_error(400, 601);
        t.signup_with_code(&app, "new@x.com").await;
    }

    // The sixth is refused for both, before the 601 (and before any Argon2 run).
    for handle in ["own@x.com", "new@x.com"] {
        let form = format!("handle={handle}&password={PW}");
        let r = t.post_form(SIGNUP, &app_token(&app), &form).await;
        r.assert_limited();
    }
}

// --- reset codes: daily budget, identical answers ------------------------------------------

#[tokio::test]
async fn new_reset_codes_do_not_refill_a_handles_daily_tries() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "rst@x.com", json!({})).await;
    let forgot = || t.reset_code(&app, "rst@x.com");
    let reset = |code: String| {
        let t = &t;
        let app = &app;
        async move {
            t.post_form(
                RESET,
                &app_token(app),
                &format!("handle=rst@x.com&password={OTHER_PW}&code={code}"),
            )
            .await
        }
    };

    let first = forgot().await;
    for _ in 0..5 {
        reset(wrong_code(&first)).await.assert_error(400, 602);
    }
    reset(wrong_code(&first)).await.assert_error(400, 614);
    let second = forgot().await;
    for _ in 0..4 {
        reset(wrong_code(&second)).await.assert_error(400, 602);
    }

    // Ten tries spent today: even the right, fresh code waits for tomorrow.
    reset(second.clone()).await.assert_limited();
    t.clock.advance_secs(24 * 3600);
    let third = forgot().await;
    reset(third).await.assert_true();
}

#[tokio::test]
async fn reset_password_answers_alike_for_known_and_unknown_handles() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "known@x.com", json!({})).await;
    for handle in ["known@x.com", "ghost@x.com"] {
        t.post_form(FORGOT, &app_token(&app), &format!("handle={handle}"))
            .await
            .assert_true();
    }
    let known_code = t.last_code_for("known@x.com");
    assert_eq!(
        t.messages_to("ghost@x.com"),
        0,
        "no mail to an unknown handle"
    );

    let attempt = |handle: &'static str, code: String| {
        let t = &t;
        let app = &app;
        async move {
            let r = t.reset_password(app, handle, OTHER_PW, &code).await;
            (r.status, r.text)
        }
    };
    // Malformed: the same answer, and no try spent.
    for bad in ["12x", "", "1234567"] {
        assert_eq!(
            attempt("known@x.com", bad.into()).await,
            attempt("ghost@x.com", bad.into()).await
        );
    }
    // Wrong codes: the same 602 five times, then the same 614.
    let guess = wrong_code(&known_code);
    for _ in 0..5 {
        let (known, ghost) = (
            attempt("known@x.com", guess.clone()).await,
            attempt("ghost@x.com", guess.clone()).await,
        );
        assert_eq!(known, ghost);
        assert_eq!(known.0, StatusCode::BAD_REQUEST);
    }
    let (known, ghost) = (
        attempt("known@x.com", guess.clone()).await,
        attempt("ghost@x.com", guess).await,
    );
    assert_eq!(known, ghost);
    assert!(known.1.contains("614"), "{known:?}");
}

#[tokio::test]
async fn forgot_password_takes_as_long_for_unknown_handles_as_for_known_ones() {
    let t = TestApp::new().await.with_slow_mail().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    const N: usize = 30;
    for i in 0..N {
        t.quick_user(&app, &format!("k{i}@x.com"), json!({})).await;
    }
    // One warm-up of each path, uncounted (the known one teaches the instance a mail's time).
    forgot_from(&t, "10.8.0.1", &app, "warm@x.com").await;
    forgot_from(&t, "10.8.0.2", &app, "k0@x.com").await;

    let known =
        async |i| forgot_from(&t, &format!("10.8.1.{i}"), &app, &format!("k{i}@x.com")).await;
    let unknown =
        async |i| forgot_from(&t, &format!("10.8.2.{i}"), &app, &format!("u{i}@x.com")).await;
    let names = ["known", "unknown"];
    answer_alike_in_time("forgotPassword", names, N, known, unknown).await;
    assert_eq!(t.messages_to("u0@x.com"), 0);
    assert_eq!(
        t.messages_to("k1@x.com"),
        2,
        "the welcome and the reset mail"
    );
}

// --- lockout by strangers ------------------------------------------------------------------

/// Ten wrong passwords from one address lock that address out, not the owner on another.
async fn a_stranger_cannot_lock_the_owner_out(t: TestApp) {
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "owner@x.com", json!({})).await;
    for i in 0..10 {
        let r = if i % 2 == 0 {
            login_from(&t, "203.0.113.66", &app, "owner@x.com", OTHER_PW).await
        } else {
            let form = format!("handle=owner@x.com&password={OTHER_PW}");
            form_from(&t, "203.0.113.66", LOGIN, &app, &form).await
        };
        r.assert_error(400, 600);
    }
    let r = login_from(&t, "203.0.113.66", &app, "owner@x.com", PW).await;
    r.assert_limited();

    let r = login_from(&t, "198.51.100.77", &app, "owner@x.com", PW).await;
    r.ok_json();
}

#[tokio::test]
async fn guesses_spread_over_many_addresses_meet_the_per_handle_ceiling() {
    let t = Arc::new(TestApp::new().await);
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "spread@x.com", json!({})).await;
    let mut guessers = tokio::task::JoinSet::new();
    for a in 0..10 {
        let (t, app) = (t.clone(), app.clone());
        guessers.spawn(async move {
            for _ in 0..10 {
                let ip = format!("100.64.0.{a}");
                let r = login_from(&t, &ip, &app, "spread@x.com", OTHER_PW).await;
                r.assert_error(400, 600);
            }
        });
    }
    while let Some(done) = guessers.join_next().await {
        done.unwrap();
    }

    // 100 failures over ten addresses: the handle rests until the window ends, for everyone.
    let r = login_from(&t, "198.51.100.78", &app, "spread@x.com", PW).await;
    r.assert_limited();
    t.clock.advance_secs(15 * 60);
    let r = login_from(&t, "198.51.100.78", &app, "spread@x.com", PW).await;
    r.ok_json();
}

// --- the same guarantees under concurrency, on both engines ---------------------------------

/// Five people sign one handle up at once, each with their own password: whichever code the
/// mailbox owner uses, no submitted password becomes the account's.
async fn racing_signups_with_different_passwords_contest(t: TestApp) {
    let t = Arc::new(t);
    let app = t.create_app(json!({})).await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..5u32 {
        let (t, app) = (t.clone(), app.clone());
        racers.spawn(async move {
            let form = format!("handle=race@x.com&password={:032x}", i + 1);
            let r = form_from(&t, &format!("10.7.0.{i}"), SIGNUP, &app, &form).await;
            r.assert_true();
        });
    }
    while let Some(done) = racers.join_next().await {
        done.unwrap();
    }
    let codes: Vec<String> = t
        .outbox()
        .iter()
        .filter(|m| m.to == "race@x.com")
        .map(|m| first_code(&m.text).unwrap())
        .collect();
    assert_eq!(codes.len(), 5);

    let mut completed = 0;
    for code in codes {
        let body = json!({"handle": "race@x.com", "code": code});
        let r = post_from(&t, "10.7.1.1", COMPLETE_SIGNUP, &app, body).await;
        if r.status == StatusCode::OK {
            completed += 1;
        }
    }
    assert_eq!(completed, 1, "exactly the newest code completes");
    for i in 0..5u32 {
        let pw = format!("{:032x}", i + 1);
        t.login(&app, "race@x.com", &pw)
            .await
            .assert_error(400, 600);
    }
    reset_mail_code(&t, "race@x.com");
}

/// Signups racing past an app's daily mail budget of 16: exactly 16 codes go out.
async fn racing_sends_spend_the_daily_budget_exactly(t: TestApp) {
    let t = Arc::new(t);
    let app = t.create_app(json!({"mailDailyLimit": 16})).await;
    let mut senders = tokio::task::JoinSet::new();
    for i in 0..24u32 {
        let (t, app) = (t.clone(), app.clone());
        senders.spawn(async move {
            let (ip, handle) = (format!("10.6.0.{i}"), format!("b{i}@x.com"));
            signup_from(&t, &ip, &app, &handle).await.status
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = senders.join_next().await {
        statuses.push(done.unwrap());
    }
    let sent = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((sent, refused), (16, 8), "{statuses:?}");
}

on_both_engines!(#[tokio::test] racing_signups_with_different_passwords_contest:
    racing_signups_with_different_passwords_contest_on_sqlite,
    racing_signups_with_different_passwords_contest_on_dynamodb at wall time);

on_both_engines!(#[tokio::test] racing_sends_spend_the_daily_budget_exactly:
    racing_sends_spend_the_daily_budget_exactly_on_sqlite,
    racing_sends_spend_the_daily_budget_exactly_on_dynamodb at wall time);

/// Thirty wrong guesses fired at once from one address: no more answers leave than the same
/// guesses one after another would get (ten failures, the rest 615), and then the right password
/// from that address is refused too, so a right guess in such a burst could not have been
/// answered past the limit either.
async fn parallel_guesses_get_no_more_answers_than_serial_ones(t: TestApp) {
    let t = Arc::new(t);
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "burst@x.com", json!({})).await;
    let mut guessers = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (t, app) = (t.clone(), app.clone());
        guessers.spawn(async move {
            login_from(&t, "203.0.113.90", &app, "burst@x.com", OTHER_PW).await
        });
    }
    let (mut wrong, mut limited) = (0, 0);
    while let Some(r) = guessers.join_next().await {
        let r = r.unwrap();
        if r.status == StatusCode::BAD_REQUEST {
            r.assert_error(400, 600);
            wrong += 1;
        } else {
            r.assert_limited();
            limited += 1;
        }
    }
    println!("parallel guesses: {wrong} answered wrong, {limited} limited");
    assert!(wrong <= 10, "{wrong} wrong guesses answered 600");
    assert_eq!(wrong + limited, 30);
    let r = login_from(&t, "203.0.113.90", &app, "burst@x.com", PW).await;
    r.assert_limited();
}

on_both_engines!(#[tokio::test] parallel_guesses_get_no_more_answers_than_serial_ones:
    parallel_guesses_get_no_more_answers_on_sqlite,
    parallel_guesses_get_no_more_answers_on_dynamodb at wall time);

on_both_engines!(#[tokio::test] a_stranger_cannot_lock_the_owner_out:
    a_stranger_cannot_lock_the_owner_out_from_another_address,
    a_strangers_lockout_spares_the_owner_on_dynamodb at wall time);
