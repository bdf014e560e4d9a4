//! Signing-key rotation as a JWT consumer sees it: a stock library verifying every token
//! against the served JWKS across rotate, activate and retire, with the signing done by a
//! second, warm instance whose cached key ring predates the rotation.

use std::sync::Arc;

use jsonwebtoken::decode_header;
use keyturn::secrets::SecretStore;
use keyturn::secrets::local::KeyFileStore;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::aws::unique;
use crate::support::jwt::{discover, to_wall_time, verify_against};

/// The admin's instance and a warm user-facing instance of one deployment: same store, same
/// secrets backend, each with its own caches.
async fn two_instances() -> (TestApp, TestApp) {
    let dir = std::env::temp_dir().join(unique("keyturn-rotation"));
    std::fs::create_dir_all(&dir).unwrap();
    let secrets: Arc<dyn SecretStore> =
        Arc::new(KeyFileStore::open(&dir.join("secrets.json")).unwrap());
    let admin = TestApp::builder()
        .dir(dir.clone())
        .secrets(secrets.clone())
        .build()
        .await;
    to_wall_time(&admin.clock);
    let warm = TestApp::builder()
        .clock(admin.clock.clone())
        .store(admin.store.clone())
        .dir(dir)
        .secrets(secrets)
        .build()
        .await;
    (admin, warm)
}

async fn step(app: &TestApp, info: &TestAppInfo, step: &str) -> crate::support::app::Resp {
    app.admin("POST", &info.admin_path(&format!("/keys/{step}")), None)
        .await
}

/// The JWKS the app serves.
async fn served_jwks(app: &TestApp, info: &TestAppInfo) -> Value {
    let path = format!("/apps/{}/.well-known/jwks.json", info.app_id);
    app.get(&path, &[]).await.ok_json()
}

fn kid_of(jwt: &str) -> String {
    decode_header(jwt).unwrap().kid.unwrap()
}

/// A fresh login's JWT through the warm instance, after its app-settings cache has expired.
async fn warm_jwt(admin: &TestApp, warm: &TestApp, info: &TestAppInfo) -> String {
    admin.clock.advance_secs(31);
    let session = warm.login(info, "kim@example.com", PW).await.ok_json();
    session["jwt"].as_str().unwrap().to_owned()
}

fn kids(jwks: &jsonwebtoken::jwk::JwkSet) -> Vec<String> {
    jwks.keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect()
}

#[tokio::test]
async fn tokens_verify_against_the_jwks_across_rotate_activate_and_retire() {
    let (admin, warm) = two_instances().await;
    let info = admin.create_app(json!({ "signupFlow": "none" })).await;
    admin.quick_user(&info, "kim@example.com", json!({})).await;
    let before = warm_jwt(&admin, &warm, &info).await;
    let old_kid = kid_of(&before);

    // 1. Rotate: the staged key is published at once, but does not sign yet.
    let staged = step(&admin, &info, "rotate").await.ok_json();
    let new_kid = staged["stagedKid"].as_str().unwrap().to_owned();
    assert_eq!(staged["currentKid"], old_kid.as_str());
    assert_ne!(new_kid, old_kid);
    let during = warm_jwt(&admin, &warm, &info).await;
    assert_eq!(kid_of(&during), old_kid);
    let (issuer, jwks) = discover(&warm, &info.app_id).await;
    assert_eq!(kids(&jwks), [old_kid.clone(), new_kid.clone()]);
    for jwt in [&before, &during] {
        verify_against(&jwks, &issuer, jwt, &info.app_id).unwrap();
    }

    // 2. Activate: new tokens carry the new kid (the warm instance re-reads its stale ring);
    //    tokens signed before still verify.
    let active = step(&admin, &info, "activate").await.ok_json();
    assert_eq!(active["currentKid"], new_kid.as_str());
    assert_eq!(active["previousKids"], json!([old_kid.clone()]));
    let after = warm_jwt(&admin, &warm, &info).await;
    assert_eq!(kid_of(&after), new_kid);
    let (_, jwks) = discover(&warm, &info.app_id).await;
    assert_eq!(kids(&jwks), [new_kid.clone(), old_kid.clone()]);
    for jwt in [&before, &during, &after] {
        verify_against(&jwks, &issuer, jwt, &info.app_id).unwrap();
    }
    let pem = warm
        .get(&format!("/apps/{}/public-key.pem", info.app_id), &[])
        .await;
    let by_pem = jsonwebtoken::DecodingKey::from_rsa_pem(pem.text.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    assert!(jsonwebtoken::decode::<Value>(&after, &by_pem, &validation).is_ok());

    // 3. Retire: the old key leaves the JWKS; its tokens stop verifying, the new ones do not.
    let retired = step(&admin, &info, "retire").await.ok_json();
    assert_eq!(retired["previousKids"], json!([]));
    let (_, jwks) = discover(&warm, &info.app_id).await;
    assert_eq!(kids(&jwks), vec![new_kid.clone()]);
    for jwt in [&before, &during] {
        assert_eq!(
            verify_against(&jwks, &issuer, jwt, &info.app_id).unwrap_err(),
            "kid not in the JWKS"
        );
    }
    verify_against(&jwks, &issuer, &after, &info.app_id).unwrap();
    let last = warm_jwt(&admin, &warm, &info).await;
    assert_eq!(kid_of(&last), new_kid);
}

#[tokio::test]
async fn steps_out_of_order_are_refused_with_409() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let jwks_before = served_jwks(&app, &info).await;

    step(&app, &info, "activate").await.assert_error(409, 631);
    step(&app, &info, "retire").await.assert_error(409, 633);
    step(&app, &info, "rotate").await.ok_json();
    step(&app, &info, "rotate").await.assert_error(409, 632);
    step(&app, &info, "retire").await.assert_error(409, 633);
    step(&app, &info, "activate").await.ok_json();
    step(&app, &info, "activate").await.assert_error(409, 631);
    step(&app, &info, "retire").await.ok_json();
    step(&app, &info, "retire").await.assert_error(409, 633);

    let jwks_after = served_jwks(&app, &info).await;
    assert_eq!(jwks_after["keys"].as_array().unwrap().len(), 1);
    assert_ne!(jwks_after, jwks_before);
    step(
        &app,
        &TestAppInfo {
            app_id: "0".repeat(32),
            app_token: String::new(),
        },
        "rotate",
    )
    .await
    .assert_error(400, 401);
}

