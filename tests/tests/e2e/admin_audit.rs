//! The audit entries of the admin actions on an app's credentials and messages (signing-key
//! rotate, activate and retire; app-token rotation; template store and removal; the Twilio
//! account) and of wrong admin keys, read back through `GET /admin/apps/{appId}/audit`: each
//! entry's event, its exact details, the acting key's fingerprint, and that no key, token,
//! private key or auth token appears anywhere in the listing. Both bodies run on SQLite and on
//! DynamoDB (moto), as the audit trail's own suite does.

use keyturn::crypto::sha256_hex;
use keyturn::crypto::signing_key::KeyRing;
use serde_json::{Value, json};

use crate::support::app::{ADMIN_KEY, TestApp, TestAppInfo};

const OPERATOR: &str = "198.51.100.20";
const STRANGER: &str = "203.0.113.9";
/// A Twilio account as the admin API takes it; the auth token must never be listed.
const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN: &str = "fedcba9876543210fedcba9876543210";
const SENDER: &str = "+12015550100";
/// A wrong key long enough to be an admin key (so it is fingerprinted), and a short one.
const WRONG_KEY: &str = "stale-admin-key-fedcba9876543210fedcba98";
const SHORT_WRONG_KEY: &str = "hunter2-guess";

/// The app's whole audit listing, newest first, and its raw text (one page holds it all).
async fn listing(t: &TestApp, app: &TestAppInfo) -> (Vec<Value>, String) {
    let r = t
        .admin(
            "GET",
            &format!("/admin/apps/{}/audit?limit=100", app.app_id),
            None,
        )
        .await;
    let page = r.ok_json();
    assert!(page["cursor"].is_null(), "more than one page: {}", r.text);
    (page["entries"].as_array().unwrap().clone(), r.text)
}

