//! `GET /admin/console` and `GET /admin/console/{file}`: the developer console, one static page
//! with its ES modules and style sheet, compiled into the binary (`include_str!`), so the admin
//! function and `keyturn serve` serve it from the admin API's own origin with no build step and
//! no bucket. Same origin is required anyway: CORS refuses `authorization` from every other
//! origin ([docs/api.md](../../../docs/api.md#cors)).
//!
//! These routes take no admin key (the page asks for it) and reveal nothing: the files are the
//! same for everyone and hold no data; every value the page shows comes from the admin API,
//! behind the key. They are not API, so the OpenAPI document leaves them out.
//! Their responses are built here, not by `wire`'s reply mapping: a fixed file is no use case's
//! result, and its headers belong to the page, not to the API's conventions.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use keyturn::AppState;

/// The console's files by name, with their media types. A fixed table rather than a directory
/// walk: nothing outside it can be named, so a path can never reach another file.
const FILES: [(&str, &str, &str); 11] = [
    (
        "console.js",
        JAVASCRIPT,
        include_str!("../console/console.js"),
    ),
    ("api.js", JAVASCRIPT, include_str!("../console/api.js")),
    ("dom.js", JAVASCRIPT, include_str!("../console/dom.js")),
    ("apps.js", JAVASCRIPT, include_str!("../console/apps.js")),
    ("jwt.js", JAVASCRIPT, include_str!("../console/jwt.js")),
    ("users.js", JAVASCRIPT, include_str!("../console/users.js")),
    (
        "invites.js",
        JAVASCRIPT,
        include_str!("../console/invites.js"),
    ),
    ("keys.js", JAVASCRIPT, include_str!("../console/keys.js")),
    (
        "templates.js",
        JAVASCRIPT,
        include_str!("../console/templates.js"),
    ),
    ("audit.js", JAVASCRIPT, include_str!("../console/audit.js")),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../console/console.css"),
    ),
];

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The page itself.
const PAGE: &str = include_str!("../console/index.html");

/// Headers of every console file. The page holds the admin key in memory, so: scripts, styles
/// and requests only from this origin (no inline script, no `eval`, so an API value that slipped
/// into the DOM as markup still could not run), images only from here or `data:`, no framing
/// (clickjacking a delete button) by CSP and by `X-Frame-Options` for older browsers, no form
/// posts anywhere (the page sends `fetch` requests only), no `Referer` to other sites, no copy in
/// any cache, and no type sniffing of the scripts.
const HEADERS: [(header::HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self' data:; frame-ancestors 'none'; form-action 'none'",
    ),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

fn file(ctype: &'static str, body: &'static str) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, ctype)], body).into_response();
    for (name, value) in &HEADERS {
        resp.headers_mut()
            .insert(name.clone(), HeaderValue::from_static(value));
    }
    resp
}

async fn page() -> Response {
    file("text/html; charset=utf-8", PAGE)
}

/// One of [`FILES`], or the JSON 618 every unknown route answers.
async fn asset(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, ctype, body)) => file(ctype, body),
        None => keyturn::Error::RouteNotFound.into_response(),
    }
}

pub(crate) fn router() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route("/admin/console", get(page))
        .route("/admin/console/{file}", get(asset))
}
