//! `passkey/registerBegin` and `passkey/registerComplete`: a signed-in user adds a passkey.
//!
//! The begin is bound to the user (the ceremony names them), so a finish under another
//! user's access token is 640. The credential, the set's new version and the credential-id
//! claim commit in one transaction: the per-user limit holds under races (642), and an id
//! already registered by anyone in the app is refused (641).

use serde_json::{Map, Value};

use super::ceremony::{self, Ceremony, Kind};
use super::credential::{Attestation, encode_id};
use super::options::{self, Options};
use super::{refused, relying, store};
use crate::domain::audit;
use crate::domain::common::caller;
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::passkey::{Passkey, check_name};
use crate::domain::webauthn::data::ClientData;
use crate::domain::webauthn::{self, Ceremony as Step};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// How many times a registration re-reads a set that changed under it.
const ATTEMPTS: usize = 3;

/// `registerComplete` as the wire delivers it.
#[derive(Debug, Clone)]
pub struct PasskeyRegisterRequest {
    /// The `PublicKeyCredential` JSON.
    pub credential: Map<String, Value>,
    /// The user's name for it (default "Passkey").
    pub name: Option<String>,
}

/// `POST /passkey/registerBegin` (access token): creation options for the caller.
pub async fn register_begin(state: &AppState, ctx: &RequestContext) -> Result<Options> {
    let caller = caller::user_from_access(state, ctx).await?;
    let rp = relying(&caller.app)?;
    limits::hit_address(state, &caller.app, &ctx.client, AddressFlow::Passkey).await?;
    let (set, _) = store::load(state, &caller.user.user_id).await?;
    if set.passkeys.len() >= caller.app.settings.passkey_max_per_user as usize {
        return Err(Error::PasskeyLimitReached);
    }
    let ceremony = Ceremony {
        kind: Kind::Register,
        user_id: Some(caller.user.user_id.clone()),
    };
    let challenge = ceremony::begin(state, &caller.app, &ceremony).await?;
    Ok(options::creation(
        &rp,
        &caller.app,
        &caller.user,
        &set,
        &challenge,
    ))
}

/// `POST /passkey/registerComplete` (access token): verifies and stores the new passkey.
pub async fn register_complete(
    state: &AppState,
    req: PasskeyRegisterRequest,
    ctx: &RequestContext,
) -> Result<Passkey> {
    let caller = caller::user_from_access(state, ctx).await?;
    let app = &caller.app;
    let rp = relying(app)?;
    let name = match &req.name {
        Some(raw) => check_name(raw)?,
        None => "Passkey".to_owned(),
    };
    let response = Attestation::parse(&req.credential)?;
    let user_id = caller.user.user_id.as_str();
    let step = "registerComplete";
    limits::hit_address(state, app, &ctx.client, AddressFlow::FailedChecks).await?;
    let client = match ClientData::parse(&response.client_data_json) {
        Ok(c) => c,
        Err(why) => return Err(refused(state, app, Some(user_id), step, why, ctx).await),
    };
    let ceremony = ceremony::consume(state, app, &client.challenge, Kind::Register).await?;
    if ceremony.user_id.as_deref() != Some(user_id) {
        return Err(Error::PasskeyCeremonyUnknown);
    }
    let verified = webauthn::check_client_data(&rp, &client, Step::Create, &client.challenge)
        .and_then(|()| {
            webauthn::verify_registration(&rp, &response.attestation_object, &response.raw_id)
        });
    let registered = match verified {
        Ok(r) => r,
        Err(why) => return Err(refused(state, app, Some(user_id), step, why, ctx).await),
    };
    let passkey = Passkey {
        id: encode_id(&registered.credential_id),
        name,
        public_key: encode_id(&registered.cose_key),
        alg: registered.alg,
        sign_count: registered.sign_count,
        backup_eligible: registered.backup_eligible,
        backed_up: registered.backed_up,
        aaguid: registered.aaguid,
        transports: response.transports,
        created_at: state.clock.now_ms(),
        last_used_at: None,
    };
    for _ in 0..ATTEMPTS {
        let (mut set, version) = store::load(state, user_id).await?;
        if set.find(&passkey.id).is_some() {
            return Err(refused(state, app, Some(user_id), step, "already registered", ctx).await);
        }
        if set.passkeys.len() >= app.settings.passkey_max_per_user as usize {
            return Err(Error::PasskeyLimitReached);
        }
        set.passkeys.push(passkey.clone());
        let mut tx = Transaction::new();
        let set_op = tx.push(store::save_op(&set, version)?);
        tx.push(store::claim_op(&app.app_id, &passkey.id, user_id)?);
        let event = audit::Event::new(app, audit::Kind::PasskeyAdded)
            .user(user_id)
            .detail("passkeyId", passkey.id.as_str());
        tx.push(WriteOp::Put(
            audit::item(state, &ctx.client, event)?,
            Condition::Any,
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => {
                limits::give_back_address(state, app, &ctx.client, AddressFlow::FailedChecks).await;
                return Ok(passkey);
            }
            Err(StoreError::Conflict { op }) if op == set_op => continue,
            Err(e) if e.is_conflict() => {
                let why = "credential id held by another account";
                return Err(refused(state, app, Some(user_id), step, why, ctx).await);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::internal("passkey set kept changing"))
}
