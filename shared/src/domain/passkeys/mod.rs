//! Passkeys: register one after a login (`registerBegin`/`registerComplete`), sign in with it
//! alone (`loginBegin`/`loginComplete`), and list, rename or remove them.
//!
//! Stateless across instances: a ceremony's challenge lives in the table for five minutes
//! ([`ceremony`]), and its finish consumes it with a conditional delete, so a replayed finish,
//! even two at once, is refused (640). Credentials live under the user as one set
//! ([`crate::domain::records::passkey`]), each with a per-app credential-id claim that names its
//! user for the discoverable login ([`store`]). The WebAuthn checks themselves are pure
//! ([`crate::domain::webauthn`]).
//!
//! A passkey login is a whole login: Keyturn requires user verification, so a verified passkey
//! is something the user has and is (or knows), and a user with a second factor on gets the
//! session without a `login-token` step (`amr: ["hwk", "user"]`).

pub mod ceremony;
pub mod credential;
pub mod login;
pub mod manage;
pub mod options;
pub mod register;
pub mod store;

use crate::domain::audit;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::webauthn::{Refusal, Relying};
use crate::error::{Error, Result};

/// The app's relying party, or 417 when passkeys are off (or half configured by a hand edit).
pub fn relying(app: &App) -> Result<Relying<'_>> {
    let s = &app.settings;
    match (&s.passkey_rp_id, s.passkeys_enabled) {
        (Some(rp_id), true) if !s.passkey_origins.is_empty() => Ok(Relying {
            rp_id,
            origins: &s.passkey_origins,
        }),
        _ => Err(Error::PasskeysDisabled),
    }
}

/// A response that failed verification: logged and audited (`passkey.refused` with the step and
/// the fixed reason), answered 641 whatever the reason.
pub async fn refused(
    state: &AppState,
    app: &App,
    user_id: Option<&str>,
    step: &'static str,
    reason: Refusal,
    ctx: &RequestContext,
) -> Error {
    tracing::info!(app_id = %app.app_id, step, reason, "passkey refused");
    let event = audit::Event::new(app, audit::Kind::PasskeyRefused)
        .maybe_user(user_id)
        .detail("step", step)
        .detail("reason", reason);
    audit::record(state, &ctx.client, event).await;
    Error::PasskeyVerificationFailed
}
