//! Two-factor login through the HTTP door (JSON and Swift form bodies): the authenticator app
//! (codes computed with totp-rs from the returned secret, the QR decoded with rqrr), SMS through
//! the outbox, every SMS limit, token purposes, and the admin routes.

use http::StatusCode;
use keyturn::clock::Clock as _;
use keyturn::domain::records::table_keys;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, Totp};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, first_code, on_both_engines};
use crate::support::flows::{app_token, wrong_code};
use crate::support::routes::{LOGIN, LOGIN_COMPLETE, SET_PHONE, VERIFY_PHONE};
use crate::support::routes::{SET_TWO_FACTOR_GOOGLE as GOOGLE, SET_TWO_FACTOR_PHONE as PHONE_2FA};
use crate::support::users::{access, session_claims, stored_user, token_works, user_id};

const PHONE: &str = "+12015550123";

async fn google_app(t: &TestApp) -> TestAppInfo {
    t.create_app(json!({
        "signupFlow": "none",
        "twoFactorVerification": "google",
        "googleAppName": "Keyturn Demo",
    }))
    .await
}

/// An app in phone mode whose signups complete with a mailed code: only users who proved their
/// address may set a phone.
async fn phone_app(t: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({"twoFactorVerification": "phone"});
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    t.create_app(settings).await
}

async fn enable_google(t: &TestApp, access: &str) -> Value {
    let r = t
        .set_two_factor_google(access, json!({"twoFactor": true}))
        .await;
    r.ok_json()
}

fn totp_of(enrolment: &Value) -> Totp {
    let secret = Secret::try_from_base32(enrolment["googleSecretKey"].as_str().unwrap()).unwrap();
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .build()
        .unwrap()
}

/// The authenticator's code at the test clock's now.
fn code_now(t: &TestApp, totp: &Totp) -> String {
    totp.generate(u64::try_from(t.clock.now_secs()).unwrap())
        .to_string()
}

fn login_token(r: &Resp) -> String {
    let v = r.ok_json();
    assert!(
        v.get("jwt").is_none(),
        "no JWT before the second factor: {v}"
    );
    assert!(v.get("access-token").is_none());
    v["login-token"].as_str().expect("a login token").to_owned()
}

/// The first step's login token for `handle` with `pw`.
async fn token_of(t: &TestApp, info: &TestAppInfo, handle: &str, pw: &str) -> String {
    login_token(&t.login(info, handle, pw).await)
}

async fn get_user(t: &TestApp, access: &str) -> Value {
    t.get_user(access).await.ok_json()
}

#[tokio::test]
async fn enabling_google_2fa_returns_the_secret_its_otpauth_qr_and_recovery_codes() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let session = t.quick_user(&info, "bob@x.com", json!({})).await;
    let (acc, uid) = (access(&session), user_id(&session));

    let e = enable_google(&t, &acc).await;

    let secret = e["googleSecretKey"].as_str().unwrap();
    assert_eq!(
        Secret::try_from_base32(secret).unwrap().as_bytes().len(),
        20
    );
    let qr = e["QRDataImage"].as_str().unwrap();
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        qr.strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL"),
    )
    .unwrap();
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, uri) = grids[0].decode().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let from_qr = Totp::from_url(&uri).unwrap();
    assert_eq!(from_qr.issuer(), Some("Keyturn Demo"));
    assert_eq!(from_qr.account_name(), "bob@x.com");
    assert_eq!(from_qr.secret().to_base32(), secret);
    assert!(
        uri.contains("algorithm=SHA1") || !uri.contains("algorithm="),
        "{uri}"
    );
    assert!(
        !uri.contains("digits=") || uri.contains("digits=6"),
        "{uri}"
    );
    assert!(
        !uri.contains("period=") || uri.contains("period=30"),
        "{uri}"
    );
    let codes = e["recoveryCodes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        get_user(&t, &acc).await["twoFactorGoogleVerification"],
        true
    );

    // The secret is never mailed (only a notice) nor stored in clear.
    assert!(
        t.outbox()
            .iter()
            .all(|m| !m.text.contains(secret) && !m.html.contains(secret))
    );
    assert!(
        t.outbox()
            .iter()
            .any(|m| m.to == "bob@x.com" && m.subject.starts_with("Two-factor login changed"))
    );
    let factors = t
        .store
        .get(&table_keys::factors(&uid))
        .await
        .unwrap()
        .unwrap();
    let stored = factors.data.to_string();
    assert!(!stored.contains(secret) && !stored.contains(&secret.to_lowercase()));
    assert!(!stored.contains(codes[0].as_str().unwrap()));
    assert!(!stored_user(&t, &uid).await.to_string().contains(secret));
}

