//! The per-app issuer (API.md §3): discovery document, JWKS and PEM, so any JWT consumer can
//! verify user JWTs without copying keys by hand. Served from the app record's public keys; the
//! private keys are never read here.

use crate::AppState;
use crate::domain::app::App;
use crate::domain::context::RequestContext;
use crate::domain::repo;
use crate::error::{Error, Result};
use crate::wire::Reply;

async fn app(state: &AppState, app_id: &str) -> Result<App> {
    let id_ok = !app_id.is_empty()
        && app_id.len() <= 64
        && app_id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !id_ok {
        return Err(Error::AppNotFound);
    }
    Ok(repo::load_app(state, app_id)
        .await?
        .ok_or(Error::AppNotFound)?
        .0)
}

/// `GET /apps/{appId}/.well-known/openid-configuration`.
pub async fn discovery(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<Reply> {
    let app = app(state, app_id).await?;
    let issuer = app.issuer(&ctx.base_url);
    Ok(Reply::Json(serde_json::json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "claims_supported": ["iss", "sub", "aud", "iat", "exp", "email"],
    })))
}

/// `GET /apps/{appId}/.well-known/jwks.json`: current and previous keys.
pub async fn jwks(state: &AppState, app_id: &str) -> Result<Reply> {
    let app = app(state, app_id).await?;
    let keys: Vec<_> = app.public_keys.iter().map(|k| k.jwk()).collect();
    Ok(Reply::Json(serde_json::json!({ "keys": keys })))
}

/// `GET /apps/{appId}/public-key.pem`: the current key, for consumers that take a PEM.
pub async fn public_key_pem(state: &AppState, app_id: &str) -> Result<Reply> {
    let app = app(state, app_id).await?;
    let key = app
        .public_keys
        .first()
        .ok_or_else(|| Error::Internal("app without keys".into()))?;
    Ok(Reply::Text("application/x-pem-file", key.pem.clone()))
}
