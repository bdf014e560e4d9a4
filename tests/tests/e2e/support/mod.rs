//! Shared test harness.
pub mod app;
pub mod aws;
pub mod flows;
pub mod lambda;
pub mod users;