/// Logs in through both steps with the authenticator's current code.
async fn quick_login(t: &TestApp, info: &TestAppInfo, handle: &str, enrolment: &Value) -> Value {
    let token = token_of(t, info, handle, PW).await;
    let r = t
        .login_complete(&token, &code_now(t, &totp_of(enrolment)))
        .await;
    r.assert_session()
}

#[tokio::test]
async fn login_with_google_2fa_answers_a_login_token_and_login_complete_issues_the_session() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "gil@x.com").await;
    // Swift: an unencoded form body on the doubled-slash path.
    let path = format!("/{GOOGLE}");
    let r = t
        .post_form(&path, &[("access-token", &acc)], "twoFactor=true")
        .await;
    let e = r.ok_json();

    let token = token_of(&t, &info, "gil@x.com", PW).await;
    let code = code_now(&t, &totp_of(&e));
    // Swift sends loginComplete as a form, with its app token alongside.
    let form = format!("loginToken={token}&code={code}");
    let r = t.post_form(LOGIN_COMPLETE, &app_token(&info), &form).await;
    let session = r.assert_session();
    assert!(token_works(&t, &access(&session)).await);

    // Single use: the same login token never works twice.
    t.clock.advance_secs(30);
    t.login_complete(&token, &code_now(&t, &totp_of(&e)))
        .await
        .assert_error(400, 600);
}

#[tokio::test]
async fn a_totp_code_cannot_be_replayed() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "rex@x.com").await;
    let e = enable_google(&t, &acc).await;
    let code = code_now(&t, &totp_of(&e));

    let first = token_of(&t, &info, "rex@x.com", PW).await;
    t.login_complete(&first, &code).await.assert_session();
    let second = token_of(&t, &info, "rex@x.com", PW).await;
    t.login_complete(&second, &code)
        .await
        .assert_error(400, 600);

    // The next step's code is fresh and works.
    t.clock.advance_secs(30);
    t.login_complete(&second, &code_now(&t, &totp_of(&e)))
        .await
        .assert_session();
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "rec@x.com").await;
    let e = enable_google(&t, &acc).await;
    let recovery = e["recoveryCodes"][3].as_str().unwrap().to_owned();

    let token = token_of(&t, &info, "rec@x.com", PW).await;
    t.login_complete(&token, &recovery).await.assert_session();
    let token = token_of(&t, &info, "rec@x.com", PW).await;
    t.login_complete(&token, &recovery)
        .await
        .assert_error(400, 600);
    let other = e["recoveryCodes"][4].as_str().unwrap().to_uppercase();
    t.login_complete(&token, &other).await.assert_session();
}

