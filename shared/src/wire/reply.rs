//! Replies: the one place where use-case results become success bodies in the original's shapes,
//! and where an [`Error`] becomes an HTTP response. A handler returns `Result<Reply>`, built with
//! `.into()` from the use case's result. Every JSON body goes through a wire type (in
//! [`super::end_user`], [`super::issuer`] and [`super::admin`]) built `From` that result: the
//! type writes the JSON and, derived from the same fields, its schema in `/openapi.json`, so the
//! two cannot disagree.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::admin::apps::{AppDeletion, AppPage, AppView};
use super::admin::audit::AuditPage;
use super::admin::doctor::DoctorPage;
use super::admin::import::ImportReply;
use super::admin::invites::{InvitePage, InviteView, Revoked};
use super::admin::keys::{KeysView, RotatedAppToken};
use super::admin::templates::TemplateView;
use super::admin::twilio::TwilioSet;
use super::admin::users::{UserDetail, UserPage, UserView};
use super::end_user::{
    Availability, GoogleReply, Health, LoginReply, Profile, PublicApp, Session, SignupReply,
};
use super::issuer::{Discovery, Jwks};
use super::openapi::ErrorBody;
use crate::domain::admin::delete_app::Deletion;
use crate::domain::admin::{
    app_token, apps, doctor, import, invites, signing_keys, templates, users,
};
use crate::domain::apps::issuer::{self, Pem};
use crate::domain::audit::AuditEntry;
use crate::domain::common::html::HtmlPage;
use crate::domain::common::paging::Page;
use crate::domain::common::session;
use crate::domain::factors::switch::GoogleEnabled;
use crate::domain::invites::rules::Invite;
use crate::domain::login::password::LoggedIn;
use crate::domain::profile::{details, user_name};
use crate::domain::records::app::{App, TwilioInfo};
use crate::domain::records::user::User;
use crate::domain::signup::self_service::{Completed, SignedUp};
use crate::error::Error;

const JSON: &str = "application/json; charset=UTF-8";

/// A successful result as the Cosync clients expect it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The exact 4-byte body `true` (Swift compares the text).
    True,
    /// A JSON body with the original key names, written by a wire type.
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
        let (ctype, extra): (_, &[_]) = match &self {
            Reply::True | Reply::Json(_) | Reply::Accepted(_) => (JSON, &[]),
            Reply::Secret(_) => (JSON, &SECRET_HEADERS),
            Reply::Html(_) => ("text/html; charset=UTF-8", &HTML_SECURITY_HEADERS),
            Reply::Text(t, _) => (*t, &[]),
        };
        let mut resp = (status, [(header::CONTENT_TYPE, ctype)], self.text()).into_response();
        for (name, value) in extra {
            resp.headers_mut()
                .insert(name.clone(), HeaderValue::from_static(value));
        }
        resp
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
        let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Reply::json(&ErrorBody::from(wire));
        let mut resp = (status, [(header::CONTENT_TYPE, JSON)], body.text()).into_response();
        if let Error::RateLimited { retry_after_secs } | Error::Unavailable { retry_after_secs } =
            self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl Reply {
    /// The JSON of a wire type (every one serialises: string keys only).
    fn json(value: &impl Serialize) -> Self {
        Reply::Json(serde_json::to_value(value).unwrap_or_default())
    }

    /// [`Reply::json`] for a value that carries a token or secret ([`Reply::Secret`]).
    fn secret(value: &impl Serialize) -> Self {
        Reply::Secret(serde_json::to_value(value).unwrap_or_default())
    }

    /// The body's text, as sent.
    fn text(self) -> String {
        match self {
            Reply::True => "true".to_owned(),
            Reply::Json(v) | Reply::Accepted(v) | Reply::Secret(v) => v.to_string(),
            Reply::Html(h) | Reply::Text(_, h) => h,
        }
    }
}

/// A step with nothing to return answers the exact body `true`.
impl From<()> for Reply {
    fn from((): ()) -> Self {
        Reply::True
    }
}

/// `{"jwt", "access-token"}`, the original's key names: a bearer token, never cached.
impl From<session::Session> for Reply {
    fn from(s: session::Session) -> Self {
        Reply::secret(&Session::from(s))
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

/// `200 {"deleted": true}` when the app is gone; `202 {"deleted": false, "remaining": {...}}`
/// when another `DELETE` must continue.
impl From<Deletion> for Reply {
    fn from(d: Deletion) -> Self {
        let body = AppDeletion::from(d);
        match Reply::json(&body) {
            Reply::Json(v) if body.continues() => Reply::Accepted(v),
            reply => reply,
        }
    }
}

/// The health check's one answer.
impl From<Health> for Reply {
    fn from(health: Health) -> Self {
        Reply::json(&health)
    }
}

/// Each use case's result and the wire type that shows it: the JSON is that type's.
macro_rules! json_replies {
    ($($result:ty => $wire:ty),* $(,)?) => {$(
        impl From<$result> for Reply {
            fn from(value: $result) -> Self {
                Reply::json(&<$wire>::from(value))
            }
        }
    )*};
}

/// The same for results that carry a bearer token (a session, a login token, an app token) or
/// a second factor's secret: sent as [`Reply::Secret`], never cached.
macro_rules! secret_replies {
    ($($result:ty => $wire:ty),* $(,)?) => {$(
        impl From<$result> for Reply {
            fn from(value: $result) -> Self {
                Reply::secret(&<$wire>::from(value))
            }
        }
    )*};
}

secret_replies! {
    LoggedIn => LoginReply,
    SignedUp => SignupReply,
    Option<GoogleEnabled> => GoogleReply,
    apps::AppDetails => AppView,
    app_token::RotatedAppToken => RotatedAppToken,
    crate::domain::admin::import::cosync_app::CreatedCosyncApp => super::admin::cosync_app::CosyncAppReply,
}

json_replies! {
    App => PublicApp,
    details::Profile => Profile,
    user_name::Availability => Availability,
    issuer::Discovery => Discovery,
    issuer::Jwks => Jwks,
    Page<App> => AppPage,
    User => UserView,
    users::UserDetail => UserDetail,
    Page<User> => UserPage,
    Invite => InviteView,
    Page<Invite> => InvitePage,
    invites::Revoked => Revoked,
    Page<AuditEntry> => AuditPage,
    templates::TemplateView => TemplateView,
    signing_keys::KeysView => KeysView,
    TwilioInfo => TwilioSet,
    import::ImportReport => ImportReply,
    doctor::Checkup => DoctorPage,
    crate::domain::passkeys::options::Options => super::passkeys::PasskeyOptions,
    crate::domain::records::passkey::Passkey => super::passkeys::PasskeyView,
    crate::domain::passkeys::manage::Listing => super::passkeys::PasskeyList,
}