fn events(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

/// An admin call with the right key and an optional JSON body from the operator's address,
/// a second after the previous one (so the listing's order is the calls' order); its 200 body.
async fn act(t: &TestApp, method: &str, path: &str, body: Option<Value>) -> Value {
    t.clock.advance_secs(1);
    // A forged `X-Forwarded-For` must not become the entry's client address.
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8787")
        .header("authorization", format!("Bearer {ADMIN_KEY}"))
        .header("content-type", "application/json")
        .header("x-forwarded-for", STRANGER);
    let body = body.map_or_else(axum::body::Body::empty, |b| b.to_string().into());
    t.send_from(OPERATOR, req.body(body).unwrap())
        .await
        .ok_json()
}

/// The private halves in the app's key ring, as the base64 lines of their PEMs.
async fn private_key_lines(t: &TestApp, app: &TestAppInfo) -> Vec<String> {
    let name = t.state.config.app_key_secret_name(&app.app_id);
    let raw = t.state.secrets.get_fresh(&name).await.unwrap().unwrap();
    let ring = KeyRing::from_secret(&raw).unwrap();
    std::iter::once(&ring.current)
        .chain(ring.next.as_ref())
        .chain(&ring.previous)
        .flat_map(|k| k.pem.lines().map(str::to_owned).collect::<Vec<_>>())
        // Full lines only: a PEM's short last line could occur anywhere by chance.
        .filter(|l| l.len() >= 40 && !l.starts_with("-----"))
        .collect()
}

/// Rotate, activate and retire a signing key, rotate the app token twice (with and without
/// grace), store and remove a template, set the Twilio account: eight entries, newest first,
/// each naming what changed, each with the acting key's fingerprint and the operator's
/// address, none with a secret.
async fn credential_and_message_changes_are_listed_without_secrets(t: TestApp) {
    let app = t
        .create_app(json!({"signupFlow": "none", "locales": ["EN", "FR"]}))
        .await;
    let base = format!("/admin/apps/{}", app.app_id);
    let mut secrets = vec![
        ADMIN_KEY.to_owned(),
        app.app_token.clone(),
        TWILIO_TOKEN.to_owned(),
    ];

    let staged = act(&t, "POST", &format!("{base}/keys/rotate"), None).await;
    let (old_kid, new_kid) = (
        staged["currentKid"].as_str().unwrap().to_owned(),
        staged["stagedKid"].as_str().unwrap().to_owned(),
    );
    act(&t, "POST", &format!("{base}/keys/activate"), None).await;
    secrets.extend(private_key_lines(&t, &app).await);
    act(&t, "POST", &format!("{base}/keys/retire"), None).await;

    let rotation = format!("{base}/app-token/rotate");
    let graced = act(&t, "POST", &rotation, Some(json!({"graceSeconds": 3600}))).await;
    let at_once = act(&t, "POST", &rotation, None).await;
    secrets.extend([&graced, &at_once].map(|r| r["appToken"].as_str().unwrap().to_owned()));

    let template = json!({"subject": "Bienvenue sur %APP_NAME%", "text": "Code %CODE%"});
    let french = format!("{base}/templates/fr/signUp");
    act(&t, "PUT", &french, Some(template)).await;
    act(&t, "DELETE", &french, None).await;

    let twilio = json!({"accountSid": SID, "authToken": TWILIO_TOKEN, "phoneNumber": SENDER});
    act(&t, "PUT", &format!("{base}/twilio"), Some(twilio)).await;

    let (entries, raw) = listing(&t, &app).await;
    assert_eq!(
        events(&entries),
        [
            "admin.twilio.set",
            "admin.template.removed",
            "admin.template.stored",
            "admin.app-token.rotated",
            "admin.app-token.rotated",
            "admin.signing-key.retired",
            "admin.signing-key.activated",
            "admin.signing-key.rotated",
            "admin.app.created",
        ]
    );
    let details: Vec<&Value> = entries.iter().map(|e| &e["details"]).collect();
    assert_eq!(
        details[..8],
        [
            &json!({"accountSid": SID, "phoneNumber": SENDER}),
            &json!({"locale": "FR", "name": "signUp"}),
            &json!({"locale": "FR", "name": "signUp"}),
            &json!({"graceSeconds": 0, "previousValidUntil": null}),
            &json!({"graceSeconds": 3600, "previousValidUntil": graced["previousValidUntil"]}),
            &json!({"retiredKids": [old_kid]}),
            &json!({"kid": new_kid, "replacedKid": old_kid}),
            &json!({"kid": new_kid}),
        ]
    );
    assert!(graced["previousValidUntil"].is_string(), "{graced}");
    let fingerprint = json!(sha256_hex(ADMIN_KEY)[..12]);
    for entry in &entries[..8] {
        assert_eq!(entry["adminKey"], fingerprint, "{entry}");
        assert_eq!(
            entry["client"], OPERATOR,
            "the socket peer, not a header: {entry}"
        );
        assert!(entry["userId"].is_null(), "{entry}");
    }
    assert!(secrets.len() > 6, "the ring's private keys were read");
    for secret in &secrets {
        assert!(
            !raw.contains(secret.as_str()),
            "{secret} in the audit listing"
        );
    }
    assert!(!raw.contains("Bienvenue"), "a template's text is no detail");
}

#[tokio::test]
async fn credential_and_message_changes_are_audited() {
    credential_and_message_changes_are_listed_without_secrets(TestApp::new().await).await;
}

#[tokio::test]
async fn credential_and_message_changes_are_audited_on_dynamodb() {
    credential_and_message_changes_are_listed_without_secrets(TestApp::over_dynamodb().await).await;
}

/// A wrong-key request from `ip` with `key` (`None`: no `Authorization` header), answered
/// `status` with `code`.
async fn wrong(t: &TestApp, ip: &str, key: Option<&str>, method: &str, path: &str, code: u64) {
    t.clock.advance_secs(1);
    let r = match key {
        Some(key) => t.admin_from(ip, key, method, path).await,
        None => {
            let req = http::Request::builder()
                .method(method)
                .uri(path)
                .header("host", "127.0.0.1:8787")
                .body(axum::body::Body::empty())
                .unwrap();
            t.send_from(ip, req).await
        }
    };
    let status = if code == 615 { 429 } else { 401 };
    r.assert_error(status, code);
}

/// Wrong keys on routes naming an existing app land in that app's trail (route as declared,
/// the fingerprint only of a key-length string, no `adminKey`); wrong keys on a route without
/// an app, on an unknown app or without any key land nowhere but the log; one address fills
/// at most its 20 admin-key tries an hour, after which its refusals (615) write nothing.
async fn wrong_admin_keys_are_listed_under_the_named_app(t: TestApp) {
    let app = t.create_app(json!({})).await;
    let other = t.create_app(json!({})).await;
    let base = format!("/admin/apps/{}", app.app_id);

    let rotate = format!("{base}/keys/rotate");
    wrong(&t, STRANGER, Some(WRONG_KEY), "POST", &rotate, 617).await;
    let revoke = format!("{base}/invites/ann%40example.com");
    wrong(&t, STRANGER, Some(SHORT_WRONG_KEY), "DELETE", &revoke, 617).await;
    // Counted toward the address's limit, but no trail to write to.
    wrong(&t, STRANGER, Some(WRONG_KEY), "GET", "/admin/apps", 617).await;
    let unknown = format!("/admin/apps/{}/users", "0".repeat(32));
    wrong(&t, STRANGER, Some(WRONG_KEY), "GET", &unknown, 617).await;
    // No key presented: not a guess, not counted, not recorded.
    wrong(&t, STRANGER, None, "GET", &base, 617).await;

    let (entries, raw) = listing(&t, &app).await;
    assert_eq!(
        events(&entries),
        [
            "admin-key.refused",
            "admin-key.refused",
            "admin.app.created"
        ]
    );
    assert_eq!(
        entries[0]["details"],
        json!({
            "method": "DELETE",
            "route": "/admin/apps/{app_id}/invites/{handle}",
            "presentedKey": null,
        })
    );
    assert_eq!(
        entries[1]["details"],
        json!({
            "method": "POST",
            "route": "/admin/apps/{app_id}/keys/rotate",
            "presentedKey": sha256_hex(WRONG_KEY)[..12],
        })
    );
    for entry in &entries[..2] {
        assert_eq!(entry["client"], STRANGER, "{entry}");
        assert!(entry["adminKey"].is_null(), "no key proved itself: {entry}");
        assert!(entry["userId"].is_null(), "{entry}");
    }
    for secret in [
        WRONG_KEY,
        SHORT_WRONG_KEY,
        ADMIN_KEY,
        "ann@example.com",
        "ann%40",
    ] {
        assert!(!raw.contains(secret), "{secret} in the audit listing");
    }
    let (others, _) = listing(&t, &other).await;
    assert_eq!(events(&others), ["admin.app.created"]);

    // Four of the address's 20 tries are used: 16 more are recorded, then 615s write nothing.
    for _ in 0..16 {
        wrong(&t, STRANGER, Some(WRONG_KEY), "PATCH", &base, 617).await;
    }
    for _ in 0..3 {
        wrong(&t, STRANGER, Some(WRONG_KEY), "PATCH", &base, 615).await;
    }
    let (entries, _) = listing(&t, &app).await;
    let refused: Vec<&Value> = entries
        .iter()
        .filter(|e| e["event"] == "admin-key.refused")
        .collect();
    assert_eq!(refused.len(), 18, "{entries:?}");
    assert_eq!(refused[0]["details"]["route"], "/admin/apps/{app_id}");

    // Another address still gets its own tries recorded, and the right key still works there.
    wrong(&t, OPERATOR, Some(WRONG_KEY), "GET", &base, 617).await;
    let (entries, _) = listing(&t, &app).await;
    assert_eq!(entries[0]["event"], "admin-key.refused");
    assert_eq!(entries[0]["client"], OPERATOR);
}

#[tokio::test]
async fn wrong_admin_keys_are_audited_under_the_named_app() {
    wrong_admin_keys_are_listed_under_the_named_app(TestApp::new().await).await;
}

#[tokio::test]
async fn wrong_admin_keys_are_audited_under_the_named_app_on_dynamodb() {
    wrong_admin_keys_are_listed_under_the_named_app(TestApp::over_dynamodb().await).await;
}
