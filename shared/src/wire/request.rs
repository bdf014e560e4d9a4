//! The [`WireRequest`] extractor: one decoding of headers, query and body shared by every route.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderMap, Method, header};

use super::body::Fields;
use crate::domain::ports::AppState;
use crate::domain::records::context::Credentials;
use crate::domain::records::context::{ClientAddress, RequestContext};
use crate::error::{Error, Result};

/// Bodies above this size are refused with 616 before they are parsed (the original's limit).
pub const BODY_LIMIT_BYTES: usize = 100 * 1024;

/// Which token carriers and browser origins a route takes: chosen once per route by the
/// extractor its handler names ([`super::Call`] or [`super::MailLinkCall`]), so no handler reads
/// a token or a header by hand.
///
/// A web page can make its visitors' browsers post a form anywhere, but it cannot set a header
/// on it, and with a sandboxed frame or `Referrer-Policy: no-referrer` the browser sends
/// `Origin: null`. Were the query token and `null` accepted everywhere, any page could drive
/// signup, login, forgotPassword, loginAnonymous and register from its visitors' addresses
/// (spreading past every per-address limit), however the app set `allowedOrigins`. Only the
/// signup mail link needs them: the email carries the app token in its URL, and the confirm
/// page posts back under `no-referrer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Every route but the mail link's: tokens only in the `app-token` and `access-token`
    /// headers, and `Origin: null` is an origin like any other, which no app can list (619).
    Headers,
    /// `completeSignup` (the email link's GET confirm page and its POST): the app token may also
    /// come from `?appToken=`, and `Origin: null` counts as no origin. A page driving it learns
    /// nothing and gains nothing without the mailed code, whose tries are bounded per handle.
    MailLink,
}

/// A decoded end-user request: fields and the request's context (credentials included).
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// Body fields (POST) or query fields (GET).
    pub fields: Fields,
    /// Base URL and client address, from trusted sources only (see [`RequestContext`]).
    pub context: RequestContext,
}

/// The client's address: API Gateway's `sourceIp` in Lambda, the socket peer locally; never a
/// client-supplied header such as `X-Forwarded-For`, which would make limits bypassable.
pub fn client_address(parts: &axum::http::request::Parts) -> ClientAddress {
    use lambda_http::request::RequestContext as Gateway;
    let from_gateway = match parts.extensions.get::<Gateway>() {
        Some(Gateway::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        Some(Gateway::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        _ => None,
    };
    match from_gateway {
        Some(ip) => ClientAddress::from_ip_text(Some(&ip)),
        None => match parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            Some(peer) => ClientAddress::from_ip(peer.0.ip()),
            None => ClientAddress::from_ip_text(None),
        },
    }
}

/// The base URL links and issuers are built on: the configured public URL; else, in Lambda, API
/// Gateway's own `domainName` (and a named stage); else the local default. Never `Host` or
/// `X-Forwarded-*`: a client could point email links and the JWT issuer at its own domain.
fn base_url(parts: &axum::http::request::Parts, state: &AppState) -> String {
    use lambda_http::request::RequestContext as Gateway;
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let (domain, stage) = match parts.extensions.get::<Gateway>() {
        Some(Gateway::ApiGatewayV2(ctx)) => (ctx.domain_name.clone(), ctx.stage.clone()),
        Some(Gateway::ApiGatewayV1(ctx)) => (ctx.domain_name.clone(), ctx.stage.clone()),
        _ => (None, None),
    };
    match domain.filter(|d| !d.is_empty()) {
        Some(domain) => match stage.filter(|s| !s.is_empty() && s != "$default") {
            Some(stage) => format!("https://{domain}/{stage}"),
            None => format!("https://{domain}"),
        },
        None => crate::domain::ports::LOCAL_BASE_URL.to_owned(),
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The request's context: what a route that reads no fields (the issuer, the admin API) needs.
impl FromRequestParts<AppState> for RequestContext {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(context(parts, state, Door::Headers))
    }
}

/// The token carriers: the `app-token` header (on the mail link's door, else the `appToken`
/// query parameter) and the `access-token` header.
fn credentials(parts: &axum::http::request::Parts, door: Door) -> Credentials {
    let from_query = || match door {
        Door::MailLink => Fields::from_form(parts.uri.query().unwrap_or("").as_bytes())
            .text("appToken")
            .ok()
            .flatten(),
        Door::Headers => None,
    };
    Credentials {
        app_token: header_text(&parts.headers, "app-token").or_else(from_query),
        access_token: header_text(&parts.headers, "access-token"),
    }
}

/// The browser's `Origin`, as the door takes it (see [`Door`]).
fn origin(parts: &axum::http::request::Parts, door: Door) -> Option<String> {
    let origin = header_text(&parts.headers, header::ORIGIN.as_str());
    match door {
        Door::MailLink if origin.as_deref() == Some("null") => None,
        Door::MailLink | Door::Headers => origin,
    }
}

fn context(parts: &axum::http::request::Parts, state: &AppState, door: Door) -> RequestContext {
    RequestContext::new(base_url(parts, state), client_address(parts))
        .with_credentials(credentials(parts, door))
        .with_origin(origin(parts, door))
}

/// The fields and context of every end-user route, through the [`Door::Headers`] door.
impl FromRequest<AppState> for WireRequest {
    type Rejection = Error;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::read(req, state, Door::Headers).await
    }
}

impl WireRequest {
    /// Decodes `req` through `door`: the body (or a GET's query) into fields, the headers into
    /// the context.
    pub async fn read(req: axum::extract::Request, state: &AppState, door: Door) -> Result<Self> {
        let (parts, body) = req.into_parts();
        let declared = header_text(&parts.headers, header::CONTENT_LENGTH.as_str())
            .and_then(|l| l.parse::<usize>().ok());
        if declared.is_some_and(|l| l > BODY_LIMIT_BYTES) {
            return Err(Error::BodyTooLarge);
        }
        let bytes = axum::body::to_bytes(body, BODY_LIMIT_BYTES)
            .await
            .map_err(|_| Error::BodyTooLarge)?;
        let query = Fields::from_form(parts.uri.query().unwrap_or("").as_bytes());
        let content_type = header_text(&parts.headers, header::CONTENT_TYPE.as_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let looks_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        let mut fields = if content_type.starts_with("application/json") {
            Fields::from_json(&bytes)?
        } else if looks_json {
            // A JSON object sent with a form (or no) content type, as `curl -d '{…}'` does: no
            // form body of the protocol starts with `{`, so reading it as JSON is unambiguous.
            Fields::from_json(&bytes).unwrap_or_else(|_| Fields::from_form(&bytes))
        } else {
            Fields::from_form(&bytes)
        };
        if parts.method == Method::GET || parts.method == Method::HEAD {
            fields.merge_missing(query);
        }
        Ok(WireRequest {
            fields,
            context: context(&parts, state, door),
        })
    }
}
