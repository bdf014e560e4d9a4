//! Second factors and sessions hardened against a stolen access token, replayed through the HTTP
//! door: switching a factor on needs a recent login or the password, the notice mail's "this
//! wasn't me" link undoes the switch and ends every session, anonymous accounts cannot enrol,
//! replies that carry tokens or secrets are never cached, JWTs say how the user logged in
//! (`amr`, `auth_time`), and the admin's `reset-2fa` ends the user's sessions.

use http::StatusCode;
use keyturn::clock::Clock as _;
use keyturn::domain::records::table_keys;
use keyturn::store::Index;
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo, on_both_engines};
use crate::support::factors::{code_now, login_token, totp_of, undo_form};
use crate::support::routes::ADMIN_APPS;
use crate::support::users::{access, keys_in, session_claims, token_works, user_id, user_id_of};

/// How long after its login a stolen access token is used: past the 10-minute window in which a
/// fresh login may switch a factor on without the password.
const STOLEN_AFTER_SECS: i64 = 11 * 60;
/// The owner's phone and the thief's.
const OWNER_PHONE: &str = "+12015550123";
const THIEF_PHONE: &str = "+12015550199";

async fn google_app(t: &TestApp) -> TestAppInfo {
    t.create_app(json!({
        "signupFlow": "none",
        "twoFactorVerification": "google",
        "anonymousLoginEnabled": true,
    }))
    .await
}

/// An app in phone mode whose signups complete with a mailed code: only users who proved their
/// address may set a phone.
async fn phone_app(t: &TestApp) -> TestAppInfo {
    t.create_app(json!({
        "twoFactorVerification": "phone",
        "anonymousLoginEnabled": true,
    }))
    .await
}

/// Switches the authenticator on for the user behind `acc` with `twoFactor` alone, as the Cosync
/// SDKs do; returns the enrolment.
async fn enable_google(t: &TestApp, acc: &str) -> Value {
    let r = t
        .set_two_factor_google(acc, json!({"twoFactor": true}))
        .await;
    r.ok_json()
}

/// Sets and verifies `phone` for the user behind `acc` through the outbox.
async fn verify(t: &TestApp, acc: &str, phone: &str) {
    t.set_phone(acc, phone).await.assert_true();
    let code = t.last_code_for(phone);
    t.verify_phone(acc, &code).await.assert_true();
}

/// Logs `handle` in with the password and the authenticator's current code; returns the session.
async fn login_with_totp(t: &TestApp, info: &TestAppInfo, handle: &str, e: &Value) -> Value {
    let token = login_token(&t.login(info, handle, PW).await);
    let code = code_now(t, &totp_of(e));
    t.login_complete(&token, &code).await.assert_session()
}

