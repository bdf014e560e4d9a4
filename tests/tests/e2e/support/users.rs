//! Helpers about users: quick accounts, the one `login` helper, JWT claims, token checks and
//! direct record edits (for states no route reaches yet, such as suspension).

use base64::Engine as _;
use keyturn::store::{Condition, Key};
use serde_json::Value;

use super::app::{PW, TestApp, TestAppInfo};

/// The claims of a JWT, decoded without verification (the issuer suite checks signatures).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The user id (`sub`) of a login result `{jwt, access-token}`.
pub fn user_id(session: &Value) -> String {
    claims(session["jwt"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The access token of a login result.
pub fn access(session: &Value) -> String {
    session["access-token"].as_str().unwrap().to_owned()
}

/// Signs `handle` up with `PW` and `metaData` on an app whose `signupFlow` is `none`; returns
/// `{jwt, access-token}`.
pub async fn quick_user(app: &TestApp, info: &TestAppInfo, handle: &str, meta: Value) -> Value {
    let r = app
        .post_json(
            "/api/appuser/signup",
            &[("app-token", &info.app_token)],
            serde_json::json!({"handle": handle, "password": PW, "metaData": meta}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// Logs `handle` in with the client MD5 `pw` (the one login helper of every suite).
pub async fn login(app: &TestApp, info: &TestAppInfo, handle: &str, pw: &str) -> super::app::Resp {
    app.post_json(
        "/api/appuser/login",
        &[("app-token", &info.app_token)],
        serde_json::json!({"handle": handle, "password": pw}),
    )
    .await
}

/// Whether an access token is still accepted (getApplication accepts any live token); a
/// refused one must be refused with 405.
pub async fn token_works(app: &TestApp, access: &str) -> bool {
    let r = app
        .get("/api/appuser/getApplication", &[("access-token", access)])
        .await;
    if r.status == 200 {
        return true;
    }
    r.assert_error(400, 405);
    false
}

/// The stored user record.
pub async fn stored_user(app: &TestApp, user_id: &str) -> Value {
    let item = app
        .store
        .get(&Key::new(format!("USER#{user_id}"), "USER"))
        .await
        .unwrap()
        .expect("user record");
    item.data
}

/// Edits the stored user record in place (a new version), as an admin action would.
pub async fn edit_user(app: &TestApp, user_id: &str, edit: impl FnOnce(&mut Value)) {
    let key = Key::new(format!("USER#{user_id}"), "USER");
    let mut item = app.store.get(&key).await.unwrap().expect("user record");
    edit(&mut item.data);
    let version = item.version;
    item.version += 1;
    app.store
        .put(item, Condition::Version(version))
        .await
        .unwrap();
}
