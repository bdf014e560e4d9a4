//! `setPhone` and `verifyPhone`: proving a phone number by an SMS code.
//!
//! - Only an account that proved its address can set a phone (608 for anonymous users and
//!   accounts never verified): every enrolment text costs the developer, and such accounts cost
//!   nothing to make.
//! - A number verified already (by another user of the app, or by the caller) is answered
//!   exactly as any other: the caller's limits are counted first, the same way, and a code
//!   nobody receives is stored, so `verifyPhone` then walks the same tries (602, then 614), and
//!   the answer waits as long as a text takes here; nothing is sent. Neither the answer, later
//!   answers nor timing tells which numbers are verified (the original answered 412; an earlier
//!   Keyturn answered `true` before any limit).
//! - The code is six CSPRNG digits, a keyed hash at rest, 10 minutes, 5 tries (then 614), single
//!   use; every text passes the SMS limits first.
//! - The number waits in its own item until verified: the user's verified phone (which phone
//!   login texts) only changes when the new one is proven.
//! - A verified phone is unique per app through a claim item created in the transaction that
//!   marks the user verified: of two users racing to verify one number, exactly one wins, on
//!   both engines; the other gets 602.

use serde::{Deserialize, Serialize};

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller::{self, Caller};
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::one_time_code;
use crate::domain::common::password_check;
use crate::domain::common::phone_claim::phone_digest;
use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::factors::sms_code::CODE_TTL_SECS;
use crate::domain::factors::sms_code::{self, TextKind};
use crate::domain::ports::AppState;
use crate::domain::records::app::TwoFactor;
use crate::domain::records::context::RequestContext;
use crate::domain::records::phone_number::Phone;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// A phone waiting for its code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingPhone {
    phone: String,
    code_hash: String,
    expires_at: i64,
    /// The number was verified already: its code was never sent and is never accepted.
    #[serde(default)]
    decoy: bool,
}

fn code_context(app_id: &str, user_id: &str, phone: &str) -> String {
    format!("{app_id}/phone/{user_id}/{phone}")
}

/// A `setPhone` request, as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SetPhoneRequest {
    /// `phone`, in E.164.
    pub phone: String,
    /// `password` (client MD5): needed while SMS login is on.
    pub password: Option<Redacted>,
}

/// A `verifyPhone` request, as the wire delivers it.
#[derive(Debug, Clone)]
pub struct VerifyPhoneRequest {
    /// `code`: the texted code.
    pub code: Redacted,
}

/// `POST /setPhone` with `phone` (E.164): texts a verification code (409 unless the app's mode
/// is `phone`; 608 for an anonymous or never-verified account). While SMS login is on, a new
/// number also needs the current `password`: moving the factor retires the one in use, which
/// needs proof like switching it off.
pub async fn set_phone(state: &AppState, req: SetPhoneRequest, ctx: &RequestContext) -> Result<()> {
    let caller = &caller::user_from_access(state, ctx).await?;
    let client = &ctx.client;
    let password = req.password.as_ref().map(Redacted::expose);
    let app = &caller.app;
    let user = &caller.user;
    if app.settings.two_factor_verification != TwoFactor::Phone {
        return Err(Error::PhoneTwoFactorDisabled);
    }
    // A phone is only ever a second factor, which anonymous accounts cannot have; an account
    // whose address is unproven cannot enrol one either (its mailbox may not be its owner's).
    if user.anonymous || !user.email_verified {
        return Err(Error::AccountNotVerified);
    }
    let phone = Phone::parse(&req.phone)?;
    if user.two_factor.phone_login {
        let password = password.ok_or(Error::MissingParam("password"))?;
        password_check::require_password(state, user, password, client).await?;
    }
    sms_code::count_text(state, app, user, &phone, client, TextKind::Enrolment).await?;
    let claimed = state
        .store
        .get(&table_keys::phone_claim(
            &app.app_id,
            &phone_digest(state, phone.as_str()),
        ))
        .await?
        .is_some();
    let issued = one_time_code::issue(
        state,
        &code_context(&app.app_id, &user.user_id, phone.as_str()),
    );
    let expires_at = state.clock.now_secs() + CODE_TTL_SECS;
    if claimed {
        // Verified already: nothing is sent, and the answer takes as long as a text.
        state.sms_pace.wait().await;
    } else {
        sms_code::deliver(state, app, user, &phone, &issued.code).await?;
    }
    let pending = PendingPhone {
        phone: phone.as_str().to_owned(),
        code_hash: issued.hash,
        expires_at,
        decoy: claimed,
    };
    // A new code replaces the old one and restarts its tries.
    state
        .store
        .put(
            repo::item(table_keys::phone_verification(&user.user_id), &pending, 1)?
                .expiring_at(expires_at),
            Condition::Any,
        )
        .await?;
    limits::clear(state, &table_keys::phone_verification_tries(&user.user_id)).await;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "phone: code sent");
    audit::record(
        state,
        client,
        Event::new(app, Kind::PhoneSet).user(&user.user_id),
    )
    .await;
    Ok(())
}

