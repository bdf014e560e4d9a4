//! The per-app issuer: `GET /apps/{appId}/.well-known/openid-configuration`,
//! `/.well-known/jwks.json` and `/public-key.pem`.

use axum::extract::{Path, State};
use keyturn::AppState;
use keyturn::domain::RequestContext;
use keyturn::domain::apps::issuer;
use keyturn::wire::Reply;

#[utoipa::path(get, path = "/apps/{appId}/.well-known/openid-configuration", tag = "issuer", params(("appId" = String, Path)), responses((status = 200, description = "the OpenID discovery document", body = keyturn::wire::issuer::Discovery)))]
async fn discovery(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    ctx: RequestContext,
) -> keyturn::Result<Reply> {
    Ok(issuer::discovery(&state, &app_id, &ctx).await?.into())
}

#[utoipa::path(get, path = "/apps/{appId}/.well-known/jwks.json", tag = "issuer", params(("appId" = String, Path)), responses((status = 200, description = "current and previous keys", body = keyturn::wire::issuer::Jwks)))]
async fn jwks(State(state): State<AppState>, Path(app_id): Path<String>) -> keyturn::Result<Reply> {
    Ok(issuer::jwks(&state, &app_id).await?.into())
}

#[utoipa::path(get, path = "/apps/{appId}/public-key.pem", tag = "issuer", params(("appId" = String, Path)), responses((status = 200, description = "the current public key", content_type = "application/x-pem-file", body = String)))]
async fn pem(State(state): State<AppState>, Path(app_id): Path<String>) -> keyturn::Result<Reply> {
    Ok(issuer::public_key_pem(&state, &app_id).await?.into())
}

keyturn::route_crate!("issuer", hashes_passwords: false,
    "/apps/{app_id}/.well-known/openid-configuration" => get(discovery),
    "/apps/{app_id}/.well-known/jwks.json" => get(jwks),
    "/apps/{app_id}/public-key.pem" => get(pem));
