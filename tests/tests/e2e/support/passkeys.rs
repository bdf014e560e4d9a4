//! Passkey suites' shared parts: the RP and origins of their apps, the begin and finish calls,
//! and the both-engines runner at wall time (`tests/tests/e2e/passkeys.rs`,
//! `passkey_attacks.rs`).

use serde_json::{Value, json};

use super::app::{Resp, TestApp, TestAppInfo};
use super::authenticator::Authenticator;
use super::flows::app_token;
use super::routes::{
    PASSKEY_LOGIN_BEGIN, PASSKEY_LOGIN_COMPLETE, PASSKEY_REGISTER_BEGIN, PASSKEY_REGISTER_COMPLETE,
    PASSKEYS,
};

pub const RP: &str = "example.com";
pub const ORIGIN: &str = "https://app.example.com";
pub const ANDROID: &str = "android:apk-key-hash:lzIbzBXR3kJwNDCwyWqiGcYsP3J3xtrLW2jNeLrHGMk";

/// Runs `story(stack)` over SQLite and over DynamoDB (moto), each clock at wall time (the JWT is
/// verified by a stock library against the real clock).
macro_rules! on_both_engines_at_wall_time {
    ($story:ident: $sqlite:ident, $dynamodb:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $story(TestApp::builder().wall_clock().build().await).await;
        }

        #[tokio::test]
        async fn $dynamodb() {
            $story(TestApp::over_dynamodb().await).await;
        }
    };
}

pub async fn passkey_app(t: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({
        "signupFlow": "none",
        "passkeysEnabled": true,
        "passkeyRpId": RP,
        "passkeyOrigins": [ORIGIN, ANDROID],
    });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    t.create_app(settings).await
}

pub fn with_access(token: &str) -> [(&'static str, &str); 1] {
    [("access-token", token)]
}

pub async fn register_options(t: &TestApp, access: &str) -> Value {
    let r = t
        .post_json(PASSKEY_REGISTER_BEGIN, &with_access(access), json!({}))
        .await;
    r.ok_json()["publicKey"].clone()
}

pub async fn register_finish(t: &TestApp, access: &str, credential: Value) -> Resp {
    let body = json!({"credential": credential, "name": "Laptop"});
    t.post_json(PASSKEY_REGISTER_COMPLETE, &with_access(access), body)
        .await
}

/// Registers a new passkey of `auth` for the user of `access`; returns the passkey's view.
pub async fn register(t: &TestApp, access: &str, auth: &mut Authenticator) -> Value {
    let options = register_options(t, access).await;
    let credential = auth.create(&options);
    register_finish(t, access, credential).await.ok_json()
}

pub async fn login_options(t: &TestApp, info: &TestAppInfo) -> Value {
    let r = t
        .post_json(PASSKEY_LOGIN_BEGIN, &app_token(info), json!({}))
        .await;
    r.ok_json()["publicKey"].clone()
}

pub async fn login_finish(t: &TestApp, info: &TestAppInfo, credential: &Value) -> Resp {
    let body = json!({"credential": credential});
    t.post_json(PASSKEY_LOGIN_COMPLETE, &app_token(info), body)
        .await
}

pub async fn list(t: &TestApp, access: &str) -> Vec<Value> {
    let r = t.get(PASSKEYS, &with_access(access)).await;
    r.ok_json()["passkeys"].as_array().unwrap().clone()
}

pub async fn audit_events(t: &TestApp, info: &TestAppInfo) -> Vec<Value> {
    let path = format!("/admin/apps/{}/audit?limit=100", info.app_id);
    let page = t.admin("GET", &path, None).await.ok_json();
    page["entries"].as_array().unwrap().clone()
}

pub(crate) use on_both_engines_at_wall_time;

/// Whether the app still holds a claim on the passkey `id` (read straight from the store).
pub async fn claimed(t: &TestApp, info: &TestAppInfo, id: &str) -> bool {
    let key = keyturn::domain::records::passkey::claim_key(&info.app_id, id);
    t.store.get(&key).await.unwrap().is_some()
}
