//! Shared test harness: every helper a suite needs more than once lives here, once.
//! - [`app`]: `TestApp` and its builder, requests and responses (and their assertions), the
//!   outbox;
//! - [`routes`]: the API's paths and one `TestApp` method per route;
//! - [`journeys`]: signed-up users, pending signups, reset and invite codes, confirmed links;
//! - [`users`]: JWT `claims`, token and record checks, partitions of the store;
//! - [`flows`]: links, forms, invite mails, `wrong_code`, proofs that nothing was written;
//! - [`factors`]: authenticator codes, login tokens, the notice's "this wasn't me" link;
//! - [`jwt`]: discovery, the JWKS and a stock library's verification;
//! - [`lambda`]: API Gateway fixtures (`apigw-v2-<name>.json`) and the Lambda door;
//! - [`peer`]: requests from a chosen client address;
//! - [`mailer`]: a mailer as slow as SES, and the timing loop it serves;
//! - [`social`]: the fake Apple and Google (JWKS, token signing, forgeries) and social apps;
//! - [`store`]: a store wrapper with a hook before every call (counting, outages);
//! - [`aws`]: the moto endpoint and unique names;
//! - [`cli`]: the real `keyturn` binary, a spawned `keyturn serve` and CLI runs against it;
//! - [`authenticator`]: a software passkey authenticator (ES256) and the tweaks that break it;
//! - [`passkeys`]: passkey apps, the begin and finish calls, the both-engines runner at wall time.
pub mod app;
pub mod authenticator;
pub mod aws;
pub mod cli;
pub mod factors;
pub mod flows;
pub mod journeys;
pub mod jwt;
pub mod lambda;
pub mod mailer;
pub mod passkeys;
pub mod peer;
pub mod routes;
pub mod social;
pub mod store;
pub mod users;
