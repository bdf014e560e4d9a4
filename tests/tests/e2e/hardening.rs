//! Hardening, each attack replayed through HTTP: HTML security headers, the
//! admin key's length and per-address limit, cursors from another listing and oversized
//! identifiers (both engines), and the `email_verified` / anonymous `email` claims.

use http::StatusCode;
use keyturn::domain::admin::ensure_admin_key;
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp, on_both_engines};
use crate::support::flows::app_token;
use crate::support::peer::Encoding::{Form, Json};
use crate::support::routes::{ADMIN_APPS, FORGOT_PASSWORD, LOGIN, REGISTER, RESET_PASSWORD};
use crate::support::routes::{SIGNUP, USER_NAME_AVAILABLE};
use crate::support::users::session_claims;

fn assert_page_headers(r: &crate::support::app::Resp) {
    r.assert_ok();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; form-action 'self'",
        ),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(
            r.headers.get(name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{name}"
        );
    }
}

#[tokio::test]
async fn html_pages_forbid_framing_referrers_caching_and_foreign_content() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "link"})).await;
    let body = json!({"handle": "page@x.com", "password": PW});
    t.signup(&app, body).await.assert_true();
    let page = t.get(&t.last_link_for("page@x.com"), &[]).await;
    assert_page_headers(&page);
    let landing = t.submit_confirm_form(&page.text).await;
    assert_page_headers(&landing);
}

#[tokio::test]
async fn a_short_admin_key_is_refused_at_start() {
    let t = TestApp::new().await;
    let generated = ensure_admin_key(&t.state, None).await.unwrap().unwrap();
    assert!(generated.len() >= 32, "{}", generated.len());
    let err = ensure_admin_key(&t.state, Some("short-key-0123456789"))
        .await
        .unwrap_err();
    assert_eq!(err.wire().code, 602);
    assert!(err.to_string().contains("32"), "{err}");
    // 32 characters are enough; a generated key is longer.
    assert!(
        ensure_admin_key(&t.state, Some("0123456789abcdef0123456789abcdef"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn wrong_admin_keys_are_limited_per_client_address() {
    let t = TestApp::new().await;
    let (wrong, path) = (
        "wrong-key-guess-0123456789abcdef",
        format!("{ADMIN_APPS}/x"),
    );
    for _ in 0..20 {
        let r = t.admin_from("192.0.2.66", wrong, "GET", &path).await;
        r.assert_error(401, 617);
    }
    let r = t.admin_from("192.0.2.66", wrong, "GET", &path).await;
    r.assert_limited();
    // Once limited, even the right key is refused from that address (no oracle)...
    t.admin_ok_from("192.0.2.66", "GET", &path)
        .await
        .assert_error(429, 615);
    // ...while another address is unaffected.
    t.admin_ok_from("192.0.2.67", "GET", &path)
        .await
        .assert_error(400, 401);
}

/// Cursors of the users listing on the invites listing and back: 602, never 500.
async fn a_cursor_from_another_listing_is_invalid_data(t: TestApp) {
    let app = t.create_app(json!({"invitationEnabled": true})).await;
    let base = app.admin_path("");
    for h in ["a@x.com", "b@x.com"] {
        t.signed_up_user(&app, h).await;
        let r = t
            .admin_invite(&app, json!({"handle": format!("i{h}")}))
            .await;
        r.ok_json();
    }
    let users = t
        .admin("GET", &format!("{base}/users?limit=1"), None)
        .await
        .json();
    let invites = t
        .admin("GET", &format!("{base}/invites?limit=1"), None)
        .await
        .json();
    let user_cursor = users["cursor"].as_str().unwrap();
    let invite_cursor = invites["cursor"].as_str().unwrap();
    t.admin("GET", &format!("{base}/invites?cursor={user_cursor}"), None)
        .await
        .assert_error(400, 602);
    t.admin("GET", &format!("{base}/users?cursor={invite_cursor}"), None)
        .await
        .assert_error(400, 602);
    // A users cursor of a search does not fit another search either.
    t.admin(
        "GET",
        &format!("{base}/users?search=zzz&cursor={user_cursor}"),
        None,
    )
    .await
    .assert_error(400, 602);
    // Another app's cursor is refused too.
    let other = t.create_app(json!({})).await;
    let foreign = other.admin_path(&format!("/users?cursor={user_cursor}"));
    t.admin("GET", &foreign, None).await.assert_error(400, 602);
}

on_both_engines!(#[tokio::test] a_cursor_from_another_listing_is_invalid_data:
    a_cursor_from_another_listing_is_invalid_data_on_sqlite,
    a_cursor_from_another_listing_is_invalid_data_on_dynamodb);

/// Identifiers far over DynamoDB's key limit are 602 before any store call.
async fn oversized_identifiers_are_invalid_data(t: TestApp) {
    let app = t
        .create_app(json!({"userNamesEnabled": true, "invitationEnabled": true}))
        .await;
    let long = "a".repeat(3000);
    let long_email = format!("{long}@x.com");
    let h = app_token(&app);
    for enc in [Json, Form] {
        for (path, body) in [
            (LOGIN, json!({"handle": long_email, "password": PW})),
            (
                LOGIN,
                json!({"handle": format!("{long}@@x"), "password": PW}),
            ),
            (LOGIN, json!({"handle": long, "password": PW})),
            (FORGOT_PASSWORD, json!({"handle": long_email})),
            (FORGOT_PASSWORD, json!({"handle": long})),
            (SIGNUP, json!({"handle": long_email, "password": PW})),
            (
                REGISTER,
                json!({"handle": long_email, "password": PW, "code": "123456"}),
            ),
        ] {
            let r = t.post_from("192.0.2.1", enc, path, &h, body).await;
            r.assert_error(400, 602);
        }
    }
    let r = t
        .get(&format!("{USER_NAME_AVAILABLE}?userName={long}"), &[])
        .await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    for path in [
        format!("{ADMIN_APPS}/{long}"),
        app.admin_path(&format!("/users/{long}")),
        app.admin_path(&format!("/users?search={long}")),
        format!("{ADMIN_APPS}/{long}/invites"),
        app.admin_path(&format!("/invites/{long_email}")),
    ] {
        let method = if path.contains("/invites/") {
            "DELETE"
        } else {
            "GET"
        };
        t.admin(method, &path, None).await.assert_error(400, 602);
    }
}

on_both_engines!(#[tokio::test] oversized_identifiers_are_invalid_data:
    oversized_identifiers_are_invalid_data_on_sqlite,
    oversized_identifiers_are_invalid_data_on_dynamodb);

#[tokio::test]
async fn claims_say_whether_the_email_was_proven() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"invitationEnabled": true, "anonymousLoginEnabled": true}))
        .await;
    // A code signup proves the address.
    let s = t.signed_up_user(&app, "coded@x.com").await;
    let c = session_claims(&s);
    assert_eq!(
        (&c["email"], &c["email_verified"]),
        (&json!("coded@x.com"), &json!(true))
    );
    // So does an invite code.
    let r = t
        .admin_invite(&app, json!({"handle": "invited@x.com"}))
        .await;
    r.ok_json();
    let code = t.last_code_for("invited@x.com");
    let body = json!({"handle": "invited@x.com", "password": PW, "code": code});
    let r = t
        .post_from("192.0.2.1", Form, REGISTER, &app_token(&app), body)
        .await;
    assert_eq!(session_claims(&r.ok_json())["email_verified"], true);
    // Flow `none` proves nothing.
    let none = t.create_app(json!({"signupFlow": "none"})).await;
    let r = t
        .signup(&none, json!({"handle": "plain@x.com", "password": PW}))
        .await;
    let c = session_claims(&r.json());
    assert_eq!(
        (&c["email"], &c["email_verified"]),
        (&json!("plain@x.com"), &json!(false))
    );
    // A password reset proves it later.
    let code = t.reset_code(&none, "plain@x.com").await;
    let body = json!({"handle": "plain@x.com", "password": OTHER_PW, "code": code});
    t.post_from("192.0.2.2", Form, RESET_PASSWORD, &app_token(&none), body)
        .await
        .assert_true();
    let r = t.login(&none, "plain@x.com", OTHER_PW).await;
    assert_eq!(session_claims(&r.ok_json())["email_verified"], true);
    // So does the link flow's confirm page.
    let link = t.create_app(json!({"signupFlow": "link"})).await;
    let body = json!({"handle": "linked@x.com", "password": PW});
    t.signup(&link, body).await.assert_true();
    t.confirm_link("linked@x.com").await.assert_ok();
    let r = t.login(&link, "linked@x.com", PW).await;
    assert_eq!(session_claims(&r.json())["email_verified"], true);
    // Anonymous users have no email at all.
    let r = t.login_anonymous(&app, "ANON_0123456789abcdef").await;
    let c = session_claims(&r.ok_json());
    assert!(
        c.get("email").is_none() && c.get("email_verified").is_none(),
        "{c}"
    );
}

