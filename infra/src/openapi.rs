//! The OpenAPI 3.1 document of every route, served at `GET /openapi.json`: the OpenAPI part of
//! each route crate's descriptor in [`crate::FUNCTIONS`] (its handlers' `#[utoipa::path]`s),
//! merged over the wire conventions
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
use keyturn::http::Route;
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
                       {code, message}; see docs/api.md for the codes."
    ),
    components(schemas(ErrorBody))
)]
struct Base;

/// Each function's part of the document, in the order of [`crate::FUNCTIONS`], taken from it by
/// the compiler: reading the list at run time would hold every function's router too, and link
/// the whole end-user API into the admin bootstrap that serves the document.
const PARTS: [fn() -> utoipa::openapi::OpenApi; crate::FUNCTIONS.len()] = {
    let mut parts = [Base::openapi as fn() -> utoipa::openapi::OpenApi; crate::FUNCTIONS.len()];
    let mut i = 0;
    while i < parts.len() {
        parts[i] = crate::FUNCTIONS[i].route.openapi;
        i += 1;
    }
    parts
};

/// The whole document (its own routes included), as served; public so the drift tests and
/// tools can read it without a server.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for part in PARTS {
        doc.merge(part());
    }
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

/// The admin function as its bootstrap serves it: the admin route crate's descriptor with
/// `GET /openapi.json` added to its routes and its part of the document. The document needs
/// every route crate, which only this crate sees, and serving it from the admin bootstrap keeps
/// the document's code out of the end-user one (the route is public, like the issuer
/// documents, and touches nothing in AWS, so the admin function needs no new permission).
pub const ADMIN: Route = Route {
    router: admin_and_document,
    openapi: admin_and_document_part,
    ..keyturn_fn_admin::ROUTE
};

fn admin_and_document() -> Router<AppState> {
    (keyturn_fn_admin::ROUTE.router)().merge(Router::new().route("/openapi.json", get(serve)))
}

fn admin_and_document_part() -> utoipa::openapi::OpenApi {
    let mut part = (keyturn_fn_admin::ROUTE.openapi)();
    part.merge(Own::openapi());
    part
}
