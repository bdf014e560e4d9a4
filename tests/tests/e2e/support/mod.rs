//! Shared test harness: every helper a suite needs more than once lives here, once.
//! - [`app`]: `TestApp` and its builder, requests and responses, the outbox;
//! - [`users`]: accounts, `login`, JWT `claims`, token and record checks;
//! - [`flows`]: links, forms and `wrong_code`;
//! - [`lambda`]: API Gateway fixtures (`apigw-v2-<name>.json`) and the Lambda door;
//! - [`aws`]: the moto endpoint and unique names.
pub mod app;
pub mod aws;
pub mod flows;
pub mod lambda;
pub mod mailer;
pub mod peer;
pub mod users;