#[tokio::test]
async fn five_wrong_codes_kill_the_login_token_and_failures_count_toward_the_lockout() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "five@x.com").await;
    let e = enable_google(&t, &acc).await;
    let right = code_now(&t, &totp_of(&e));
    let wrong = wrong_code(&right);

    let token = token_of(&t, &info, "five@x.com", PW).await;
    for _ in 0..5 {
        t.login_complete(&token, &wrong)
            .await
            .assert_error(400, 600);
    }
    t.login_complete(&token, &right)
        .await
        .assert_error(400, 614);

    // 1 login + 5 failures so far; another login and 3 failures reach the 10-try lockout.
    let token = token_of(&t, &info, "five@x.com", PW).await;
    for _ in 0..3 {
        t.login_complete(&token, &wrong)
            .await
            .assert_error(400, 600);
    }
    let r = t.login(&info, "five@x.com", PW).await;
    r.assert_error(429, 615);
    assert!(r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn token_purposes_are_not_interchangeable() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "tok@x.com").await;
    enable_google(&t, &acc).await;
    let token = token_of(&t, &info, "tok@x.com", PW).await;

    // A login token is neither an access token nor an app token.
    t.get_user(&token).await.assert_error(400, 405);
    let body = json!({"handle": "tok@x.com", "password": PW});
    t.post_json(LOGIN, &[("app-token", &token)], body)
        .await
        .assert_error(400, 400);
    // Neither an access token nor an app token is a login token.
    t.login_complete(&acc, "123456")
        .await
        .assert_error(400, 600);
    t.login_complete(&info.app_token, "123456")
        .await
        .assert_error(400, 600);
    t.login_complete("garbage", "123456")
        .await
        .assert_error(400, 600);
    // An expired login token is refused.
    t.clock.advance_secs(601);
    t.login_complete(&token, "123456")
        .await
        .assert_error(400, 600);
}

#[tokio::test]
async fn login_complete_refuses_a_suspended_user_and_a_revoked_epoch() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let session = t.quick_user(&info, "sus@x.com", json!({})).await;
    let uid = user_id(&session);
    let e = enable_google(&t, &access(&session)).await;

    let token = token_of(&t, &info, "sus@x.com", PW).await;
    t.admin_user_action(&info, &uid, "revoke-sessions")
        .await
        .ok_json();
    t.login_complete(&token, &code_now(&t, &totp_of(&e)))
        .await
        .assert_error(400, 600);

    let token = token_of(&t, &info, "sus@x.com", PW).await;
    t.admin_user_action(&info, &uid, "suspend").await.ok_json();
    t.login_complete(&token, &code_now(&t, &totp_of(&e)))
        .await
        .assert_error(400, 404);
}

#[tokio::test]
async fn reset_password_keeps_the_second_factor() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "kept@x.com").await;
    let e = enable_google(&t, &acc).await;

    let code = t.reset_code(&info, "kept@x.com").await;
    let r = t.reset_password(&info, "kept@x.com", OTHER_PW, &code).await;
    r.assert_true();

    let token = token_of(&t, &info, "kept@x.com", OTHER_PW).await;
    t.login_complete(&token, &code_now(&t, &totp_of(&e)))
        .await
        .assert_session();
}

#[tokio::test]
async fn disabling_google_2fa_needs_the_password_or_a_code_and_ends_other_sessions() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "dis@x.com").await;
    let before = access(&t.login(&info, "dis@x.com", PW).await.json());
    let e = enable_google(&t, &acc).await;
    assert!(
        !token_works(&t, &before).await,
        "enabling ends other sessions"
    );
    assert!(token_works(&t, &acc).await, "but not the caller's");
    let other = access(&quick_login(&t, &info, "dis@x.com", &e).await);
    let h = [("access-token", acc.as_str())];

    t.set_two_factor_google(&acc, json!({"twoFactor": false}))
        .await
        .assert_error(400, 403);
    t.set_two_factor_google(&acc, json!({"twoFactor": "false", "password": OTHER_PW}))
        .await
        .assert_error(400, 600);
    t.set_two_factor_google(&acc, json!({"twoFactor": "false", "code": "000000"}))
        .await
        .assert_error(400, 600);
    t.set_two_factor_google(&acc, json!({"twoFactor": "maybe"}))
        .await
        .assert_error(400, 602);
    assert_eq!(
        get_user(&t, &acc).await["twoFactorGoogleVerification"],
        true
    );

    t.clock.advance_secs(30);
    t.post_form(
        GOOGLE,
        &h,
        &format!("twoFactor=false&code={}", code_now(&t, &totp_of(&e))),
    )
    .await
    .assert_true();
    assert_eq!(
        get_user(&t, &acc).await["twoFactorGoogleVerification"],
        false
    );
    assert!(!token_works(&t, &other).await, "other sessions end");
    assert!(token_works(&t, &acc).await, "the caller's survives");
    t.login(&info, "dis@x.com", PW).await.assert_session();

    // And with the password.
    let acc = access(&t.login(&info, "dis@x.com", PW).await.json());
    enable_google(&t, &acc).await;
    t.set_two_factor_google(&acc, json!({"twoFactor": false, "password": PW}))
        .await
        .assert_true();
    t.login(&info, "dis@x.com", PW).await.assert_session();
}

