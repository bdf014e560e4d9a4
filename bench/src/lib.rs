//! Fixtures shared by the criterion benches: an app with a few metadata fields, a user, and
//! request bodies shaped like the CosyncJWT clients' — built once, outside the measured loops.

use keyturn::domain::records::app::App;
use keyturn::domain::records::user::User;
use serde_json::json;

/// The app id every fixture uses.
pub const APP_ID: &str = "0123456789abcdef0123456789abcdef";

/// An app as stored, with three metadata fields (one nested two levels) and the email claim.
pub fn sample_app() -> App {
    from_json(json!({
        "appId": APP_ID,
        "name": "Bench",
        "status": "active",
        "createdAt": 1_700_000_000_000_i64,
        "updatedAt": 1_700_000_000_000_i64,
        "tokenIssuedAt": 1_700_000_000,
        "publicKeys": [],
        "settings": {
            "metaData": [
                {"path": "user_data.name", "fieldName": "name", "required": true},
                {"path": "user_data.profile.plan", "fieldName": "plan"},
                {"path": "org", "fieldName": "org"}
            ]
        }
    }))
}

/// A user of [`sample_app`] with every metadata field set.
pub fn sample_user() -> User {
    from_json(json!({
        "userId": "5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b",
        "appId": APP_ID,
        "handle": "bob@example.com",
        "passwordHash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "status": "active",
        "locale": "EN",
        "metaData": {"user_data": {"name": "Bob", "profile": {"plan": "pro"}}, "org": "acme"},
        "tokenEpoch": 0,
        "createdAt": 1_700_000_000_000_i64,
        "updatedAt": 1_700_000_000_000_i64
    }))
}

/// A login body as the JS client sends it (JSON).
pub const LOGIN_JSON: &[u8] =
    br#"{"handle":"bob@example.com","password":"5f4dcc3b5aa765d61d8327deb882cf99"}"#;

/// A signup body as the Swift client sends it (an unencoded form with a JSON metaData).
pub const SIGNUP_FORM: &[u8] = b"handle=ann%2B1@example.com&password=5f4dcc3b5aa765d61d8327deb882cf99&metaData={\"user_data\":{\"name\":\"Ann\"}}&locale=EN";

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => panic!("bench fixture no longer matches the stored shape: {e}"),
    }
}