/// The audit events recorded about `user`, newest first.
async fn events_of(t: &TestApp, info: &TestAppInfo, user: &str) -> Vec<String> {
    let path = info.admin_path(&format!("/audit?userId={user}"));
    let listed = t.admin("GET", &path, None).await.ok_json();
    let entries = listed["entries"].as_array().unwrap();
    entries
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

/// The `amr` claim of a session's JWT.
fn amr(session: &Value) -> Value {
    session_claims(session)["amr"].clone()
}

// --- Switching a factor on ---------------------------------------------------------------

/// A thief holding an access token that is no longer fresh cannot switch the authenticator on
/// (which would hand them the secret and lock the owner out), with or without a guessed
/// password; the owner still logs in with the password alone.
async fn stolen_token_cannot_switch_the_authenticator_on(t: TestApp) {
    let info = google_app(&t).await;
    let stolen = access(&t.quick_user(&info, "own@x.com", json!({})).await);
    t.clock.advance_secs(STOLEN_AFTER_SECS);

    let r = t
        .set_two_factor_google(&stolen, json!({"twoFactor": true}))
        .await;
    r.assert_error(400, 403);
    let guess = json!({"twoFactor": true, "password": OTHER_PW});
    let r = t.set_two_factor_google(&stolen, guess).await;
    r.assert_error(400, 600);

    let session = t.login(&info, "own@x.com", PW).await.assert_session();
    assert_eq!(
        t.get_user(&access(&session)).await.ok_json()["twoFactorGoogleVerification"],
        false
    );
    assert!(
        token_works(&t, &stolen).await,
        "the refusal ended no session"
    );
}

on_both_engines!(#[tokio::test] stolen_token_cannot_switch_the_authenticator_on:
    a_stolen_access_token_cannot_switch_the_authenticator_on,
    a_stolen_access_token_cannot_switch_the_authenticator_on_over_dynamodb at wall time);

/// The phone path of the same attack: the thief may set and verify their own number while SMS
/// login is off, but cannot switch SMS login on, so login never texts their phone.
async fn stolen_token_cannot_switch_sms_login_on(t: TestApp) {
    let info = phone_app(&t).await;
    let stolen = access(&t.signed_up_user(&info, "own@x.com").await);
    t.clock.advance_secs(STOLEN_AFTER_SECS);

    verify(&t, &stolen, THIEF_PHONE).await;
    let r = t
        .set_two_factor_phone(&stolen, json!({"twoFactor": true}))
        .await;
    r.assert_error(400, 403);

    let texts = t.messages_to(THIEF_PHONE);
    t.login(&info, "own@x.com", PW).await.assert_session();
    assert_eq!(t.messages_to(THIEF_PHONE), texts, "no login code texted");
}

on_both_engines!(#[tokio::test] stolen_token_cannot_switch_sms_login_on:
    a_stolen_access_token_cannot_switch_sms_login_on,
    a_stolen_access_token_cannot_switch_sms_login_on_over_dynamodb at wall time);

/// The Cosync SDK flow, unmodified: log in, switch the authenticator on sending only
/// `twoFactor`, log in again with the code. An old session switches it on with the password.
#[tokio::test]
async fn the_cosync_flow_logs_in_enables_the_authenticator_and_logs_in_with_the_code() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    t.quick_user(&info, "sdk@x.com", json!({})).await;
    t.clock.advance_secs(STOLEN_AFTER_SECS);

    let session = t.login(&info, "sdk@x.com", PW).await.assert_session();
    t.clock.advance_secs(9 * 60);
    let e = enable_google(&t, &access(&session)).await;
    let session = login_with_totp(&t, &info, "sdk@x.com", &e).await;
    assert_eq!(amr(&session), json!(["pwd", "otp"]));

    let old = access(&t.quick_user(&info, "late@x.com", json!({})).await);
    t.clock.advance_secs(STOLEN_AFTER_SECS);
    let body = json!({"twoFactor": true, "password": PW});
    t.set_two_factor_google(&old, body).await.ok_json();
}

/// The SMS flow of the SDKs, unmodified: log in, set and verify the phone, switch SMS login on.
#[tokio::test]
async fn the_cosync_flow_logs_in_and_switches_sms_login_on() {
    let t = TestApp::new().await;
    let info = phone_app(&t).await;
    t.signed_up_user(&info, "sms@x.com").await;
    t.clock.advance_secs(STOLEN_AFTER_SECS);

    let acc = access(&t.login(&info, "sms@x.com", PW).await.assert_session());
    verify(&t, &acc, OWNER_PHONE).await;
    let r = t
        .set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await;
    r.assert_true();

    let token = login_token(&t.login(&info, "sms@x.com", PW).await);
    let code = t.last_code_for(OWNER_PHONE);
    let session = t.login_complete(&token, &code).await.assert_session();
    assert_eq!(amr(&session), json!(["pwd", "sms"]));
}

// --- The notice's "this wasn't me" link ----------------------------------------------------