#[tokio::test]
async fn enabling_again_needs_proof_and_replaces_the_secret_and_recovery_codes() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "again@x.com").await;
    let first = enable_google(&t, &acc).await;
    t.set_two_factor_google(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 403);
    t.set_two_factor_google(&acc, json!({"twoFactor": true, "password": OTHER_PW}))
        .await
        .assert_error(400, 600);
    let r = t
        .set_two_factor_google(&acc, json!({"twoFactor": true, "password": PW}))
        .await;
    let second = r.ok_json();
    assert_ne!(first["googleSecretKey"], second["googleSecretKey"]);

    let token = token_of(&t, &info, "again@x.com", PW).await;
    let old_recovery = first["recoveryCodes"][0].as_str().unwrap();
    t.login_complete(&token, old_recovery)
        .await
        .assert_error(400, 600);
    t.login_complete(&token, &code_now(&t, &totp_of(&second)))
        .await
        .assert_session();
}

#[tokio::test]
async fn the_two_factor_routes_refuse_apps_in_another_mode() {
    let t = TestApp::new().await;
    let none = t.create_app(json!({"signupFlow": "none"})).await;
    let acc = t.quick_access(&none, "mode@x.com").await;
    t.set_two_factor_google(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 408);
    t.set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 409);
    t.set_phone(&acc, PHONE).await.assert_error(400, 409);
    t.post_json(GOOGLE, &[], json!({"twoFactor": true}))
        .await
        .assert_error(400, 405);
    // Without 2FA, login is one step.
    t.login(&none, "mode@x.com", PW).await.assert_session();
}

#[tokio::test]
async fn the_phone_flow_runs_end_to_end_through_the_outbox() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let acc = t.signed_up_access(&info, "pat@x.com").await;
    let h = [("access-token", acc.as_str())];

    t.set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 410);
    t.set_phone(&acc, "12345").await.assert_error(400, 602);
    t.post_form(SET_PHONE, &h, "phone=%2B1 201 555 0123")
        .await
        .assert_true();
    let sms = t.outbox().pop().unwrap();
    assert_eq!(sms.kind, keyturn::mail::Channel::Sms);
    assert_eq!(sms.to, PHONE);
    assert!(
        sms.text.contains("is your verification code for Demo App"),
        "{}",
        sms.text
    );
    let code = first_code(&sms.text).unwrap();
    t.verify_phone(&acc, &wrong_code(&code))
        .await
        .assert_error(400, 602);
    t.post_form(VERIFY_PHONE, &h, &format!("code={code}"))
        .await
        .assert_true();
    let u = get_user(&t, &acc).await;
    assert_eq!(u["phone"], PHONE);
    assert_eq!(u["phoneVerified"], true);
    assert_eq!(u["twoFactorPhoneVerification"], false);

    t.post_form(PHONE_2FA, &h, "twoFactor=true")
        .await
        .assert_true();
    assert_eq!(get_user(&t, &acc).await["twoFactorPhoneVerification"], true);

    let before = t.messages_to(PHONE);
    let token = token_of(&t, &info, "pat@x.com", PW).await;
    assert_eq!(t.messages_to(PHONE), before + 1, "login texts a code");
    let code = t.last_code_for(PHONE);
    t.login_complete(&token, &wrong_code(&code))
        .await
        .assert_error(400, 600);
    t.login_complete(&token, &code).await.assert_session();

    // Disabling needs proof: without it a code is texted and 403 asks for it.
    t.set_two_factor_phone(&acc, json!({"twoFactor": false}))
        .await
        .assert_error(400, 403);
    let code = t.last_code_for(PHONE);
    t.set_two_factor_phone(&acc, json!({"twoFactor": false, "code": wrong_code(&code)}))
        .await
        .assert_error(400, 602);
    t.set_two_factor_phone(&acc, json!({"twoFactor": false, "code": code}))
        .await
        .assert_true();
    assert_eq!(
        get_user(&t, &acc).await["twoFactorPhoneVerification"],
        false
    );
    t.login(&info, "pat@x.com", PW).await.assert_session();
}

