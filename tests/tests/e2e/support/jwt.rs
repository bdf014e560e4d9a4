//! The user JWT as a third-party consumer checks it: discovery, the JWKS and a stock library's
//! validation, shared by the issuer, key-rotation, local-runner and DynamoDB suites.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use keyturn::clock::{Clock, ManualClock};
use serde_json::Value;

use super::app::TestApp;

/// Moves a test clock to wall time, so the stock library's own `exp` check (which reads the
/// system clock) is meaningful for tokens issued under it.
pub fn to_wall_time(clock: &ManualClock) {
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let wall = i64::try_from(wall).unwrap();
    let now = clock.now_secs();
    assert!(now <= wall, "test clock is ahead of wall time");
    clock.advance_secs(wall - now);
}

/// The path of an absolute URL (what the router is asked for).
pub fn path_of(url: &str) -> String {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or_else(|| panic!("not an absolute URL: {url}"));
    rest[rest.find('/').unwrap_or(rest.len())..].to_owned()
}

/// The discovery document's issuer and JWKS, fetched as a consumer would.
pub async fn discover(app: &TestApp, app_id: &str) -> (String, JwkSet) {
    let doc = app
        .get(
            &format!("/apps/{app_id}/.well-known/openid-configuration"),
            &[],
        )
        .await
        .ok_json();
    let issuer = doc["issuer"].as_str().unwrap().to_owned();
    let jwks_uri = doc["jwks_uri"].as_str().unwrap();
    let r = app.get(&path_of(jwks_uri), &[]).await;
    r.assert_ok();
    let jwks: JwkSet = serde_json::from_str(&r.text).unwrap();
    (issuer, jwks)
}

/// A stock library's RS256 validation of `issuer` and `audience`, without leeway.
pub fn validation(issuer: &str, audience: &str) -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 0;
    v
}

/// Verifies `jwt` with a stock library through `app_id`'s discovery document and JWKS, picking
/// the key by the token's `kid`; returns the claims or why verification failed.
pub async fn verify_user_jwt(
    app: &TestApp,
    app_id: &str,
    jwt: &str,
    audience: &str,
) -> Result<Value, String> {
    let (issuer, jwks) = discover(app, app_id).await;
    verify_against(&jwks, &issuer, jwt, audience)
}

/// Verifies `jwt` with a stock library against a fetched JWKS, picking the key by `kid`.
pub fn verify_against(
    jwks: &JwkSet,
    issuer: &str,
    jwt: &str,
    audience: &str,
) -> Result<Value, String> {
    let header = decode_header(jwt).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("token has no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    decode::<Value>(jwt, &key, &validation(issuer, audience))
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}
