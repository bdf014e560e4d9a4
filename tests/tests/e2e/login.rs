//! Password login through the merged router: what it hands out, what it refuses and how alike
//! its refusals look, the per-handle lockout, app suspension, access-token expiry and forged app
//! tokens (algorithm confusion).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo};
use crate::support::users::login;

const LOGIN: &str = "/api/appuser/login";
const GET_APPLICATION: &str = "/api/appuser/getApplication";

/// Asserts a successful login body: exactly `jwt` and `access-token`, both JWT-shaped.
fn assert_logged_in(r: &Resp) -> Value {
    assert_eq!(r.status, 200, "body: {}", r.text);
    let v = r.json();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 2, "only jwt and access-token: {}", r.text);
    for key in ["jwt", "access-token"] {
        let token = v[key].as_str().unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(token.split('.').count(), 3, "{key} is not a JWT: {token}");
    }
    v
}

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
    let (app, info) = app_with_user("bob@example.com").await;

    let r = login(&app, &info, "bob@example.com", PW).await;

    let v = assert_logged_in(&r);
    let claims = payload(v["jwt"].as_str().unwrap());
    assert_eq!(claims["email"], "bob@example.com");
}

#[tokio::test]
async fn login_accepts_a_swift_style_form_body() {
    let (app, info) = app_with_user("bob@example.com").await;

    let r = app
        .post_form(
            LOGIN,
            &[("app-token", info.app_token.as_str())],
            &format!("handle=bob@example.com&password={PW}"),
        )
        .await;

    assert_logged_in(&r);
}

#[tokio::test]
async fn login_handle_is_case_and_space_insensitive() {
    let (app, info) = app_with_user("bob@example.com").await;

    let json = login(&app, &info, "  Bob@Example.COM ", PW).await;
    let form = app
        .post_form(
            LOGIN,
            &[("app-token", info.app_token.as_str())],
            &format!("handle=%20BOB@example.com%20&password={PW}"),
        )
        .await;

    let jwt = assert_logged_in(&json)["jwt"].as_str().unwrap().to_owned();
    assert_eq!(payload(&jwt)["email"], "bob@example.com");
    assert_logged_in(&form);
}

#[tokio::test]
async fn wrong_password_unknown_user_and_malformed_password_answer_alike() {
    let (app, info) = app_with_user("bob@example.com").await;

    let wrong = login(&app, &info, "bob@example.com", OTHER_PW).await;
    let unknown = login(&app, &info, "nobody@example.com", PW).await;
    let malformed = login(&app, &info, "bob@example.com", "secret").await;
    let upper = login(&app, &info, "bob@example.com", &PW.to_uppercase()).await;

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
    app.post_json(
        "/api/appuser/signup",
        &[("app-token", info.app_token.as_str())],
        json!({ "handle": "pending@example.com", "password": PW }),
    )
    .await
    .assert_true();

    let right = login(&app, &info, "pending@example.com", PW).await;
    let wrong = login(&app, &info, "pending@example.com", OTHER_PW).await;

    right.assert_error(400, 608);
    wrong.assert_error(400, 600);
}

#[tokio::test]
async fn a_user_of_one_app_cannot_log_in_to_another() {
    let (app, info) = app_with_user("bob@example.com").await;
    let other = app.create_app(json!({})).await;

    let r = login(&app, &other, "bob@example.com", PW).await;

    r.assert_error(400, 600);
    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
}

#[tokio::test]
async fn handle_without_at_sign_is_606() {
    let (app, info) = app_with_user("bob@example.com").await;

    login(&app, &info, "bob", PW).await.assert_error(400, 606);
}

#[tokio::test]
async fn eleventh_try_in_the_window_is_locked_out_even_with_the_right_password() {
    let (app, info) = app_with_user("bob@example.com").await;
    for i in 0..10 {
        let r = login(&app, &info, "bob@example.com", OTHER_PW).await;
        assert_eq!(r.status, 400, "try {i}: {}", r.text);
        r.assert_error(400, 600);
    }

    let locked = login(&app, &info, "bob@example.com", PW).await;

    locked.assert_error(429, 615);
    let retry: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    // The lock is per handle: another user of the same app is not affected.
    app.signed_up_user(&info, "alice@example.com").await;
    assert_logged_in(&login(&app, &info, "alice@example.com", PW).await);
}