#[tokio::test]
async fn a_phone_code_dies_after_five_tries_and_after_ten_minutes() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let acc = t.signed_up_access(&info, "try@x.com").await;
    t.set_phone(&acc, PHONE).await.assert_true();
    let code = t.last_code_for(PHONE);
    for _ in 0..5 {
        t.verify_phone(&acc, &wrong_code(&code))
            .await
            .assert_error(400, 602);
    }
    t.verify_phone(&acc, &code).await.assert_error(400, 614);

    t.set_phone(&acc, PHONE).await.assert_true();
    let code = t.last_code_for(PHONE);
    t.clock.advance_secs(601);
    let r = t.verify_phone(&acc, &code).await;
    assert!(r.status == StatusCode::BAD_REQUEST, "{}", r.text);
}

#[tokio::test]
async fn a_phone_verified_by_another_user_answers_true_and_sends_nothing() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let first = t.signed_up_access(&info, "one@x.com").await;
    t.verified_phone(&first, PHONE).await;
    let second = t.signed_up_access(&info, "two@x.com").await;
    let before = t.messages_to(PHONE);
    t.set_phone(&second, PHONE).await.assert_true();
    assert_eq!(t.messages_to(PHONE), before, "nothing sent");
    assert_eq!(get_user(&t, &second).await["phoneVerified"], false);
}

#[tokio::test]
async fn sms_per_phone_are_limited_to_three_an_hour() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let a = t.signed_up_access(&info, "pa@x.com").await;
    let b = t.signed_up_access(&info, "pb@x.com").await;
    for acc in [&a, &a, &b] {
        t.set_phone(acc, PHONE).await.assert_true();
    }
    let r = t.set_phone(&b, PHONE).await;
    r.assert_limited();
    assert_eq!(t.messages_to(PHONE), 3);
    t.clock.advance_secs(3601);
    t.set_phone(&b, PHONE).await.assert_true();
}

fn nth_phone(n: usize) -> String {
    format!("+1201555{:04}", 100 + n)
}

#[tokio::test]
async fn sms_per_user_are_limited() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let acc = t.signed_up_access(&info, "many@x.com").await;
    for n in 0..5 {
        t.set_phone(&acc, &nth_phone(n)).await.assert_true();
    }
    t.set_phone(&acc, &nth_phone(5))
        .await
        .assert_error(429, 615);
    assert_eq!(t.messages_to(&nth_phone(5)), 0);
}

#[tokio::test]
async fn sms_per_client_address_are_limited() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let mut n = 0;
    for u in 0..2 {
        let acc = t.signed_up_access(&info, &format!("ip{u}@x.com")).await;
        for _ in 0..5 {
            t.set_phone(&acc, &nth_phone(n)).await.assert_true();
            n += 1;
        }
    }
    let acc = t.signed_up_access(&info, "ip2@x.com").await;
    t.set_phone(&acc, &nth_phone(n))
        .await
        .assert_error(429, 615);
}

