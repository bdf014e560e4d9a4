//! Keyturn's one end-to-end test binary. Suites that need AWS talk to moto's server, started by
//! `tests/run.sh`, through the endpoint in `KEYTURN_TEST_AWS_ENDPOINT`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod admin;
mod admin_users;
mod anonymous;
mod app_admin;
mod attack_replays;
mod audit_trail;
mod aws_adapters;
mod cli;
mod cors;
mod cosync_compat;
mod dynamo_flow;
mod hardening;
mod invite_abuse;
mod invites;
mod key_rotation;
mod lambda_bootstrap;
mod lambda_events;
mod local_runner;
mod login;
mod openapi;
mod passwords;
mod profile;
mod round_trips;
mod settings_in_dynamodb;
mod signup;
mod store_conformance;
mod support;
mod templates;
mod twilio;
mod two_factor;
mod user_jwt;
mod user_names;
mod wire;
