//! The OpenAPI 3.1 document of every route, served at `GET /openapi.json`: each function
//! crate's `openapi()` (its handlers' `#[utoipa::path]`s), merged over the wire conventions
//! ([`keyturn::wire::openapi::WireConventions`]). It is built from the code, and the drift test
//! (`tests/tests/e2e/openapi.rs`) fails when a registered route is missing from it or it names
//! a route nobody registers.
//!
//! In Lambda the `admin` function serves it (no new function, no new permission; the route
//! itself is public and touches nothing in AWS).

use std::sync::OnceLock;

use axum::Router;
use axum::routing::get;
use keyturn::AppState;
use keyturn::wire::Reply;
use keyturn::wire::openapi::{ErrorBody, WireConventions};
use utoipa::OpenApi as _;

/// The document's own part: title, the error schema and the conventions every route shares.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Keyturn",
        description = "Identity provider speaking the CosyncJWT client protocol: end-user routes \
                       under /api/appuser (JSON or form bodies), per-app issuer documents, and \
                       the admin API (Authorization: Bearer <admin key>). Every error is \
                       {code, message}; see the README for the codes."
    ),
    components(schemas(ErrorBody))
)]
struct Base;

/// What each function crate exports: its part of the document.
pub type DocFn = fn() -> utoipa::openapi::OpenApi;

/// Every function's part of the document, by the name of its Lambda (as in [`crate::functions`]).
pub const DOCS: &[(&str, DocFn)] = &[
    ("get-application", keyturn_fn_get_application::openapi),
    ("signup", keyturn_fn_signup::openapi),
    ("complete-signup", keyturn_fn_complete_signup::openapi),
    ("login", keyturn_fn_login::openapi),
    ("issuer", keyturn_fn_issuer::openapi),
    ("invite", keyturn_fn_invite::openapi),
    ("register", keyturn_fn_register::openapi),
    ("revoke-invite", keyturn_fn_revoke_invite::openapi),
    ("forgot-password", keyturn_fn_forgot_password::openapi),
    ("reset-password", keyturn_fn_reset_password::openapi),
    ("change-password", keyturn_fn_change_password::openapi),
    ("delete-account", keyturn_fn_delete_account::openapi),
    ("get-user", keyturn_fn_get_user::openapi),
    ("set-user-metadata", keyturn_fn_set_user_metadata::openapi),
    ("set-locale", keyturn_fn_set_locale::openapi),
    ("set-user-name", keyturn_fn_set_user_name::openapi),
    (
        "user-name-available",
        keyturn_fn_user_name_available::openapi,
    ),
    ("login-anonymous", keyturn_fn_login_anonymous::openapi),
    ("login-complete", keyturn_fn_login_complete::openapi),
    ("set-phone", keyturn_fn_set_phone::openapi),
    ("verify-phone", keyturn_fn_verify_phone::openapi),
    (
        "set-two-factor-google-verification",
        keyturn_fn_set_two_factor_google_verification::openapi,
    ),
    (
        "set-two-factor-phone-verification",
        keyturn_fn_set_two_factor_phone_verification::openapi,
    ),
    ("admin", keyturn_fn_admin::openapi),
];

/// The whole document (its own routes included), as served.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for (_, part) in DOCS {
        doc.merge(part());
    }
    doc.merge(Own::openapi());
    // Once every path is in: the conventions apply to all of them.
    utoipa::Modify::modify(&WireConventions, &mut doc);
    doc
}

/// `GET /openapi.json`: this document.
#[utoipa::path(get, path = "/openapi.json", tag = "service", responses((status = 200, description = "this OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
async fn serve() -> Reply {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    Reply::Json(
        DOC.get_or_init(|| serde_json::to_value(document()).unwrap_or_default())
            .clone(),
    )
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(serve))]
struct Own;

/// The route serving the document.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

/// The `admin` function's routes plus `/openapi.json` (its entry in the dispatch table: the
/// document needs every function crate, which only this crate sees, and serving it from the
/// admin bootstrap keeps the document's code out of the end-user one).
pub fn admin_and_document() -> Router<AppState> {
    keyturn_fn_admin::router().merge(router())
}