#[tokio::test]
async fn sms_per_app_per_day_follow_the_sms_daily_limit_setting() {
    let t = TestApp::new().await;
    // Enrolment texts may spend half the day's texts: two of four.
    let info = phone_app(&t, json!({"smsDailyLimit": 4})).await;
    for n in 0..2 {
        let acc = t.signed_up_access(&info, &format!("day{n}@x.com")).await;
        t.set_phone(&acc, &nth_phone(n)).await.assert_true();
    }
    let acc = t.signed_up_access(&info, "day9@x.com").await;
    let r = t.set_phone(&acc, &nth_phone(9)).await;
    r.assert_error(429, 615);
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 3600 && retry <= 24 * 3600, "{retry}");
}

#[tokio::test]
async fn sms_go_only_to_allowed_countries() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({"smsAllowedCountries": [44]})).await;
    let acc = t.signed_up_access(&info, "uk@x.com").await;
    t.set_phone(&acc, PHONE).await.assert_error(400, 602);
    assert_eq!(t.messages_to(PHONE), 0);
    t.set_phone(&acc, "+447911123456").await.assert_true();
    let bad = t
        .patch_app(&info, json!({"smsAllowedCountries": [0]}))
        .await;
    bad.assert_error(400, 602);
}

/// Two users race to verify one number: exactly one wins.
async fn phone_race(t: TestApp) {
    let t = &t;
    let info = phone_app(t, json!({})).await;
    let a = t.signed_up_access(&info, "race-a@x.com").await;
    let b = t.signed_up_access(&info, "race-b@x.com").await;
    t.set_phone(&a, PHONE).await.assert_true();
    let code_a = t.last_code_for(PHONE);
    t.set_phone(&b, PHONE).await.assert_true();
    let code_b = t.last_code_for(PHONE);

    let (ra, rb) = tokio::join!(t.verify_phone(&a, &code_a), t.verify_phone(&b, &code_b));
    let wins = [&ra, &rb]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(wins, 1, "a: {} / b: {}", ra.text, rb.text);
    for r in [&ra, &rb] {
        if r.status != StatusCode::OK {
            r.assert_error(400, 602);
        }
    }
    let verified = [
        get_user(t, &a).await["phoneVerified"] == true,
        get_user(t, &b).await["phoneVerified"] == true,
    ];
    assert_eq!(verified.iter().filter(|v| **v).count(), 1);
}

on_both_engines!(#[tokio::test] phone_race:
    two_users_racing_to_verify_one_phone_on_sqlite_one_wins,
    two_users_racing_to_verify_one_phone_on_dynamodb_one_wins);

#[tokio::test]
async fn deleting_an_account_frees_its_verified_phone() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let first = t.signed_up_access(&info, "gone@x.com").await;
    t.verified_phone(&first, PHONE).await;
    let r = t.delete_account(&first, "gone@x.com", PW).await;
    r.assert_true();
    t.clock.advance_secs(3601);
    let second = t.signed_up_access(&info, "next@x.com").await;
    t.verified_phone(&second, PHONE).await;
    assert_eq!(get_user(&t, &second).await["phoneVerified"], true);
}

#[tokio::test]
async fn the_admin_sets_twilio_write_only_and_resets_a_users_second_factor() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let app_path = info.admin_path("");
    let sid = format!("AC{}", "0123456789abcdef".repeat(2));
    let token = "fedcba9876543210".repeat(2);

    let r = t
        .admin(
            "PUT",
            &format!("{app_path}/twilio"),
            Some(json!({"accountSid": sid, "authToken": token, "phoneNumber": "+12015550100"})),
        )
        .await;
    r.ok_json();
    let shown = t.show_app(&info).await;
    assert!(!shown.text.contains(&token), "the token is write-only");
    let tw = &shown.json()["twilio"];
    assert_eq!(tw["accountSid"], sid.as_str());
    assert_eq!(tw["phoneNumber"], "+12015550100");
    assert_eq!(tw["authTokenSet"], true);
    for bad in [
        json!({"accountSid": "nope", "authToken": token, "phoneNumber": "+12015550100"}),
        json!({"accountSid": sid, "authToken": "short", "phoneNumber": "+12015550100"}),
        json!({"accountSid": sid, "authToken": token, "phoneNumber": "555"}),
        json!({"accountSid": sid}),
    ] {
        t.admin("PUT", &format!("{app_path}/twilio"), Some(bad))
            .await
            .assert_error(400, 602);
    }

    let session = t.quick_user(&info, "desk@x.com", json!({})).await;
    let uid = user_id(&session);
    enable_google(&t, &access(&session)).await;
    token_of(&t, &info, "desk@x.com", PW).await;
    let r = t.admin_user_action(&info, &uid, "reset-2fa").await;
    r.assert_true();
    t.login(&info, "desk@x.com", PW).await.assert_session();
    t.admin_user_action(&info, "nobody", "reset-2fa")
        .await
        .assert_error(404, 603);
}

