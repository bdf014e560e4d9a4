//! The user JWT as a third-party consumer sees it: a stock JWT library verifies it through the
//! app's OIDC discovery document and JWKS (or its PEM), and its claims follow the app settings.

use jsonwebtoken::{Algorithm, DecodingKey, decode, decode_header};
use keyturn::clock::Clock;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo};
use crate::support::jwt::{discover, validation, verify_user_jwt};

/// A stack at wall time with one app.
async fn fresh() -> (TestApp, TestAppInfo) {
    let app = TestApp::builder().wall_clock().build().await;
    let info = app.create_app(json!({})).await;
    (app, info)
}

/// Patches the app's settings, then logs Bob in; returns the new JWT.
async fn patched_login_jwt(app: &TestApp, info: &TestAppInfo, settings: Value) -> String {
    app.signed_up_user(info, "bob@example.com").await;
    app.patch_app(info, settings).await.ok_json();
    jwt_of(&app.login(info, "bob@example.com", PW).await.ok_json())
}

fn jwt_of(v: &Value) -> String {
    v["jwt"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_jwt_verifies_through_discovery_and_jwks() {
    let (app, info) = fresh().await;
    let signup = app.signed_up_user(&info, "bob@example.com").await;
    let jwt = jwt_of(&app.login(&info, "bob@example.com", PW).await.ok_json());

    let claims = verify_user_jwt(&app, &info.app_id, &jwt, &info.app_id)
        .await
        .unwrap();

    let header = decode_header(&jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(
        claims["iss"],
        format!("http://127.0.0.1:8787/apps/{}", info.app_id)
    );
    assert_eq!(claims["aud"], info.app_id.as_str());
    assert_eq!(claims["email"], "bob@example.com");
    let sub = claims["sub"].as_str().unwrap();
    assert!(
        !sub.is_empty() && !sub.contains('@'),
        "sub is not the email: {sub}"
    );
    let at_signup = verify_user_jwt(&app, &info.app_id, &jwt_of(&signup), &info.app_id)
        .await
        .unwrap();
    assert_eq!(at_signup["sub"], sub, "sub is stable across tokens");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        24 * 3600
    );
    assert_eq!(claims["iat"].as_i64().unwrap(), app.clock.now_secs());
}

#[tokio::test]
async fn audience_is_the_realm_app_id_when_set() {
    let (app, info) = fresh().await;
    let jwt = patched_login_jwt(&app, &info, json!({ "realmAppId": "myrealmapp-abcde" })).await;

    let claims = verify_user_jwt(&app, &info.app_id, &jwt, "myrealmapp-abcde")
        .await
        .unwrap();
    assert_eq!(claims["aud"], "myrealmapp-abcde");
    let err = verify_user_jwt(&app, &info.app_id, &jwt, &info.app_id)
        .await
        .unwrap_err();
    assert!(err.contains("Audience"), "{err}");
}

#[tokio::test]
async fn jwt_lifetime_follows_user_jwt_expiration() {
    let (app, info) = fresh().await;
    let jwt = patched_login_jwt(&app, &info, json!({ "userJWTExpiration": 2 })).await;

    let claims = verify_user_jwt(&app, &info.app_id, &jwt, &info.app_id)
        .await
        .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        2 * 3600
    );
}

#[tokio::test]
async fn email_claim_is_absent_when_meta_data_email_is_false() {
    let (app, info) = fresh().await;
    let jwt = patched_login_jwt(&app, &info, json!({ "metaDataEmail": false })).await;

    let claims = verify_user_jwt(&app, &info.app_id, &jwt, &info.app_id)
        .await
        .unwrap();
    assert!(claims.get("email").is_none(), "{claims}");
    assert!(claims["sub"].is_string());
}

#[tokio::test]
async fn metadata_lands_at_its_dot_path_and_undeclared_keys_are_dropped() {
    let app = TestApp::builder().wall_clock().build().await;
    let info = app
        .create_app(json!({ "metaData": [
            { "path": "user_data.name.first", "fieldName": "first", "required": true },
            { "path": "user_data.team", "fieldName": "team" },
            { "path": "contact.mail", "fieldName": "email" },
        ]}))
        .await;
    let meta = json!({
        "user_data": { "name": { "first": "Bob", "middle": "X" }, "admin": "yes" },
        "sub": "someone-else", "role": "root", "contact": { "mail": "evil@example.com" },
    });
    let body = json!({ "handle": "bob@example.com", "password": PW, "metaData": meta.to_string() });
    app.signed_up_user_with(&info, body).await;

    let jwt = jwt_of(&app.login(&info, "bob@example.com", PW).await.ok_json());

    let claims = verify_user_jwt(&app, &info.app_id, &jwt, &info.app_id)
        .await
        .unwrap();
    assert_eq!(claims["user_data"], json!({ "name": { "first": "Bob" } }));
    assert_eq!(claims["contact"], json!({ "mail": "bob@example.com" }));
    assert!(claims.get("role").is_none(), "{claims}");
    assert_ne!(claims["sub"], "someone-else");
}

#[tokio::test]
async fn public_key_pem_verifies_the_same_token() {
    let (app, info) = fresh().await;
    app.signed_up_user(&info, "bob@example.com").await;
    let jwt = jwt_of(&app.login(&info, "bob@example.com", PW).await.ok_json());
    let (issuer, _) = discover(&app, &info.app_id).await;

    let r = app
        .get(&format!("/apps/{}/public-key.pem", info.app_id), &[])
        .await;

    r.assert_ok();
    assert!(
        r.text.starts_with("-----BEGIN PUBLIC KEY-----"),
        "{}",
        r.text
    );
    let key = DecodingKey::from_rsa_pem(r.text.as_bytes()).unwrap();
    let claims = decode::<Value>(&jwt, &key, &validation(&issuer, &info.app_id))
        .unwrap()
        .claims;
    assert_eq!(claims["email"], "bob@example.com");
}

#[tokio::test]
async fn a_token_of_another_app_does_not_verify_against_this_apps_jwks() {
    let (app, info) = fresh().await;
    let other = app.create_app(json!({})).await;
    app.signed_up_user(&other, "bob@example.com").await;
    let jwt = jwt_of(&app.login(&other, "bob@example.com", PW).await.ok_json());
    assert!(
        verify_user_jwt(&app, &other.app_id, &jwt, &other.app_id)
            .await
            .is_ok()
    );

    let by_kid = verify_user_jwt(&app, &info.app_id, &jwt, &other.app_id).await;

    assert_eq!(by_kid.unwrap_err(), "kid not in the JWKS");
    // Even forcing this app's key (ignoring the kid) the signature does not match.
    let (issuer, jwks) = discover(&app, &info.app_id).await;
    assert_eq!(jwks.keys.len(), 1);
    let key = DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut v = validation(&issuer, &other.app_id);
    v.validate_aud = false;
    v.iss = None;
    let err = decode::<Value>(&jwt, &key, &v).unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
}
