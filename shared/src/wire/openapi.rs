//! The wire's part of the OpenAPI 3.1 document (`GET /openapi.json`) that belongs to no one
//! body: the error body, the exact body `true`, the auth schemes, the end-user requests' schemas
//! from their wire fields, and [`WireConventions`], which writes down what is true of every
//! route once (every end-user body may be JSON or a form; every route may answer the error body)
//! instead of on each handler. The bodies' own schemas are derived from the wire types that
//! write and read them ([`super::end_user`], [`super::issuer`], [`super::admin`],
//! [`super::records`]).
//!
//! Each handler carries its own `#[utoipa::path]` and each function crate exports a `Doc`; the
//! `keyturn` binary merges them (`keyturn_infra::openapi`) and a drift test checks that every
//! registered route is documented and every documented route registered.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, PartialSchema, ToSchema};

/// Media type of every end-user body besides JSON (the Swift SDK's, Node `querystring` rules).
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The JSON media type.
pub const JSON: &str = "application/json";

/// Security scheme names, as handlers' `security(...)` refer to them.
pub mod auth {
    /// `app-token` header (or `?appToken=` on email links).
    pub const APP: &str = "app_token";
    /// `access-token` header (a user's session).
    pub const ACCESS: &str = "access_token";
    /// `Authorization: Bearer <admin key>`.
    pub const ADMIN: &str = "admin_key";
}

/// The error body every route may answer, with HTTP 400 (Cosync codes), 401, 403, 404, 413,
/// 429, 500 or 503.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// The numeric code clients switch on (README: codes).
    code: u16,
    /// A human-readable message.
    message: String,
}

impl From<crate::error::WireError> for ErrorBody {
    fn from(wire: crate::error::WireError) -> Self {
        Self {
            code: wire.code,
            message: wire.message,
        }
    }
}

/// The exact body `true`: what a step with nothing to return answers, because the Swift client
/// compares the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct True;

impl Serialize for True {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl PartialSchema for True {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true]))
            .description(Some("the exact body `true`"))
            .into()
    }
}

impl ToSchema for True {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("True")
    }
}

/// How a wire field of an end-user request is read (see `from_fields!` in [`super::input`]).
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// A scalar, 403 when absent.
    Required,
    /// An optional scalar.
    Text,
    /// `metaData`: a JSON object, or a string holding one.
    Object,
    /// A passkey's `credential`: a required JSON object, or a string holding one.
    RequiredObject,
}

/// The schema of an end-user request from its wire fields: every field a string (numbers and
/// booleans are read as their text), `metaData` a JSON object or a string holding one.
pub fn fields_schema(fields: &[(&str, FieldKind)]) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    for (name, kind) in fields {
        let property = match kind {
            FieldKind::Object | FieldKind::RequiredObject => ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "a JSON object, as a string (an object in a JSON body)",
                )),
            // Passwords are the client's MD5 (anything else is 602).
            _ if name.ends_with("assword") => ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9a-f]{32}$"))
                .description(Some("the client's lower-case hex MD5 of the password")),
            FieldKind::Required | FieldKind::Text => ObjectBuilder::new().schema_type(Type::String),
        };
        object = object.property(*name, property);
        if matches!(kind, FieldKind::Required | FieldKind::RequiredObject) {
            object = object.required(*name);
        }
    }
    object.into()
}

/// What is true of every route, written once: the security schemes, the form encoding of every
/// end-user body, the error body as every operation's `default` answer, and `allOf`s folded into
/// plain objects (a flattened record with `deny_unknown_fields` would otherwise forbid the
/// fields beside it).
pub struct WireConventions;

impl Modify for WireConventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            auth::APP,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "app-token",
                "the app token (`GET /admin/apps/{appId}` shows it); email links carry it as \
                 `?appToken=`",
            ))),
        );
        components.add_security_scheme(
            auth::ACCESS,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "access-token",
                "a user's session, from login or signup",
            ))),
        );
        components.add_security_scheme(
            auth::ADMIN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the admin API key"))
                    .build(),
            ),
        );
        fold_all_of(components);
        let error = ResponseBuilder::new()
            .description(
                "an error: `{code, message}` with HTTP 400 (Cosync codes), 401, 403, 404, 413, \
                 429 (with `Retry-After`), 500 or 503 (the store is shedding load; with \
                 `Retry-After`)",
            )
            .content(
                JSON,
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Error",
                    ))))
                    .build(),
            )
            .build();
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                // Handler names repeat across crates (`handle`, `create`): the id is the route.
                operation.operation_id = Some(operation_id(method, path));
                operation
                    .responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| RefOr::T(error.clone()));
                if path.starts_with("/api/appuser/")
                    && let Some(body) = operation.request_body.as_mut()
                    && let Some(json) = body.content.get(JSON).cloned()
                {
                    body.content.entry(FORM.into()).or_insert(json);
                }
            }
        }
    }
}

/// A unique id from the route: `postLogin`, `getAdminAppsAppIdUsers`, `getRoot`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    let segments = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty() && *s != "api" && *s != "appuser");
    let mut any = false;
    for segment in segments {
        any = true;
        let mut chars = segment.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.push_str(chars.as_str());
        }
    }
    if !any {
        id.push_str("Root");
    }
    id
}

/// Replaces each component that is an `allOf` of objects (a `#[serde(flatten)]`) by one object
/// with all their properties.
fn fold_all_of(components: &mut utoipa::openapi::Components) {
    let snapshot = components.schemas.clone();
    let resolve = |schema: &RefOr<Schema>| -> Option<Object> {
        match schema {
            RefOr::T(Schema::Object(o)) => Some(o.clone()),
            RefOr::Ref(r) => {
                match snapshot.get(r.ref_location.trim_start_matches("#/components/schemas/")) {
                    Some(RefOr::T(Schema::Object(o))) => Some(o.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        let mut folded = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(all.description.clone())
            .build();
        for part in &all.items {
            if let Some(o) = resolve(part) {
                folded.properties.extend(o.properties);
                folded.required.extend(o.required);
            }
        }
        *schema = RefOr::T(Schema::Object(folded));
    }
}