/// An admin call as API Gateway delivers it: from `source_ip`, with a forged
/// `X-Forwarded-For` that must not matter.
fn admin_event(key: &str, source_ip: &str, forged: &str) -> serde_json::Value {
    let mut v: serde_json::Value = crate::support::lambda::event("login", &[]);
    v["routeKey"] = json!(format!("GET {ADMIN_APPS}/{{appId}}"));
    v["rawPath"] = json!(format!("{ADMIN_APPS}/nope"));
    v["requestContext"]["http"]["method"] = json!("GET");
    v["requestContext"]["http"]["path"] = v["rawPath"].clone();
    v["requestContext"]["http"]["sourceIp"] = json!(source_ip);
    v["headers"]["authorization"] = json!(format!("Bearer {key}"));
    v["headers"]["x-forwarded-for"] = json!(forged);
    v["body"] = serde_json::Value::Null;
    v
}

#[tokio::test]
async fn in_lambda_wrong_admin_keys_count_per_source_ip_not_forwarded_for() {
    let t = TestApp::new().await;
    let wrong = "wrong-key-guess-0123456789abcdef";
    for i in 0..20 {
        let event = admin_event(wrong, "198.51.100.77", &format!("10.9.9.{i}"));
        crate::support::lambda::invoke(&t, keyturn_infra::routes(), &event)
            .await
            .assert_error(401, 617);
    }
    let event = admin_event(wrong, "198.51.100.77", "10.9.8.1");
    crate::support::lambda::invoke(&t, keyturn_infra::routes(), &event)
        .await
        .assert_error(429, 615);
    let event = admin_event(
        crate::support::app::ADMIN_KEY,
        "198.51.100.78",
        "198.51.100.77",
    );
    crate::support::lambda::invoke(&t, keyturn_infra::routes(), &event)
        .await
        .assert_error(400, 401);
}
