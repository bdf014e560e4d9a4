//! The domain: every step a door (a Lambda route or the local runner) calls, and what those
//! steps share. Nothing here knows HTTP, AWS or SQLite: use cases take typed requests and a
//! [`RequestContext`], speak to the ports in [`ports::AppState`], and return domain values that
//! the wire layer encodes.
//!
//! Folders are floors; imports only point down a floor (or sideways inside a folder), and no
//! module imports one that imports it back:
//!
//! | floor | folders | what lives there |
//! |---|---|---|
//! | use cases | [`signup`], [`login`], [`passkeys`], [`passwords`], [`profile`], [`apps`], [`admin`] | one module per flow, named for what it does; a use case never imports another use case |
//! | accounts | [`accounts`] | creating and purging an account and everything keyed to it (its invites too), for every flow that does either |
//! | factors, invites, social, webauthn | [`factors`], [`invites`], [`social`], [`webauthn`] | the second factors: their sealed record, TOTP, SMS codes, the notice mail and its "this wasn't me" link, and the steps that switch them on and off (`login` reads them for its challenge); the invite record and its rules, with a user's own `invite` and `revokeInvite`; verifying Apple and Google ID tokens and the identity claim; the pure WebAuthn checks of a passkey response |
//! | shared layer | [`common`], [`audit`] | who is calling, limits, password checks and lockout, one-time codes, sessions, templates, paging, the repository, the audit trail |
//! | ports | [`ports`] | the port bundle ([`ports::AppState`]) and the app-settings cache; the adapters behind it are built above the domain, in [`crate::assemble`] |
//! | records | [`records`] | the stored records, the table's key design, setting syntax and the request's context: what every floor sees |
//!
//! A newcomer's path through login with an authenticator code: `functions/login` →
//! [`login::password`] → [`login::challenge`] → `functions/login-complete` →
//! [`login::complete`] → [`factors::record`] and [`factors::totp`].

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod audit;
pub mod common;
pub mod factors;
pub mod invites;
pub mod login;
pub mod passkeys;
pub mod passwords;
pub mod ports;
pub mod profile;
pub mod records;
pub mod signup;
pub mod social;
pub mod webauthn;

pub use records::context::RequestContext;
