//! The admin API for developers, behind `Authorization: Bearer <admin key>`:
//! apps (`/admin/apps`, `/admin/apps/{appId}`), their invites, users and message templates.
//! Every handler takes an [`Admin`] proof, so no route can forget the key check.

mod apps;
mod invites;
mod templates;
mod users;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use keyturn::AppState;
use keyturn::domain::admin;
use keyturn::wire::WireRequest;

/// Proof that the request carries the admin key (extracted before the body is read). Wrong keys
/// count per client address (API Gateway's `sourceIp` or the socket peer, never a header).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = keyturn::Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let client = keyturn::wire::request::client_address(parts);
        admin::authorize(state, bearer, &client).await?;
        Ok(Admin)
    }
}

/// The admin wire request: context, query fields and the raw JSON body (settings are nested
/// JSON, not the end-user API's scalar fields).
pub struct AdminRequest {
    context: keyturn::domain::context::RequestContext,
    query: keyturn::wire::Fields,
    body: Bytes,
}

impl FromRequest<AppState> for AdminRequest {
    type Rejection = keyturn::Error;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        // Decode the context and query like every other door; the body is read here, raw.
        parts.method = axum::http::Method::GET;
        let head = axum::extract::Request::from_parts(parts, axum::body::Body::empty());
        let wire = WireRequest::from_request(head, state).await?;
        let body = axum::body::to_bytes(body, keyturn::wire::request::BODY_LIMIT_BYTES)
            .await
            .map_err(|_| keyturn::Error::BodyTooLarge)?;
        Ok(Self {
            context: wire.context,
            query: wire.fields,
            body,
        })
    }
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(apps::router())
        .merge(invites::router())
        .merge(users::router())
        .merge(templates::router())
}
