//! The Cosync wire layer: how requests are decoded and replies encoded, identical
//! for every function and for the local runner.
//!
//! - [`body`]: JSON and `application/x-www-form-urlencoded` bodies (Node `querystring`
//!   semantics) decoded into scalar-only [`body::Fields`].
//! - [`request`]: the [`request::WireRequest`] extractor — fields, token carriers, size limit.
//! - [`input`]: fields to the domain's typed requests, and the [`input::Call`] extractor.
//! - [`reply`]: success bodies (`true`, objects, HTML) and the error body `{code, message}`.
//! - [`end_user`], [`issuer`], [`admin`], [`records`]: the typed bodies. Each derives its serde
//!   and its schema from the same fields, so `/openapi.json` describes exactly what is written
//!   and read; each is built `From` a domain value (or converted into a domain request), which
//!   keeps serde names and OpenAPI out of the domain.
//! - [`openapi`]: what the document says of every route at once (auth, the error body, the form
//!   encoding).

pub mod admin;
pub mod body;
pub mod end_user;
pub mod input;
pub mod issuer;
pub mod openapi;
pub mod records;
pub mod reply;
pub mod request;

pub use body::Fields;
pub use input::{Call, FromFields};
pub use reply::Reply;
pub use request::WireRequest;
