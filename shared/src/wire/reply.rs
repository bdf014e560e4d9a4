//! Replies: the one place where use-case results become success bodies in the original's shapes,
//! and where an [`Error`] becomes an HTTP response. A handler returns `Result<Reply>`, built with
//! `.into()` from the use case's result.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::admin::app_token::RotatedAppToken;
use crate::domain::admin::apps::{AppSummary, AppView};
use crate::domain::admin::delete_app::Deletion;
use crate::domain::admin::invites::Revoked;
use crate::domain::admin::signing_keys::KeysView;
use crate::domain::admin::templates::TemplateView;
use crate::domain::admin::users::{UserDetail, UserView};
use crate::domain::apps::issuer::{Discovery, Jwks, Pem};
use crate::domain::audit::AuditEntry;
use crate::domain::common::html::HtmlPage;
use crate::domain::common::paging::Page;
use crate::domain::common::session::Session;
use crate::domain::factors::switch::GoogleEnabled;
use crate::domain::invites::rules::InviteView;
use crate::domain::login::password::LoggedIn;
use crate::domain::profile::details::Profile;
use crate::domain::profile::user_name::Availability;
use crate::domain::records::app::PublicApp;
use crate::domain::signup::self_service::{Completed, SignedUp};
use crate::error::Error;

const JSON: &str = "application/json; charset=UTF-8";

/// A successful result as the Cosync clients expect it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The exact 4-byte body `true` (Swift compares the text).
    True,
    /// A JSON object with the original key names.
    Json(serde_json::Value),
    /// A JSON object that carries a bearer token (a session, a login token, an app token) or a
    /// second factor's secret (the TOTP secret, recovery codes): sent with `Cache-Control:
    /// no-store` and `Pragma: no-cache`, as RFC 6749 §5.1 asks of token responses, so no
    /// shared cache, proxy or browser history keeps a copy for the next reader.
    Secret(serde_json::Value),
    /// An HTML page (the signup link landing and confirm pages).
    Html(String),
    /// A plain-text body with its media type (PEM keys).
    Text(&'static str, String),
    /// A JSON object with HTTP 202: accepted, more work remains (an app deletion in progress).
    Accepted(serde_json::Value),
}

/// Headers of a reply that carries a token or secret ([`Reply::Secret`]): `Pragma` for
/// HTTP/1.0 caches that ignore `Cache-Control`.
const SECRET_HEADERS: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::PRAGMA, "no-cache"),
];

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
        let status = match &self {
            Reply::Accepted(_) => StatusCode::ACCEPTED,
            _ => StatusCode::OK,
        };
        let (ctype, body, extra): (_, _, &[_]) = match self {
            Reply::True => (JSON, "true".to_owned(), &[]),
            Reply::Json(v) | Reply::Accepted(v) => (JSON, v.to_string(), &[]),
            Reply::Secret(v) => (JSON, v.to_string(), &SECRET_HEADERS),
            Reply::Html(h) => ("text/html; charset=UTF-8", h, &HTML_SECURITY_HEADERS),
            Reply::Text(t, b) => (t, b, &[]),
        };
        let mut resp = (status, [(header::CONTENT_TYPE, ctype)], body).into_response();
        for (name, value) in extra {
            resp.headers_mut()
                .insert(name.clone(), HeaderValue::from_static(value));
        }
        resp
    }
}

