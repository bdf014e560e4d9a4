//! CORS for browser clients, the local twin of the HTTP API's `CorsConfiguration` in
//! `template.yaml`: the same origins (`KEYTURN_CORS_ORIGINS` here, the `CorsAllowOrigins` stack
//! parameter there), methods, headers and max age, so a web client that works against
//! `keyturn serve` works against the deployed stack.
//!
//! A preflight carries no header values, so it cannot name an app: it is answered from the
//! deployment's list. Each app's `allowedOrigins` then decides the actual request (see
//! [`crate::domain::records::origins`]).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The methods browser clients use (the end-user API is `GET` and `POST` only). The admin API's
/// `PUT`, `PATCH` and `DELETE` are left out on purpose: the admin key has no place in a page.
pub const ALLOWED_METHODS: [Method; 2] = [Method::GET, Method::POST];

/// The request headers the client SDKs send. `authorization` (the admin key) is left out on
/// purpose, so no page can call the admin API.
pub const ALLOWED_HEADERS: [&str; 3] = ["app-token", "access-token", "content-type"];

/// Response headers a page may read besides the CORS-safelisted ones (rate-limit answers).
pub const EXPOSED_HEADERS: [HeaderName; 1] = [header::RETRY_AFTER];

/// How long a browser may cache a preflight answer.
pub const MAX_AGE: Duration = Duration::from_secs(600);

/// The CORS layer over `origins` (each already checked by
/// [`crate::domain::records::origins::check_list`]): preflights from a listed origin are answered with
/// the methods and headers above; answers to a listed origin carry
/// `Access-Control-Allow-Origin: <origin>` and `Vary: Origin`; any other origin gets no CORS
/// header, so the browser blocks the read.
pub fn layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(ALLOWED_METHODS)
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS)
        .max_age(MAX_AGE)
}
