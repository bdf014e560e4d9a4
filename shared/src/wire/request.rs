//! The [`WireRequest`] extractor: one decoding of headers, query and body shared by every route.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderMap, Method, header};

use super::body::Fields;
use crate::AppState;
use crate::domain::RequestContext;
use crate::domain::auth::Credentials;
use crate::error::Error;

/// Bodies above this size are refused with 616 before they are parsed (the original's limit).
pub const BODY_LIMIT_BYTES: usize = 100 * 1024;

/// A decoded end-user request: fields, credentials and the request context.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// Body fields (POST) or query fields (GET).
    pub fields: Fields,
    /// Token carriers.
    pub credentials: Credentials,
    /// Base URL and client address, built once per request.
    pub context: RequestContext,
}

/// The client's address, for per-address limits: API Gateway's `sourceIp` in Lambda, the peer
/// address locally (never a client-supplied header, which would make limits bypassable).
fn client_ip(parts: &axum::http::request::Parts) -> String {
    use lambda_http::request::RequestContext;
    match parts.extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            if let Some(ip) = &ctx.http.source_ip {
                return ip.clone();
            }
        }
        Some(RequestContext::ApiGatewayV1(ctx)) => {
            if let Some(ip) = &ctx.identity.source_ip {
                return ip.clone();
            }
        }
        _ => {}
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn origin_of(headers: &HeaderMap) -> String {
    let host = header_text(headers, "x-forwarded-host")
        .or_else(|| header_text(headers, header::HOST.as_str()))
        .unwrap_or_else(|| "localhost".to_owned());
    let local =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let scheme = header_text(headers, "x-forwarded-proto")
        .unwrap_or_else(|| if local { "http" } else { "https" }.to_owned());
    format!("{scheme}://{host}")
}

/// The request context: the configured public URL, else the `scheme://host` the client used
/// (for links and issuer URLs), and the client's address.
impl FromRequestParts<AppState> for RequestContext {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(context(parts, state))
    }
}

fn context(parts: &axum::http::request::Parts, state: &AppState) -> RequestContext {
    RequestContext {
        base_url: state.base_url(&origin_of(&parts.headers)),
        client_ip: client_ip(parts),
    }
}

impl FromRequest<AppState> for WireRequest {
    type Rejection = Error;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
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
            fields.merge_missing(query.clone());
        }
        let credentials = Credentials {
            app_token: header_text(&parts.headers, "app-token")
                .or_else(|| query.text("appToken").ok().flatten()),
            access_token: header_text(&parts.headers, "access-token"),
        };
        Ok(WireRequest {
            fields,
            credentials,
            context: context(&parts, state),
        })
    }
}