/// A thief whose token is still fresh switches the authenticator on; the owner's notice mail
/// carries a link whose page (a GET: changes nothing) posts the undo: the factor goes, every
/// session ends (the thief's too), the owner logs in with the password alone, and the link works
/// once.
async fn the_notice_link_undoes_the_authenticator(t: TestApp) {
    let info = google_app(&t).await;
    let owner = access(&t.quick_user(&info, "own@x.com", json!({})).await);
    let thief = access(&t.login(&info, "own@x.com", PW).await.assert_session());
    enable_google(&t, &thief).await;
    assert!(
        !token_works(&t, &owner).await,
        "switching on ended the owner's session"
    );
    login_token(&t.login(&info, "own@x.com", PW).await);

    let link = t.last_undo_link_for("own@x.com");
    let page = t.get(&link, &[]).await;
    page.assert_ok();
    assert_html_headers(&page);
    assert!(page.text.contains("<form method=\"post\""), "{}", page.text);
    login_token(&t.login(&info, "own@x.com", PW).await);

    let done = t.undo_by_mail("own@x.com").await;
    done.assert_ok();
    assert_html_headers(&done);
    assert!(!token_works(&t, &thief).await, "every session ended");
    let session = t.login(&info, "own@x.com", PW).await.assert_session();
    assert_eq!(amr(&session), json!(["pwd"]));
    let uid = user_id(&session);
    assert!(
        t.store
            .get(&table_keys::factors(&uid))
            .await
            .unwrap()
            .is_none(),
        "the secret is forgotten"
    );
    assert!(
        events_of(&t, &info, &uid)
            .await
            .contains(&"2fa.undone".to_owned())
    );

    let form = undo_form(&page.text);
    t.undo_two_factor(&form.user_id, &form.token)
        .await
        .assert_error(400, 602);
}

on_both_engines!(#[tokio::test] the_notice_link_undoes_the_authenticator:
    the_notice_link_switches_the_authenticator_off_and_ends_every_session,
    the_notice_link_switches_the_authenticator_off_and_ends_every_session_over_dynamodb at wall time);

/// SMS login switched on with the thief's number: the link switches it off and releases the
/// number, so the owner can verify their own and nobody's phone is the thief's.
async fn the_notice_link_undoes_sms_login(t: TestApp) {
    let info = phone_app(&t).await;
    let thief = access(&t.signed_up_user(&info, "own@x.com").await);
    verify(&t, &thief, THIEF_PHONE).await;
    t.set_two_factor_phone(&thief, json!({"twoFactor": true}))
        .await
        .assert_true();
    login_token(&t.login(&info, "own@x.com", PW).await);

    t.undo_by_mail("own@x.com").await.assert_ok();
    assert!(!token_works(&t, &thief).await);
    let session = t.login(&info, "own@x.com", PW).await.assert_session();
    let user = t.get_user(&access(&session)).await.ok_json();
    assert_eq!(user["twoFactorPhoneVerification"], false);
    assert_eq!(user["phoneVerified"], false, "{user}");
    let other = t.signed_up_access(&info, "next@x.com").await;
    verify(&t, &other, THIEF_PHONE).await;
}

on_both_engines!(#[tokio::test] the_notice_link_undoes_sms_login:
    the_notice_link_switches_sms_login_off_and_releases_the_number,
    the_notice_link_switches_sms_login_off_and_releases_the_number_over_dynamodb at wall time);

/// The link lives 72 hours; a forged or altered token is refused alike, and nothing changes.
#[tokio::test]
async fn the_notice_link_expires_after_72_hours_and_cannot_be_forged() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = access(&t.quick_user(&info, "own@x.com", json!({})).await);
    enable_google(&t, &acc).await;
    let page = t.get(&t.last_undo_link_for("own@x.com"), &[]).await;
    let form = undo_form(&page.text);
    assert_eq!(form.token.len(), 64, "256 random bits");

    let mut forged = form.token.clone();
    forged.replace_range(..1, if forged.starts_with('0') { "1" } else { "0" });
    for (user, token) in [
        (form.user_id.as_str(), forged.as_str()),
        (form.user_id.as_str(), "nope"),
        ("someone-else", form.token.as_str()),
    ] {
        t.undo_two_factor(user, token).await.assert_error(400, 602);
    }
    assert!(
        token_works(&t, &acc).await,
        "a refused link ends no session"
    );
    t.clock.advance_secs(72 * 3600 + 1);
    t.undo_two_factor(&form.user_id, &form.token)
        .await
        .assert_error(400, 602);
    login_token(&t.login(&info, "own@x.com", PW).await);
    for key in keys_in(&t, Index::Primary, table_keys::user(&form.user_id).pk).await {
        let item = t.store.get(&key).await.unwrap().unwrap();
        let stored = format!("{}{}", key.sk, item.data);
        assert!(!stored.contains(&form.token), "only a keyed hash is stored");
    }
}

