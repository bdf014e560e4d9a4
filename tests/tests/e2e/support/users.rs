//! Helpers about users: JWT claims, token checks, the admin search for a user id, and direct
//! record reads and edits (for states no route reaches yet, such as suspension).

use base64::Engine as _;
use keyturn::store::{Condition, Index, Key, Query};
use serde_json::Value;

use super::app::{TestApp, TestAppInfo};
use super::routes::GET_APPLICATION;

/// The claims of a JWT, decoded without verification (the issuer suite checks signatures).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The claims of a session's (a login result's) JWT: most checks read one claim of a fresh
/// session.
pub fn session_claims(session: &Value) -> Value {
    claims(session["jwt"].as_str().unwrap())
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

/// Whether an access token is still accepted (getApplication accepts any live token); a
/// refused one must be refused with 405.
pub async fn token_works(app: &TestApp, access: &str) -> bool {
    let r = app.get(GET_APPLICATION, &[("access-token", access)]).await;
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

/// The keys of the live items in a partition of the primary table or the index (the first 100),
/// for proofs that something was, or was not, stored.
pub async fn keys_in(app: &TestApp, index: Index, pk: impl Into<String>) -> Vec<Key> {
    let query = Query {
        index,
        pk: pk.into(),
        sk_prefix: String::new(),
        limit: 100,
        cursor: None,
    };
    let page = app.store.query(query).await.unwrap();
    page.items.into_iter().map(|i| i.key).collect()
}

/// How many users the app's user listing (the index) holds: the proof that a refused or raced
/// registration created no account.
pub async fn user_count(app: &TestApp, app_id: &str) -> usize {
    let listing = format!("APP#{app_id}#USERS");
    keys_in(app, Index::Secondary, listing).await.len()
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The user id behind a handle, through the admin search.
pub async fn user_id_of(app: &TestApp, info: &TestAppInfo, handle: &str) -> String {
    let path = info.admin_path(&format!("/users?search={}", url_encode(handle)));
    let listed = app.admin("GET", &path, None).await.ok_json();
    let users = listed["users"].as_array().unwrap();
    let user = users.iter().find(|u| u["handle"] == handle).unwrap();
    user["userId"].as_str().unwrap().to_owned()
}
