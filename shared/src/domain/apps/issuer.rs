//! The per-app issuer: discovery document, JWKS and PEM, so any JWT consumer can
//! verify user JWTs without copying keys by hand. Served from the app record's public keys; the
//! private keys are never read here.

use crate::domain::RequestContext;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus};
use crate::error::{Error, Result};

async fn app(state: &AppState, app_id: &str) -> Result<App> {
    let id_ok = !app_id.is_empty()
        && app_id.len() <= 64
        && app_id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !id_ok {
        return Err(Error::UnknownIssuer);
    }
    // Read from the table, never a warm cache: a key staged by the admin function is published
    // at once, and a consumer that fetches the JWKS for an unknown `kid` finds it. An app being
    // deleted publishes nothing: its tokens stop verifying at once.
    match repo::load_app_fresh(state, app_id).await? {
        Some((app, _)) if app.status != AppStatus::Deleting => Ok(app),
        _ => Err(Error::UnknownIssuer),
    }
}

/// `GET /apps/{appId}/.well-known/openid-configuration`.
pub async fn discovery(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<Discovery> {
    let app = app(state, app_id).await?;
    let issuer = app.issuer(&ctx.base_url);
    Ok(Discovery {
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        id_token_signing_alg_values_supported: &["RS256"],
        response_types_supported: &["id_token"],
        subject_types_supported: &["public"],
        claims_supported: &["iss", "sub", "aud", "iat", "exp", "email"],
    })
}

/// An OpenID discovery document (only what a JWT consumer reads), so a consumer configured with
/// the issuer URL alone finds the keys and knows what the tokens hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The `iss` of the app's user JWTs.
    pub issuer: String,
    /// Where the app's public keys are published.
    pub jwks_uri: String,
    /// Signature algorithms of the user JWTs.
    pub id_token_signing_alg_values_supported: &'static [&'static str],
    /// What the issuer hands out (ID tokens only).
    pub response_types_supported: &'static [&'static str],
    /// How `sub` is chosen (the same for every consumer).
    pub subject_types_supported: &'static [&'static str],
    /// Claims a user JWT may carry besides metadata.
    pub claims_supported: &'static [&'static str],
}

/// A JSON Web Key Set: every published key, so tokens signed before a rotation still verify.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwks {
    /// The keys as JWKs.
    pub keys: Vec<serde_json::Value>,
}

/// A public key in PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pem(pub String);

/// `GET /apps/{appId}/.well-known/jwks.json`: current and previous keys.
pub async fn jwks(state: &AppState, app_id: &str) -> Result<Jwks> {
    let app = app(state, app_id).await?;
    let keys = app.public_keys.iter().map(|k| k.jwk()).collect();
    Ok(Jwks { keys })
}

/// `GET /apps/{appId}/public-key.pem`: the key that signs now, for consumers that take a PEM
/// (they follow a rotation by fetching it again after the activation).
pub async fn public_key_pem(state: &AppState, app_id: &str) -> Result<Pem> {
    let app = app(state, app_id).await?;
    let kid = app.signing_kid();
    let key = app
        .public_keys
        .iter()
        .find(|k| Some(k.kid.as_str()) == kid)
        .ok_or_else(|| Error::internal("app without keys"))?;
    Ok(Pem(key.pem.clone()))
}
