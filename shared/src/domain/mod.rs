//! Use cases and the lower layer they share. Each public function of a use-case module is one
//! step a door (Lambda or local runner) calls; none knows HTTP, AWS or SQLite — they speak to the
//! ports in [`crate::AppState`], take typed requests and a [`RequestContext`], and return domain
//! values that the wire layer (`wire::reply`) encodes.
//!
//! Dependencies point one way, with no cycle: use cases → shared layer → records and keys.
//! A use-case module never imports another use-case module; what two of them need lives below.
//! - Use cases: [`application`], [`signup`], [`login`], [`anonymous`], [`password`],
//!   [`delete_account`], [`profile`], [`user_name`], [`invite`], [`register`], [`issuer`], and the
//!   admin API under [`admin`].
//! - Shared layer: [`auth`] (who is calling), [`accounts`] (creating and purging accounts),
//!   [`audit`] (the audit trail: recording security events and admin actions, and its listing),
//!   [`password_guard`] (password checks and their limits), [`invites`], [`reset_code`],
//!   [`session`] (the user JWT and access token), [`templates`], [`one_time_code`], [`limits`],
//!   [`listing`].
//! - Records and keys: [`app`], [`user`], [`metadata`], [`repo`], [`keys`], [`html`]; the
//!   request's [`context`].

pub mod accounts;
pub mod admin;
pub mod anonymous;
pub mod app;
pub mod application;
pub mod audit;
pub mod auth;
pub mod calling_codes;
pub mod context;
pub mod delete_account;
pub mod html;
pub mod invite;
pub mod invites;
pub mod issuer;
pub mod keys;
pub mod limits;
pub mod listing;
pub mod login;
pub mod metadata;
pub mod one_time_code;
pub mod origins;
pub mod password;
pub mod password_guard;
pub mod phone;
pub mod phone_number;
pub mod profile;
pub mod register;
pub mod repo;
pub mod reset_code;
pub mod second_factor;
pub mod session;
pub mod signup;
pub mod templates;
pub mod totp;
pub mod twilio_admin;
pub mod two_factor;
pub mod user;
pub mod user_name;

pub use context::RequestContext;