#[tokio::test]
async fn the_two_factor_lambdas_serve_api_gateway_events_with_swift_form_bodies() {
    use crate::support::lambda::{app_event, event, invoke};
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "lam+da@x.com").await;

    let enable = event("set-two-factor-google", &[("__ACCESS_TOKEN__", &acc)]);
    let r = invoke(
        &t,
        (keyturn_fn_set_two_factor_google_verification::ROUTE.router)(),
        &enable,
    )
    .await;
    let e = r.ok_json();

    let r = invoke(
        &t,
        (keyturn_fn_login::ROUTE.router)(),
        &app_event("login", &info),
    )
    .await;
    let token = login_token(&r);
    let mut complete_ev = app_event("login-complete", &info);
    complete_ev["body"] = Value::String(format!(
        "loginToken={token}&code={}",
        code_now(&t, &totp_of(&e))
    ));
    let r = invoke(
        &t,
        (keyturn_fn_login_complete::ROUTE.router)(),
        &complete_ev,
    )
    .await;
    let claims = session_claims(&r.assert_session());
    assert_eq!(claims["email"], "lam+da@x.com");
}

#[tokio::test]
async fn the_sms_text_comes_from_the_apps_sms_template_in_the_users_locale() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({"locales": ["EN", "FR"]})).await;
    let sms = json!({"subject": "", "text": "Code %APP_NAME% : %CODE%", "html": ""});
    let path = info.admin_path("/templates/FR/sms");
    t.admin("PUT", &path, Some(sms)).await.ok_json();
    let acc = t.signed_up_access(&info, "fr@x.com").await;
    t.set_locale(&acc, "FR").await.assert_true();

    t.set_phone(&acc, PHONE).await.assert_true();

    let sms = t.outbox().pop().unwrap();
    assert!(sms.text.starts_with("Code Demo App : "), "{}", sms.text);
    assert!(first_code(&sms.text).is_some());
}

#[tokio::test]
async fn while_sms_login_is_on_a_new_phone_needs_the_password() {
    let t = TestApp::new().await;
    let info = phone_app(&t, json!({})).await;
    let acc = t.signed_up_access(&info, "move@x.com").await;
    let h = [("access-token", acc.as_str())];
    t.verified_phone(&acc, PHONE).await;
    // A number set while SMS login is off is forgotten when it is switched on.
    t.set_phone(&acc, &nth_phone(1)).await.assert_true();
    let stale = t.last_code_for(&nth_phone(1));
    t.set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await
        .assert_true();
    t.verify_phone(&acc, &stale).await.assert_error(400, 602);

    let before = t.messages_to(&nth_phone(2));
    t.set_phone(&acc, &nth_phone(2))
        .await
        .assert_error(400, 403);
    let body = json!({"phone": nth_phone(2), "password": OTHER_PW});
    t.post_json(SET_PHONE, &h, body)
        .await
        .assert_error(400, 600);
    assert_eq!(
        t.messages_to(&nth_phone(2)),
        before,
        "nothing sent without proof"
    );
    let body = json!({"phone": nth_phone(2), "password": PW});
    t.post_json(SET_PHONE, &h, body).await.assert_true();
    let code = t.last_code_for(&nth_phone(2));
    t.verify_phone(&acc, &code).await.assert_true();
    assert_eq!(get_user(&t, &acc).await["phone"], nth_phone(2).as_str());
}