fn assert_html_headers(r: &Resp) {
    let h = &r.headers;
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.contains_key("content-security-policy"));
}

// --- Anonymous accounts --------------------------------------------------------------------

/// An anonymous account's handle is its whole credential and `loginAnonymous` asks for nothing
/// more, so a factor on it would protect nothing: enrolment and `setPhone` are refused (608,
/// account not verified, as for invites).
#[tokio::test]
async fn anonymous_accounts_cannot_enrol_a_second_factor() {
    let t = TestApp::new().await;
    let google = google_app(&t).await;
    let anon = t.login_anonymous(&google, "ANON_0123456789abcdef").await;
    let acc = access(&anon.assert_session());
    t.set_two_factor_google(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 608);

    let phone = phone_app(&t).await;
    let anon = t.login_anonymous(&phone, "ANON_0123456789abcdef").await;
    let acc = access(&anon.assert_session());
    t.set_phone(&acc, OWNER_PHONE).await.assert_error(400, 608);
    assert_eq!(t.messages_to(OWNER_PHONE), 0);
    t.set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await
        .assert_error(400, 608);
}

// --- No caching of tokens and secrets ------------------------------------------------------

fn assert_no_store(what: &str, r: &Resp) {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);
    let got = r.headers.get("cache-control").map(|v| v.to_str().unwrap());
    assert_eq!(got, Some("no-store"), "{what}");
    assert_eq!(r.headers["pragma"], "no-cache", "{what}");
}

/// Every reply that carries a token (sessions, the login token, app tokens) or a second factor's
/// secret says `Cache-Control: no-store`, so no shared or browser cache keeps it.
#[tokio::test]
async fn replies_that_carry_tokens_or_secrets_are_never_cached() {
    let t = TestApp::new().await;
    let body = json!({"name": "Cache", "signupFlow": "none", "twoFactorVerification": "google",
        "anonymousLoginEnabled": true, "invitationEnabled": true});
    let created = t.admin("POST", ADMIN_APPS, Some(body)).await;
    assert_no_store("admin create app", &created);
    let v = created.json();
    let info = TestAppInfo {
        app_id: v["appId"].as_str().unwrap().to_owned(),
        app_token: v["appToken"].as_str().unwrap().to_owned(),
    };
    assert_no_store("admin get app", &t.show_app(&info).await);

    let signup = t
        .signup(&info, json!({"handle": "c@x.com", "password": PW}))
        .await;
    assert_no_store("signup (flow none)", &signup);
    let login = t.login(&info, "c@x.com", PW).await;
    assert_no_store("login", &login);
    let acc = access(&login.json());
    let anon = t.login_anonymous(&info, "ANON_0123456789abcdef").await;
    assert_no_store("loginAnonymous", &anon);

    let code = t.invited(&acc, "inv@x.com").await;
    let body = json!({"handle": "inv@x.com", "password": PW, "code": code});
    assert_no_store("register", &t.register(&info, body).await);

    let enrol = t
        .set_two_factor_google(&acc, json!({"twoFactor": true}))
        .await;
    assert_no_store("setTwoFactorGoogleVerification", &enrol);
    let challenged = t.login(&info, "c@x.com", PW).await;
    assert_no_store("login (login token)", &challenged);
    let code = code_now(&t, &totp_of(&enrol.json()));
    let done = t.login_complete(&login_token(&challenged), &code).await;
    assert_no_store("loginComplete", &done);

    let coded = t.create_app(json!({"name": "Coded"})).await;
    let code = t.signup_with_code(&coded, "d@x.com").await;
    assert_no_store(
        "completeSignup",
        &t.complete_signup(&coded, "d@x.com", &code).await,
    );

    let rotate = info.admin_path("/app-token/rotate");
    let r = t.admin("POST", &rotate, Some(json!({}))).await;
    assert_no_store("admin app-token rotation", &r);
}

// --- amr and auth_time -----------------------------------------------------------------------

