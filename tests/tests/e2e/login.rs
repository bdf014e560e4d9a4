//! Password login through the merged router: what it hands out, what it refuses and how alike
//! its refusals look, the per-handle lockout, app suspension, access-token expiry and forged app
//! tokens (algorithm confusion).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo};
use crate::support::routes::{GET_APPLICATION, LOGIN};

const BOB: &str = "bob@example.com";

fn payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn app_with_user(handle: &str) -> (TestApp, TestAppInfo) {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, handle).await;
    (app, info)
}

#[tokio::test]
async fn login_returns_a_jwt_and_an_access_token() {
    let (app, info) = app_with_user(BOB).await;

    let r = app.login(&info, BOB, PW).await;

    let v = r.assert_session();
    let claims = payload(v["jwt"].as_str().unwrap());
    assert_eq!(claims["email"], BOB);
}

#[tokio::test]
async fn login_accepts_a_swift_style_form_body() {
    let (app, info) = app_with_user(BOB).await;

    let r = app
        .post_form(
            LOGIN,
            &[("app-token", info.app_token.as_str())],
            &format!("handle=bob@example.com&password={PW}"),
        )
        .await;

    r.assert_session();
}

#[tokio::test]
async fn login_handle_is_case_and_space_insensitive() {
    let (app, info) = app_with_user(BOB).await;

    let json = app.login(&info, "  Bob@Example.COM ", PW).await;
    let form = app
        .post_form(
            LOGIN,
            &[("app-token", info.app_token.as_str())],
            &format!("handle=%20BOB@example.com%20&password={PW}"),
        )
        .await;

    let jwt = json.assert_session()["jwt"].as_str().unwrap().to_owned();
    assert_eq!(payload(&jwt)["email"], BOB);
    form.assert_session();
}

#[tokio::test]
async fn wrong_password_unknown_user_and_malformed_password_answer_alike() {
    let (app, info) = app_with_user(BOB).await;

    let wrong = app.login(&info, BOB, OTHER_PW).await;
    let unknown = app.login(&info, "nobody@example.com", PW).await;
    let malformed = app.login(&info, BOB, "secret").await;
    let upper = app.login(&info, BOB, &PW.to_uppercase()).await;

    wrong.assert_error(400, 600);
    for other in [&unknown, &malformed, &upper] {
        assert_eq!(other.status, wrong.status);
        assert_eq!(other.text, wrong.text, "responses must not tell them apart");
    }
}

#[tokio::test]
async fn pending_signup_answers_608_only_to_its_own_password() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    app.signup_with_code(&info, "pending@example.com").await;

    let right = app.login(&info, "pending@example.com", PW).await;
    let wrong = app.login(&info, "pending@example.com", OTHER_PW).await;

    right.assert_error(400, 608);
    wrong.assert_error(400, 600);
}

#[tokio::test]
async fn a_user_of_one_app_cannot_log_in_to_another() {
    let (app, info) = app_with_user(BOB).await;
    let other = app.create_app(json!({})).await;

    let r = app.login(&other, BOB, PW).await;

    r.assert_error(400, 600);
    app.login(&info, BOB, PW).await.assert_session();
}

#[tokio::test]
async fn handle_without_at_sign_is_606() {
    let (app, info) = app_with_user(BOB).await;

    app.login(&info, "bob", PW).await.assert_error(400, 606);
}

#[tokio::test]
async fn eleventh_try_in_the_window_is_locked_out_even_with_the_right_password() {
    let (app, info) = app_with_user(BOB).await;
    for i in 0..10 {
        let r = app.login(&info, BOB, OTHER_PW).await;
        assert_eq!(r.status, 400, "try {i}: {}", r.text);
        r.assert_error(400, 600);
    }

    let locked = app.login(&info, BOB, PW).await;

    locked.assert_error(429, 615);
    let retry: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    // The lock is per handle: another user of the same app is not affected.
    app.signed_up_user(&info, "alice@example.com").await;
    app.login(&info, "alice@example.com", PW)
        .await
        .assert_session();
}

#[tokio::test]
async fn lockout_ends_when_the_retry_after_has_passed() {
    let (app, info) = app_with_user(BOB).await;
    app.login(&info, BOB, OTHER_PW).await.assert_error(400, 600);
    app.clock.advance_secs(100);
    for _ in 0..9 {
        app.login(&info, BOB, OTHER_PW).await.assert_error(400, 600);
    }
    let locked = app.login(&info, BOB, PW).await;
    locked.assert_error(429, 615);
    // The window opened with the first try, 100 s ago.
    assert_eq!(locked.headers["retry-after"], "800");

    app.clock.advance_secs(799);
    app.login(&info, BOB, PW).await.assert_error(429, 615);
    app.clock.advance_secs(1);

    app.login(&info, BOB, PW).await.assert_session();
}

