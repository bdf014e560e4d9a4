//! Use cases. Each public function is one step a door (Lambda or local runner) calls; none knows
//! HTTP, AWS or SQLite — they speak to the ports in [`crate::AppState`].

pub mod account;
pub mod admin;
pub mod admin_users;
pub mod anonymous;
pub mod app;
pub mod auth;
pub mod context;
pub mod html;
pub mod invite;
pub mod issuer;
pub mod keys;
pub mod limits;
pub mod login;
pub mod metadata;
pub mod one_time_code;
pub mod password;
pub mod password_guard;
pub mod profile;
pub mod repo;
pub mod reset_code;
pub mod session;
pub mod signup;
pub mod template_admin;
pub mod templates;
pub mod user;
pub mod user_name;