#[tokio::test]
async fn lockout_ends_when_the_retry_after_has_passed() {
    let (app, info) = app_with_user("bob@example.com").await;
    login(&app, &info, "bob@example.com", OTHER_PW)
        .await
        .assert_error(400, 600);
    app.clock.advance_secs(100);
    for _ in 0..9 {
        login(&app, &info, "bob@example.com", OTHER_PW)
            .await
            .assert_error(400, 600);
    }
    let locked = login(&app, &info, "bob@example.com", PW).await;
    locked.assert_error(429, 615);
    // The window opened with the first try, 100 s ago.
    assert_eq!(locked.headers["retry-after"], "800");

    app.clock.advance_secs(799);
    login(&app, &info, "bob@example.com", PW)
        .await
        .assert_error(429, 615);
    app.clock.advance_secs(1);

    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
}

#[tokio::test]
async fn a_successful_login_resets_the_failed_try_counter() {
    let (app, info) = app_with_user("bob@example.com").await;
    for _ in 0..9 {
        login(&app, &info, "bob@example.com", OTHER_PW)
            .await
            .assert_error(400, 600);
    }
    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);

    for _ in 0..9 {
        login(&app, &info, "bob@example.com", OTHER_PW)
            .await
            .assert_error(400, 600);
    }

    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
}

#[tokio::test]
async fn unknown_handles_are_locked_out_too() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    for _ in 0..10 {
        login(&app, &info, "ghost@example.com", PW)
            .await
            .assert_error(400, 600);
    }

    login(&app, &info, "ghost@example.com", PW)
        .await
        .assert_error(429, 615);
}

#[tokio::test]
async fn a_suspended_app_refuses_login_with_402() {
    let (app, info) = app_with_user("bob@example.com").await;
    let r = app
        .admin(
            "PATCH",
            &format!("/admin/apps/{}", info.app_id),
            Some(json!({ "status": "inactive" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    login(&app, &info, "bob@example.com", PW)
        .await
        .assert_error(400, 402);
    app.get(GET_APPLICATION, &[("app-token", info.app_token.as_str())])
        .await
        .assert_error(400, 402);

    let r = app
        .admin(
            "PATCH",
            &format!("/admin/apps/{}", info.app_id),
            Some(json!({ "status": "active" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
}

#[tokio::test]
async fn access_token_opens_get_application_until_it_expires() {
    let (app, info) = app_with_user("bob@example.com").await;
    let v = assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
    let access = v["access-token"].as_str().unwrap();

    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "Demo App");

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
    let (app, info) = app_with_user("bob@example.com").await;
    let r = app
        .admin(
            "PATCH",
            &format!("/admin/apps/{}", info.app_id),
            Some(json!({ "accessTokenExpiration": 2 })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
    let access = v["access-token"].as_str().unwrap();

    app.clock.advance_secs(2 * 3600 - 1);
    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.clock.advance_secs(1);
    app.get(GET_APPLICATION, &[("access-token", access)])
        .await
        .assert_error(400, 405);
}

#[tokio::test]
async fn an_access_token_is_not_an_app_token() {
    let (app, info) = app_with_user("bob@example.com").await;
    let v = assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
    let access = v["access-token"].as_str().unwrap();

    app.post_json(
        LOGIN,
        &[("app-token", access)],
        json!({ "handle": "bob@example.com", "password": PW }),
    )
    .await
    .assert_error(400, 400);
}

#[tokio::test]
async fn forged_app_tokens_are_refused() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, "bob@example.com").await;
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
    assert_logged_in(&login(&app, &info, "bob@example.com", PW).await);
    for (what, token) in forged {
        let r = app
            .post_json(
                LOGIN,
                &[("app-token", token.as_str())],
                json!({ "handle": "bob@example.com", "password": PW }),
            )
            .await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert_eq!(r.json()["code"], 400, "{what}: {}", r.text);
        let r = app
            .get(GET_APPLICATION, &[("app-token", token.as_str())])
            .await;
        assert_eq!(r.json()["code"], 400, "{what}: {}", r.text);
    }
}
