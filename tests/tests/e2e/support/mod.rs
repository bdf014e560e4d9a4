//! Shared test harness.
pub mod aws;