/// `setTwoFactorGoogleVerification`: the enrolment when enabling, `true` once disabled.
impl From<Option<GoogleEnabled>> for Reply {
    fn from(result: Option<GoogleEnabled>) -> Self {
        match result {
            Some(g) => Reply::Secret(serde_json::json!({
                "googleSecretKey": g.secret_base32,
                "QRDataImage": g.qr_data_url,
                "recoveryCodes": g.recovery_codes,
            })),
            None => Reply::True,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let wire = self.wire();
        match &self {
            // The detail goes to the log only; the client gets a generic 500.
            Error::Internal { .. } => tracing::error!(error = %self.report(), "internal error"),
            // One line naming the app, the attribute and the problem; the client sees only 630.
            Error::SettingsInvalid { .. } => tracing::error!(error = %self, "app settings invalid"),
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

impl Reply {
    /// A JSON object from a serialisable value (every value here serialises: string keys only).
    fn json(value: &impl Serialize) -> Self {
        Reply::Json(serde_json::to_value(value).unwrap_or_default())
    }

    /// [`Reply::json`] for a value that carries a token or secret ([`Reply::Secret`]).
    fn secret(value: &impl Serialize) -> Self {
        Reply::Secret(serde_json::to_value(value).unwrap_or_default())
    }
}

/// A step with nothing to return answers the exact body `true`.
impl From<()> for Reply {
    fn from((): ()) -> Self {
        Reply::True
    }
}

/// `login`: the session, or `{"login-token"}` when a second factor is due.
impl From<LoggedIn> for Reply {
    fn from(l: LoggedIn) -> Self {
        match l {
            LoggedIn::Session(s) => s.into(),
            LoggedIn::SecondFactor(t) => Reply::Secret(serde_json::json!({ "login-token": t.0 })),
        }
    }
}

/// `{"jwt", "access-token"}`, the original's key names.
impl From<Session> for Reply {
    fn from(s: Session) -> Self {
        Reply::Secret(serde_json::json!({ "jwt": s.jwt, "access-token": s.access_token }))
    }
}

impl From<SignedUp> for Reply {
    fn from(s: SignedUp) -> Self {
        match s {
            SignedUp::CodeSent => Reply::True,
            SignedUp::Session(s) => s.into(),
        }
    }
}

impl From<Completed> for Reply {
    fn from(c: Completed) -> Self {
        match c {
            Completed::Session(s) => s.into(),
            Completed::Landing(page) => page.into(),
        }
    }
}

impl From<HtmlPage> for Reply {
    fn from(page: HtmlPage) -> Self {
        Reply::Html(page.0)
    }
}

impl From<Pem> for Reply {
    fn from(pem: Pem) -> Self {
        Reply::Text("application/x-pem-file", pem.0)
    }
}

/// `{"users": [...], "cursor": <next page or null>}`.
impl From<Page<UserView>> for Reply {
    fn from(page: Page<UserView>) -> Self {
        Reply::json(&serde_json::json!({ "users": page.items, "cursor": page.cursor }))
    }
}

/// `{"invites": [...], "cursor": <next page or null>}`.
impl From<Page<InviteView>> for Reply {
    fn from(page: Page<InviteView>) -> Self {
        Reply::json(&serde_json::json!({ "invites": page.items, "cursor": page.cursor }))
    }
}

/// `{"entries": [...], "cursor": <next page or null>}`, newest first.
impl From<Page<AuditEntry>> for Reply {
    fn from(page: Page<AuditEntry>) -> Self {
        Reply::json(&serde_json::json!({ "entries": page.items, "cursor": page.cursor }))
    }
}

/// `{"apps": [...], "cursor": <next page or null>}`.
impl From<Page<AppSummary>> for Reply {
    fn from(page: Page<AppSummary>) -> Self {
        Reply::json(&serde_json::json!({ "apps": page.items, "cursor": page.cursor }))
    }
}

/// `200 {"deleted": true}` when the app is gone; `202 {"deleted": false, "remaining": {...}}`
/// when another `DELETE` must continue.
impl From<Deletion> for Reply {
    fn from(d: Deletion) -> Self {
        match d {
            Deletion::Done => Reply::Json(serde_json::json!({ "deleted": true })),
            Deletion::Remaining(r) => Reply::Accepted(
                serde_json::json!({ "deleted": false, "remaining": serde_json::to_value(&r).unwrap_or_default() }),
            ),
        }
    }
}

/// Results that are JSON objects as they are.
macro_rules! json_replies {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Reply {
            fn from(value: $t) -> Self {
                Reply::json(&value)
            }
        }
    )*};
}

json_replies!(
    PublicApp,
    Profile,
    Availability,
    Discovery,
    Jwks,
    UserView,
    UserDetail,
    InviteView,
    Revoked,
    TemplateView,
    KeysView,
);

/// An app as the admin API shows it: it carries the app token.
impl From<AppView> for Reply {
    fn from(view: AppView) -> Self {
        Reply::secret(&view)
    }
}

/// `{appToken, previousValidUntil}`: the new app token.
impl From<RotatedAppToken> for Reply {
    fn from(rotated: RotatedAppToken) -> Self {
        Reply::secret(&rotated)
    }
}