/// A password login's JWT says `amr: ["pwd"]` and when it happened (`auth_time`, the issue time:
/// a JWT is only ever issued by a login).
#[tokio::test]
async fn a_password_login_says_pwd_and_when() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    t.quick_user(&info, "p@x.com", json!({})).await;
    t.clock.advance_secs(100);
    let session = t.login(&info, "p@x.com", PW).await.assert_session();
    let claims = session_claims(&session);
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert_eq!(claims["auth_time"], json!(t.clock.now_secs()));
    assert_eq!(claims["auth_time"], claims["iat"]);
}

/// A login completed with a recovery code says `otp` like a TOTP code (both prove the
/// authenticator enrolment); by SMS it says `sms` (tested with the SDK flow above).
#[tokio::test]
async fn a_recovery_code_login_says_pwd_and_otp() {
    let t = TestApp::new().await;
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "r@x.com").await;
    let e = enable_google(&t, &acc).await;
    let token = login_token(&t.login(&info, "r@x.com", PW).await);
    let recovery = e["recoveryCodes"][0].as_str().unwrap();
    let session = t.login_complete(&token, recovery).await.assert_session();
    assert_eq!(amr(&session), json!(["pwd", "otp"]));
}

/// Sessions that no login issued say what made them: a signup or registration that set the
/// password `pwd`, a mailed signup code `email`, an anonymous login `anonymous` (no RFC 8176
/// method proves nothing).
#[tokio::test]
async fn new_and_anonymous_accounts_say_how_their_session_was_made() {
    let t = TestApp::new().await;
    let info = t
        .create_app(json!({"signupFlow": "none", "anonymousLoginEnabled": true,
            "invitationEnabled": true}))
        .await;
    let signed_up = t.quick_user(&info, "n@x.com", json!({})).await;
    assert_eq!(amr(&signed_up), json!(["pwd"]));
    let anon = t.login_anonymous(&info, "ANON_0123456789abcdef").await;
    assert_eq!(amr(&anon.assert_session()), json!(["anonymous"]));
    let code = t.invited(&access(&signed_up), "inv@x.com").await;
    let body = json!({"handle": "inv@x.com", "password": PW, "code": code});
    let registered = t.register(&info, body).await.assert_session();
    assert_eq!(amr(&registered), json!(["pwd"]));

    let coded = t.create_app(json!({"name": "Coded"})).await;
    let code = t.signup_with_code(&coded, "m@x.com").await;
    let completed = t.complete_signup(&coded, "m@x.com", &code).await;
    assert_eq!(amr(&completed.assert_session()), json!(["email"]));
    assert!(session_claims(&completed.json())["auth_time"].is_i64());
}

/// `amr` and `auth_time` are registered claims: no metadata path may write them.
#[tokio::test]
async fn metadata_paths_over_amr_or_auth_time_are_refused() {
    let t = TestApp::new().await;
    let info = t.create_app(json!({})).await;
    for path in ["amr", "auth_time", "auth_time.x"] {
        let settings = json!({ "metaData": [{ "path": path, "fieldName": "f" }] });
        t.patch_app(&info, settings).await.assert_error(400, 604);
    }
}

// --- The admin's reset-2fa -----------------------------------------------------------------

/// A support desk's `reset-2fa` serves an owner locked out by a thief's factor, so it ends every
/// session: the thief's access token and login token stop working.
async fn reset_2fa_ends_every_session(t: TestApp) {
    let info = google_app(&t).await;
    let acc = t.quick_access(&info, "desk@x.com").await;
    let e = enable_google(&t, &acc).await;
    let session = login_with_totp(&t, &info, "desk@x.com", &e).await;
    let pending = login_token(&t.login(&info, "desk@x.com", PW).await);
    let uid = user_id_of(&t, &info, "desk@x.com").await;

    t.admin_user_action(&info, &uid, "reset-2fa")
        .await
        .assert_true();
    assert!(!token_works(&t, &acc).await);
    assert!(!token_works(&t, &access(&session)).await);
    t.login_complete(&pending, "000000")
        .await
        .assert_error(400, 600);
    t.login(&info, "desk@x.com", PW).await.assert_session();
}

on_both_engines!(#[tokio::test] reset_2fa_ends_every_session:
    the_admins_reset_2fa_ends_the_users_sessions,
    the_admins_reset_2fa_ends_the_users_sessions_over_dynamodb at wall time);
