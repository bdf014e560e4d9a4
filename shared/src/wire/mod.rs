//! The Cosync wire layer: how requests are decoded and replies encoded, identical
//! for every function and for the local runner.
//!
//! - [`body`]: JSON and `application/x-www-form-urlencoded` bodies (Node `querystring`
//!   semantics) decoded into scalar-only [`body::Fields`].
//! - [`request`]: the [`request::WireRequest`] extractor — fields, token carriers, size limit.
//! - [`input`]: fields to the domain's typed requests, and the [`input::Call`] extractor (with
//!   [`input::MailLinkCall`], its door for the signup mail link).
//! - [`reply`]: success bodies (`true`, objects, HTML) and the error body `{code, message}`.
//! - [`end_user`], [`issuer`], [`admin`], [`records`]: the typed bodies. Each derives its serde
//!   and its schema from the same fields, so `/openapi.json` describes exactly what is written
//!   and read; each is built `From` a domain value (or converted into a domain request), which
//!   keeps serde names and OpenAPI out of the domain.
//! - [`openapi`]: what the document says of every route at once (auth, the error body, the form
//!   encoding).

/// `From` one type for another that shows (or, for a request, receives) the same fields or
/// variants, each named once: `convert!(domain::X => X { a, b: With::from })`, or
/// `convert!(enum domain::E => E { A, B })`. The source is destructured without `..` (matched
/// without `_`), so a field or variant added on one side does not compile until the other says
/// what becomes of it. A field is moved as it is, or through the function named after it.
macro_rules! convert {
    (enum $($from:ident)::+ => $($to:ident)::+ { $($variant:ident),+ $(,)? }) => {
        impl From<$($from)::+> for $($to)::+ {
            fn from(value: $($from)::+) -> Self {
                use $($from)::+ as Source;
                match value {
                    $(Source::$variant => Self::$variant,)+
                }
            }
        }
    };
    ($($from:ident)::+ => $($to:ident)::+ { $($field:ident $(: $with:expr)?),+ $(,)? }) => {
        impl From<$($from)::+> for $($to)::+ {
            fn from(value: $($from)::+) -> Self {
                use $($from)::+ as Source;
                let Source { $($field),+ } = value;
                Self { $($field: convert!(@field $field $(, $with)?)),+ }
            }
        }
    };
    (@field $field:ident) => { $field };
    (@field $field:ident, $with:expr) => { ($with)($field) };
}

pub mod admin;
pub mod body;
pub mod end_user;
pub mod input;
pub mod issuer;
pub mod openapi;
pub mod passkeys;
pub mod records;
pub mod reply;
pub mod request;

pub use body::Fields;
pub use input::{Call, FromFields, MailLinkCall};
pub use reply::Reply;
pub use request::WireRequest;
