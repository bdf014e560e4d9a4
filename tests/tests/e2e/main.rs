//! Keyturn's one end-to-end test binary. Suites that need AWS talk to moto's server, started by
//! `tests/run.sh`, through the endpoint in `KEYTURN_TEST_AWS_ENDPOINT`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anonymous;
mod aws_adapters;
mod profile;
mod store_conformance;
mod support;
mod templates;
mod user_names;
