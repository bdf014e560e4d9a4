//! The passkey function's Lambda door: API Gateway HTTP API (payload v2, as `template.yaml`
//! routes it) events through `functions/passkeys`' router, with the JSON bodies a browser or the
//! platform APIs send: a passkey added and signed in with, listed, and an app with passkeys off
//! answered 417 through the event.

use serde_json::{Value, json};

use crate::support::app::{Resp, TestApp, TestAppInfo};
use crate::support::authenticator::{Authenticator, b64};
use crate::support::lambda::{event, invoke};
use crate::support::passkeys::{ORIGIN, passkey_app};
use crate::support::routes::{
    PASSKEY_LOGIN_BEGIN, PASSKEY_LOGIN_COMPLETE, PASSKEY_REGISTER_BEGIN, PASSKEY_REGISTER_COMPLETE,
    PASSKEYS,
};
use crate::support::users::{session_claims, user_id};

/// Who sends an event: the app's client (`app-token`) or a signed-in user (`access-token`).
enum As<'a> {
    App(&'a TestAppInfo),
    User(&'a str),
}

/// The passkey fixture as API Gateway delivers `method path` with `body` (JSON), served by the
/// passkeys function's router.
async fn send(t: &TestApp, method: &str, path: &str, who: As<'_>, body: &Value) -> Resp {
    let (header, token) = match who {
        As::App(app) => ("app-token", app.app_token.as_str()),
        As::User(access) => ("access-token", access),
    };
    let mut ev = event(
        "passkey",
        &[
            ("__METHOD__", method),
            ("__PATH__", path),
            ("__AUTH_HEADER__", header),
            ("__AUTH__", token),
        ],
    );
    ev["body"] = Value::String(body.to_string());
    invoke(t, (keyturn_fn_passkeys::ROUTE.router)(), &ev).await
}

#[tokio::test]
async fn passkey_events_add_a_passkey_and_sign_in_with_it() {
    let t = TestApp::new().await;
    let info = passkey_app(&t, json!({})).await;
    let session = t.quick_user(&info, "lam+pk@x.com", json!({})).await;
    let acc = session["access-token"].as_str().unwrap().to_owned();
    let mut phone = Authenticator::new(ORIGIN);

    let begun = send(
        &t,
        "POST",
        PASSKEY_REGISTER_BEGIN,
        As::User(&acc),
        &json!({}),
    )
    .await;
    let ctype = begun.headers["content-type"].to_str().unwrap();
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let options = begun.ok_json()["publicKey"].clone();
    let credential = phone.create(&options);
    let body = json!({"credential": credential, "name": "Phone"});
    let added = send(&t, "POST", PASSKEY_REGISTER_COMPLETE, As::User(&acc), &body)
        .await
        .ok_json();
    assert_eq!(added["name"], "Phone");
    assert_eq!(added["id"], b64(&phone.credentials[0].id));

    let listed = send(&t, "GET", PASSKEYS, As::User(&acc), &json!({})).await;
    assert_eq!(listed.ok_json()["passkeys"][0]["id"], added["id"]);

    let begun = send(&t, "POST", PASSKEY_LOGIN_BEGIN, As::App(&info), &json!({})).await;
    let request = begun.ok_json()["publicKey"].clone();
    let body = json!({"credential": phone.get(&request)});
    let signed_in = send(&t, "POST", PASSKEY_LOGIN_COMPLETE, As::App(&info), &body)
        .await
        .assert_session();
    assert_eq!(user_id(&signed_in), user_id(&session));
    let claims = session_claims(&signed_in);
    assert_eq!(claims["amr"], json!(["hwk", "mfa"]));
    assert_eq!(
        claims["iss"],
        format!(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/apps/{}",
            info.app_id
        )
    );

    // The same assertion again: its ceremony was consumed.
    let replay = send(&t, "POST", PASSKEY_LOGIN_COMPLETE, As::App(&info), &body).await;
    replay.assert_error(400, 640);
}

#[tokio::test]
async fn a_passkey_event_for_an_app_with_passkeys_off_is_417() {
    let t = TestApp::new().await;
    let off = t.create_app(json!({"signupFlow": "none"})).await;
    let acc = t.quick_access(&off, "off@x.com").await;

    let r = send(&t, "POST", PASSKEY_LOGIN_BEGIN, As::App(&off), &json!({})).await;
    r.assert_error(400, 417);
    let r = send(
        &t,
        "POST",
        PASSKEY_REGISTER_BEGIN,
        As::User(&acc),
        &json!({}),
    )
    .await;
    r.assert_error(400, 417);
}
