//! Shared test harness.
pub mod app;
pub mod aws;
pub mod flows;
pub mod mailer;
pub mod peer;
pub mod users;
