//! The Cosync wire layer: how requests are decoded and replies encoded, identical
//! for every function and for the local runner.
//!
//! - [`body`]: JSON and `application/x-www-form-urlencoded` bodies (Node `querystring`
//!   semantics) decoded into scalar-only [`body::Fields`].
//! - [`request`]: the [`request::WireRequest`] extractor — fields, token carriers, size limit.
//! - [`input`]: fields to the domain's typed requests, and the [`input::Call`] extractor (with
//!   [`input::MailLinkCall`], its door for the signup mail link).
//! - [`reply`]: success bodies (`true`, objects, HTML) and the error body `{code, message}`.

pub mod body;
pub mod input;
pub mod openapi;
pub mod reply;
pub mod request;

pub use body::Fields;
pub use input::{Call, FromFields, MailLinkCall};
pub use reply::Reply;
pub use request::WireRequest;