/// `POST /verifyPhone` with `code`: marks the pending phone verified (602 for a wrong code or a
/// number verified meanwhile by another user, 411 once expired, 614 once its tries are spent).
pub async fn verify_phone(
    state: &AppState,
    req: VerifyPhoneRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = &caller::user_from_access(state, ctx).await?;
    let client = &ctx.client;
    let (app_id, user_id) = (&caller.app.app_id, &caller.user.user_id);
    let code = one_time_code::parse(req.code.expose())?;
    let app = &caller.app;
    limits::hit_address(state, app, client, AddressFlow::FailedChecks).await?;
    let (pending, version) = check_pending_code(state, caller, &code).await?;
    limits::give_back_address(state, app, client, AddressFlow::FailedChecks).await;
    claim_phone(state, caller, &pending, version).await?;
    tracing::info!(%app_id, %user_id, "phone: verified");
    audit::record(
        state,
        client,
        Event::new(&caller.app, Kind::PhoneVerified).user(user_id),
    )
    .await;
    Ok(())
}

/// The pending phone and its item version, once `code` (canonical) is its code; the try is
/// counted on the phone's tries first.
async fn check_pending_code(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<(PendingPhone, u64)> {
    let (app_id, user_id) = (&caller.app.app_id, &caller.user.user_id);
    let item = state
        .store
        .get(&table_keys::phone_verification(user_id))
        .await?
        .ok_or_else(one_time_code::wrong_code)?;
    let pending: PendingPhone = repo::record(&item)?;
    one_time_code::check(
        state,
        &code_context(app_id, user_id, &pending.phone),
        code,
        &pending.code_hash,
        pending.expires_at,
        &table_keys::phone_verification_tries(user_id),
    )
    .await?;
    if pending.decoy {
        // Its code was never sent; refuse even if one were guessed.
        return Err(one_time_code::wrong_code());
    }
    Ok((pending, item.version))
}

/// In one transaction: claims the number in the app (602 if another user claimed it
/// meanwhile), marks it the user's verified phone, releases the user's old number and spends
/// the pending code (602 if it was spent meanwhile).
async fn claim_phone(
    state: &AppState,
    caller: &Caller,
    pending: &PendingPhone,
    pending_version: u64,
) -> Result<()> {
    let (app_id, user_id) = (&caller.app.app_id, &caller.user.user_id);
    let claim_key = &table_keys::phone_claim(app_id, &phone_digest(state, &pending.phone));
    let pending_key = &table_keys::phone_verification(user_id);
    retry_on_conflict("user", || async move {
        let (mut user, version) = repo::load_user(state, user_id)
            .await?
            .ok_or(Error::InvalidAccessToken)?;
        if !user.accepts_session(caller.epoch, &caller.sid) {
            return Err(Error::InvalidAccessToken);
        }
        let old_claim = match (&user.two_factor.phone, user.two_factor.phone_verified) {
            (Some(old), true) if *old != pending.phone => {
                Some(table_keys::phone_claim(app_id, &phone_digest(state, old)))
            }
            _ => None,
        };
        user.two_factor.phone = Some(pending.phone.clone());
        user.two_factor.phone_verified = true;
        user.updated_at = state.clock.now_ms();
        let claim = repo::item(
            claim_key.clone(),
            &serde_json::json!({ "userId": user_id }),
            1,
        )?;
        let mut tx = Transaction::new();
        let claimed = tx.push(WriteOp::Put(claim, Condition::Absent));
        let updated = tx.push(WriteOp::Put(
            repo::user_item(&user, version + 1)?,
            Condition::Version(version),
        ));
        tx.push(WriteOp::Delete(
            pending_key.clone(),
            Condition::Version(pending_version),
        ));
        if let Some(old) = old_claim {
            tx.push(WriteOp::Delete(old, Condition::Any));
        }
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => Ok(Attempt::Done(())),
            Err(StoreError::Conflict { op }) if op == claimed => {
                Err(Error::invalid("phone number already in use"))
            }
            Err(StoreError::Conflict { op }) if op == updated => Ok(Attempt::Conflict),
            // The pending code was consumed meanwhile.
            Err(StoreError::Conflict { .. }) => Err(one_time_code::wrong_code()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