#[tokio::test]
async fn a_successful_login_resets_the_failed_try_counter() {
    let (app, info) = app_with_user(BOB).await;
    for _ in 0..9 {
        app.login(&info, BOB, OTHER_PW).await.assert_error(400, 600);
    }
    app.login(&info, BOB, PW).await.assert_session();

    for _ in 0..9 {
        app.login(&info, BOB, OTHER_PW).await.assert_error(400, 600);
    }

    app.login(&info, BOB, PW).await.assert_session();
}

#[tokio::test]
async fn unknown_handles_are_locked_out_too() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    for _ in 0..10 {
        app.login(&info, "ghost@example.com", PW)
            .await
            .assert_error(400, 600);
    }

    app.login(&info, "ghost@example.com", PW)
        .await
        .assert_error(429, 615);
}

#[tokio::test]
async fn a_suspended_app_refuses_login_with_402() {
    let (app, info) = app_with_user(BOB).await;
    let r = app.patch_app(&info, json!({ "status": "inactive" })).await;
    r.ok_json();

    app.login(&info, BOB, PW).await.assert_error(400, 402);
    app.get_application(&info.app_token)
        .await
        .assert_error(400, 402);

    let r = app.patch_app(&info, json!({ "status": "active" })).await;
    r.ok_json();
    app.login(&info, BOB, PW).await.assert_session();
}

#[tokio::test]
async fn access_token_opens_get_application_until_it_expires() {
    let (app, info) = app_with_user(BOB).await;
    let v = app.login(&info, BOB, PW).await.assert_session();
    let access = v["access-token"].as_str().unwrap();

    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    assert_eq!(r.ok_json()["name"], "Demo App");

    app.clock.advance_secs(24 * 3600 - 1);
    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    assert_eq!(
        r.status, 200,
        "still valid a second before 24 h: {}",
        r.text
    );

    app.clock.advance_secs(1);
    app.get(GET_APPLICATION, &[("access-token", access)])
        .await
        .assert_error(400, 405);
}

#[tokio::test]
async fn access_token_lifetime_follows_the_app_setting() {
    let (app, info) = app_with_user(BOB).await;
    let r = app
        .patch_app(&info, json!({ "accessTokenExpiration": 2 }))
        .await;
    r.ok_json();
    let v = app.login(&info, BOB, PW).await.assert_session();
    let access = v["access-token"].as_str().unwrap();

    app.clock.advance_secs(2 * 3600 - 1);
    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    r.ok_json();
    app.clock.advance_secs(1);
    app.get(GET_APPLICATION, &[("access-token", access)])
        .await
        .assert_error(400, 405);
}

#[tokio::test]
async fn an_access_token_is_not_an_app_token() {
    let (app, info) = app_with_user(BOB).await;
    let v = app.login(&info, BOB, PW).await.assert_session();
    let access = v["access-token"].as_str().unwrap();

    app.post_json(
        LOGIN,
        &[("app-token", access)],
        json!({ "handle": BOB, "password": PW }),
    )
    .await
    .assert_error(400, 400);
}

#[tokio::test]
async fn forged_app_tokens_are_refused() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, BOB).await;
    let claims = payload(&info.app_token);
    assert_eq!(claims["appId"], info.app_id.as_str());
    let genuine_sig = info.app_token.rsplit('.').next().unwrap().to_owned();
    let pem = app
        .get(&format!("/apps/{}/public-key.pem", info.app_id), &[])
        .await
        .text;
    assert!(pem.contains("BEGIN PUBLIC KEY"));
    let (other_private, _) =
        keyturn::crypto::signing_key::generate(keyturn::crypto::signing_key::Bits::Rsa2048)
            .unwrap();

    let forged = [
        (
            "HS256 under another key",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(&[7; 32]),
            )
            .unwrap(),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg":"none","typ":"JWT"})),
                b64(&claims)
            ),
        ),
        (
            "RS256 header over the genuine signature",
            format!(
                "{}.{}.{genuine_sig}",
                b64(&json!({"alg":"RS256","typ":"JWT"})),
                b64(&claims)
            ),
        ),
        (
            "HS256 keyed with the app's public PEM",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(pem.as_bytes()),
            )
            .unwrap(),
        ),
        (
            "RS256 signed by an RSA key",
            jsonwebtoken::encode(
                &Header::new(Algorithm::RS256),
                &claims,
                &EncodingKey::from_rsa_pem(other_private.pem.as_bytes()).unwrap(),
            )
            .unwrap(),
        ),
    ];

    // The genuine token passes, so the refusals below are about the forgery alone.
    app.login(&info, BOB, PW).await.assert_session();
    for (what, token) in forged {
        let r = app
            .post_json(
                LOGIN,
                &[("app-token", token.as_str())],
                json!({ "handle": BOB, "password": PW }),
            )
            .await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert_eq!(r.json()["code"], 400, "{what}: {}", r.text);
        let r = app.get_application(&token).await;
        assert_eq!(r.json()["code"], 400, "{what}: {}", r.text);
    }
}