#[tokio::test]
async fn a_staged_key_lost_to_a_rotation_race_is_unstaged_on_activation() {
    use keyturn::crypto::signing_key::{Bits, KeyRing, generate};
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    step(&app, &info, "rotate").await.ok_json();
    // The losing rotation of a race wrote its own key into the ring after the winner's.
    let name = app.state.config.app_key_secret_name(&info.app_id);
    let raw = app.state.secrets.get_fresh(&name).await.unwrap().unwrap();
    let mut ring = KeyRing::from_secret(&raw).unwrap();
    ring.next = Some(generate(Bits::Rsa2048).unwrap().0);
    app.state
        .secrets
        .put(&name, &ring.to_secret().unwrap())
        .await
        .unwrap();

    step(&app, &info, "activate").await.assert_error(409, 631);

    let served = served_jwks(&app, &info).await;
    assert_eq!(served["keys"].as_array().unwrap().len(), 1);
    step(&app, &info, "rotate").await.ok_json();
    step(&app, &info, "activate").await.ok_json();
}

/// `GET …/keys`.
async fn key_view(app: &TestApp, path: &str) -> Value {
    app.admin("GET", path, None).await.ok_json()
}

on_both_engines!(#[tokio::test] key_view_follows_each_step:
    the_key_view_names_the_signing_staged_and_previous_kids_at_each_step_in_sqlite,
    the_key_view_names_the_signing_staged_and_previous_kids_at_each_step_in_dynamodb);

/// `GET …/keys` (the console's Keys page) answers what each step answered, read fresh, and
/// changes nothing: the JWKS lists exactly the kids it names, and reading it twice between
/// steps leaves the next step's outcome the same.
async fn key_view_follows_each_step(app: TestApp) {
    let info = app.create_app(json!({})).await;
    let path = info.admin_path("/keys");
    let jwks_kids = |jwks: Value| -> Vec<String> {
        let mut kids: Vec<String> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        kids.sort();
        kids
    };
    let named = |v: &Value| -> Vec<String> {
        let mut kids = vec![v["currentKid"].as_str().unwrap().to_owned()];
        kids.extend(v["stagedKid"].as_str().map(str::to_owned));
        for k in v["previousKids"].as_array().unwrap() {
            kids.push(k.as_str().unwrap().to_owned());
        }
        kids.sort();
        kids
    };

    let first = key_view(&app, &path).await;
    assert_eq!(first["stagedKid"], Value::Null);
    assert_eq!(first["previousKids"], json!([]));
    assert_eq!(jwks_kids(served_jwks(&app, &info).await), named(&first));
    let old_kid = first["currentKid"].as_str().unwrap().to_owned();

    for (name, staged, previous) in [
        ("rotate", true, false),
        ("activate", false, true),
        ("retire", false, false),
    ] {
        let answered = step(&app, &info, name).await.ok_json();
        let shown = key_view(&app, &path).await;
        assert_eq!(shown, answered, "after {name}");
        assert_eq!(
            key_view(&app, &path).await,
            shown,
            "reading twice changes nothing"
        );
        assert_eq!(shown["stagedKid"].is_string(), staged, "{name}: {shown}");
        assert_eq!(
            shown["previousKids"] == json!([old_kid.as_str()]),
            previous,
            "{name}: {shown}"
        );
        assert_eq!(jwks_kids(served_jwks(&app, &info).await), named(&shown));
    }
    assert_ne!(key_view(&app, &path).await["currentKid"], old_kid.as_str());

    // Behind the admin key, and typed for an unknown app.
    app.get(&path, &[("authorization", "Bearer wrong")])
        .await
        .assert_error(401, 617);
    let unknown = format!("/admin/apps/{}/keys", "0".repeat(32));
    app.admin("GET", &unknown, None)
        .await
        .assert_error(400, 401);
}
