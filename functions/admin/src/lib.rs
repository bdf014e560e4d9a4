//! The admin API for developers, behind `Authorization: Bearer <admin key>`:
//! apps (`/admin/apps`, `/admin/apps/{appId}`), their invites, users and message templates, and
//! the CosyncJWT import (`/admin/apps/{appId}/import/cosync`, and `/admin/import/cosync/app` for
//! the app itself), the table checker (`/admin/doctor`, `/admin/apps/{appId}/doctor`), and the
//! developer console (`/admin/console`), a static page that asks for the key and calls these
//! routes. Every API handler takes an [`Admin`] proof, so no route can forget the key check (the
//! console's files are the exception: public, the same for everyone, holding no data); bodies arrive
//! through [`Body`] as the wire layer's request types, which convert into the domain's.

mod apps;
mod audit;
mod console;
mod cosync_app;
mod doctor;
mod import;
mod invites;
mod keys;
mod templates;
mod two_factor;
mod users;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use keyturn::AppState;
use keyturn::domain::RequestContext;
use keyturn::domain::admin;
use keyturn::domain::common::paging::PageRequest;
use keyturn::http::Route;
use keyturn::wire::Fields;
use keyturn::wire::admin::apps::AppRequest;
use keyturn::wire::admin::invites::AdminInviteRequest;
use keyturn::wire::records::Template;
use keyturn::wire::request::BODY_LIMIT_BYTES;
use serde::de::DeserializeOwned;

/// Proof that the request carries the admin key (extracted before the body is read), with the
/// state and the request context: `Admin(state, ctx)`. Wrong keys count per client address
/// (API Gateway's `sourceIp` or the socket peer, never a header), and are recorded in the
/// trail of the app the route names (`{app_id}`), by declared route, never by raw path.
pub struct Admin(pub AppState, pub RequestContext);

impl FromRequestParts<AppState> for Admin {
    type Rejection = keyturn::Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = RequestContext::from_request_parts(parts, state).await?;
        let matched = keyturn::http::Matched::of(parts).await;
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let attempt = admin::Attempt {
            app_id: matched.param("app_id").map(str::to_owned),
            method: parts.method.as_str().to_owned(),
            route: matched.route,
        };
        admin::authorize(state, bearer, &ctx.client, &attempt).await?;
        let fingerprint = keyturn::domain::audit::admin_fingerprint(bearer.unwrap_or_default());
        Ok(Admin(state.clone(), ctx.with_admin_key(fingerprint)))
    }
}

/// A body the admin API accepts: a JSON object decoded into the wire's request type (whose
/// derived schema is the one the document shows).
pub trait AdminBody: DeserializeOwned {
    /// Whether an empty body stands for `{}` (app settings: nothing to set) rather than 602.
    const EMPTY_IS_OBJECT: bool = false;
}

impl AdminBody for AppRequest {
    const EMPTY_IS_OBJECT: bool = true;
}
impl AdminBody for AdminInviteRequest {}
impl AdminBody for Template {}
impl AdminBody for keyturn::wire::admin::import::ImportRequest {}

/// A JSON object body decoded into `T`; anything else is refused with the domain's 602 (616 when
/// over the size limit), like every other door's input.
pub struct Body<T>(pub T);

impl<T: AdminBody, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = keyturn::Error;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT_BYTES)
            .await
            .map_err(|_| keyturn::Error::BodyTooLarge)?;
        let value = if T::EMPTY_IS_OBJECT && bytes.iter().all(u8::is_ascii_whitespace) {
            serde_json::Value::Object(serde_json::Map::new())
        } else {
            match serde_json::from_slice(&bytes) {
                // Only an object: serde would also read a struct from an array of its fields.
                Ok(v @ serde_json::Value::Object(_)) => v,
                _ => return Err(keyturn::Error::invalid("body must be a JSON object")),
            }
        };
        serde_json::from_value(value)
            .map(Body)
            .map_err(|e| keyturn::Error::invalid(format!("body: {e}")))
    }
}

/// The query string's fields (Node `querystring` rules, as everywhere).
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = keyturn::Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Query(Fields::from_form(
            parts.uri.query().unwrap_or("").as_bytes(),
        )))
    }
}

impl Query {
    /// The page a listing asks for (`?limit=&cursor=`).
    fn page(&self) -> keyturn::Result<PageRequest> {
        Ok(PageRequest {
            limit: self.0.text("limit")?,
            cursor: self.0.text("cursor")?,
        })
    }
}

/// An app's id, from the path.
type AppId = axum::extract::Path<String>;

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "admin",
    router,
    openapi,
    hashes_passwords: false,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new()
        .merge(apps::router())
        .merge(invites::router())
        .merge(users::router())
        .merge(templates::router())
        .merge(two_factor::router())
        .merge(audit::router())
        .merge(keys::router())
        .merge(import::router())
        .merge(cosync_app::router())
        .merge(doctor::router())
        .merge(console::router())
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`): each module's `Doc`.
fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    let mut doc = apps::Doc::openapi();
    doc.merge(invites::Doc::openapi());
    doc.merge(users::Doc::openapi());
    doc.merge(templates::Doc::openapi());
    doc.merge(two_factor::Doc::openapi());
    doc.merge(audit::Doc::openapi());
    doc.merge(keys::Doc::openapi());
    doc.merge(import::Doc::openapi());
    doc.merge(cosync_app::Doc::openapi());
    doc.merge(doctor::Doc::openapi());
    doc
}
