//! Replies: success bodies in the original's shapes, and the one place an [`Error`] becomes an
//! HTTP response.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::Error;

const JSON: &str = "application/json; charset=UTF-8";

/// A successful result as the Cosync clients expect it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The exact 4-byte body `true` (Swift compares the text).
    True,
    /// A JSON object with the original key names.
    Json(serde_json::Value),
    /// An HTML page (the signup link landing and confirm pages).
    Html(String),
    /// A plain-text body with its media type (PEM keys).
    Text(&'static str, String),
}

/// Headers every HTML page carries. The confirm page's URL holds a code and an app token, and
/// pages show a user's handle, so: no script, style, image or frame source at all
/// (`default-src 'none'`; the pages are self-contained), forms may post only back to us, no
/// framing (clickjacking the confirm button), no `Referer` carrying the URL to another site, and
/// no copy in a shared cache or the browser's history cache.
pub const HTML_SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; form-action 'self'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
];

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let (ctype, body, html) = match self {
            Reply::True => (JSON, "true".to_owned(), false),
            Reply::Json(v) => (JSON, v.to_string(), false),
            Reply::Html(h) => ("text/html; charset=UTF-8", h, true),
            Reply::Text(t, b) => (t, b, false),
        };
        let mut resp = ([(header::CONTENT_TYPE, ctype)], body).into_response();
        if html {
            for (name, value) in HTML_SECURITY_HEADERS {
                resp.headers_mut()
                    .insert(name, HeaderValue::from_static(value));
            }
        }
        resp
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let wire = self.wire();
        match &self {
            // The detail goes to the log only; the client gets a generic 500.
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            other => tracing::info!(code = wire.code, error = %other, "request refused"),
        }
        let body = serde_json::json!({ "code": wire.code, "message": wire.message });
        let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, [(header::CONTENT_TYPE, JSON)], body.to_string()).into_response();
        if let Error::RateLimited { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Maps a use case's outcome to the wire.
pub fn respond(result: crate::Result<Reply>) -> Response {
    match result {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    }
}
