//! `passkey/loginBegin` and `passkey/loginComplete`: a discoverable passkey login.
//!
//! The begin names no user and lists no credential (nothing to enumerate). The finish finds the
//! user through the credential-id claim, so a credential of another app is unknown here (641).
//! A suspended user is 404 once the passkey is proven, as after a password. The counter and the
//! backup state are written back under the set's version; a counter that did not move up (a
//! cloned authenticator, or a replay of an old assertion) is refused and audited. The session is
//! a password login's (`{jwt, access-token}`), with no second-factor step: user verification is
//! required, so the passkey is both factors.

use serde_json::{Map, Value};

use super::ceremony::{self, Ceremony, Kind};
use super::credential::{Assertion, decode, encode_id};
use super::options::{self, Options};
use super::{refused, relying, store};
use crate::domain::audit;
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::session::{self, Proof, Session};
use crate::domain::common::{caller, repo};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::records::user::{User, UserStatus};
use crate::domain::webauthn::data::ClientData;
use crate::domain::webauthn::{self, Asserted, Ceremony as Step, Relying};
use crate::error::{Error, Result};

/// How many times a login re-reads a set another login changed meanwhile.
const ATTEMPTS: usize = 3;

const STEP: &str = "passkeyLogin";

/// `loginComplete` as the wire delivers it.
#[derive(Debug, Clone)]
pub struct PasskeyLoginRequest {
    /// The `PublicKeyCredential` JSON.
    pub credential: Map<String, Value>,
}

/// `POST /passkey/loginBegin` (app token): request options for a discoverable login.
pub async fn login_begin(state: &AppState, ctx: &RequestContext) -> Result<Options> {
    let app = caller::app_from_token(state, ctx).await?;
    let rp = relying(&app)?;
    limits::hit_address(state, &app, &ctx.client, AddressFlow::Passkey).await?;
    let ceremony = Ceremony {
        kind: Kind::Login,
        user_id: None,
    };
    let challenge = ceremony::begin(state, &app, &ceremony).await?;
    Ok(options::request(&rp, &challenge))
}

/// `POST /passkey/loginComplete` (app token): the session of the passkey's user.
pub async fn login_complete(
    state: &AppState,
    req: PasskeyLoginRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let app = caller::app_from_token(state, ctx).await?;
    let rp = relying(&app)?;
    let assertion = Assertion::parse(&req.credential)?;
    // Counted before the work and given back on success: only failures fill it (615 when full).
    limits::hit_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await?;
    let user = prove(state, &app, &rp, &assertion, ctx).await?;
    limits::give_back_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await;
    if user.status == UserStatus::Suspended {
        let event = audit::failed_check(&app, Some(&user.user_id), false, STEP, "suspended");
        audit::record(state, &ctx.client, event).await;
        return Err(Error::UserSuspended);
    }
    session::issue(state, &app, &user, &ctx.base_url, Proof::Passkey).await
}

/// Verifies the assertion end to end and records the credential's use; the user it proves.
async fn prove(
    state: &AppState,
    app: &App,
    rp: &Relying<'_>,
    assertion: &Assertion,
    ctx: &RequestContext,
) -> Result<User> {
    let client = match ClientData::parse(&assertion.client_data_json) {
        Ok(c) => c,
        Err(why) => return Err(refused(state, app, None, STEP, why, ctx).await),
    };
    ceremony::consume(state, app, &client.challenge, Kind::Login).await?;
    if let Err(why) = webauthn::check_client_data(rp, &client, Step::Get, &client.challenge) {
        return Err(refused(state, app, None, STEP, why, ctx).await);
    }
    let id = encode_id(&assertion.raw_id);
    let found = match store::owner(state, &app.app_id, &id).await? {
        Some(user_id) => repo::load_user(state, &user_id).await?,
        None => None,
    };
    let Some((user, _)) = found.filter(|(u, _)| u.app_id == app.app_id) else {
        return Err(refused(state, app, None, STEP, "unknown credential", ctx).await);
    };
    let uid = Some(user.user_id.as_str());
    if let Some(handle) = &assertion.user_handle
        && handle.as_slice() != user.user_id.as_bytes()
    {
        return Err(refused(state, app, uid, STEP, "user handle mismatch", ctx).await);
    }
    for _ in 0..ATTEMPTS {
        let (mut set, version) = store::load(state, &user.user_id).await?;
        let Some(passkey) = set.find_mut(&id) else {
            return Err(refused(state, app, uid, STEP, "unknown credential", ctx).await);
        };
        let key = decode("publicKey", &passkey.public_key)?;
        let verified = webauthn::verify_assertion(
            rp,
            &assertion.client_data_json,
            &assertion.authenticator_data,
            &assertion.signature,
            &key,
        );
        let asserted: Asserted = match verified {
            Ok(a) => a,
            Err(why) => return Err(refused(state, app, uid, STEP, why, ctx).await),
        };
        if !webauthn::counter_advanced(passkey.sign_count, asserted.sign_count) {
            tracing::warn!(app_id = %app.app_id, user_id = %user.user_id, "passkey counter went backwards");
            return Err(refused(state, app, uid, STEP, "counter regression", ctx).await);
        }
        if asserted.backup_eligible != passkey.backup_eligible {
            let why = "backup eligibility changed";
            return Err(refused(state, app, uid, STEP, why, ctx).await);
        }
        passkey.sign_count = asserted.sign_count;
        passkey.backed_up = asserted.backed_up;
        passkey.last_used_at = Some(state.clock.now_ms());
        match state
            .store
            .transact(vec![store::save_op(&set, version)?])
            .await
        {
            Ok(()) => return Ok(user),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::internal("passkey set kept changing"))
}
