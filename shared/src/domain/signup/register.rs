//! `POST /register`: an invitee turns one of their invites into an account.
//!
//! Every invite is bound to the invited handle (its code hash is bound to
//! `<appId>/invite/<handle>/<inviter>` and the record lives under that handle), so a code sent to
//! one address registers no other. A handle may hold invites from several inviters: the code is
//! compared with each live one (in constant time, all of them), and the invite it matches
//! decides whose metadata applies. The account, its handle claim and the consumption of the
//! matched invite are one transaction, so of any number of concurrent registrations exactly one
//! creates an account; the other invites to the handle are consumed with it.
//!
//! Guessing is bounded per handle, not per invite: every attempt spends one of
//! [`CODE_TRIES_PER_DAY`] per live invite it is compared with (at most the newest
//! [`MAX_COMPARED`]), and each code still dies after five wrong tries (614). Failed attempts
//! also count per client address.
//!
//! **No enumeration.** Until a code is proven, a handle with an account, one with nothing and
//! one with a live invite answer alike: an attempt on a handle without a live invite counts
//! like one invite's (602 five times, then 614), and what depends on the invite or the account
//! (601 for a handle registered meanwhile, 411 for an expired invite, 604 for metadata the
//! account cannot be made with) is answered only to the sender of its code. A handle with three
//! or more live invites reaches its daily tries sooner than one with a single invite (615 at the
//! fourth attempt), which tells a prober who spent them that several users invited it.

use serde_json::{Map, Value};

use crate::domain::RequestContext;
use crate::domain::accounts;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::one_time_code;
use crate::domain::common::session;
use crate::domain::common::session::{Proof, Session};
use crate::domain::common::templates;
use crate::domain::invites::rules::{
    ADMIN_SENDER, CODE_TRIES_PER_DAY, CODE_TTL_SECS, Invite, code_context, deep_merge,
    delete_invite, load_all,
};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, Feature};
use crate::domain::records::metadata;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::Handle;
use crate::error::{Error, Result};
use crate::store::{Condition, MAX_TRANSACT_OPS, StoreError, WriteOp};

/// Live invites a registration compares its code with: the newest 5 (each costs one of the
/// handle's daily tries).
pub const MAX_COMPARED: usize = 5;

/// A registration as the wire delivers it.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// Raw invited handle.
    pub handle: String,
    /// Raw password field (client MD5).
    pub password: Redacted,
    /// Raw code from the invite email.
    pub code: Redacted,
    /// The invitee's own `metaData`, if given.
    pub meta_data: Option<Map<String, Value>>,
    /// `locale`, if given.
    pub locale: Option<String>,
}

/// `POST /register`: checks the invite code and creates the account, returning
/// `{jwt, access-token}`. The request's own fields are checked before a code try is spent; the
/// metadata and the password hash only once the code is proven.
pub async fn register(
    state: &AppState,
    req: RegisterRequest,
    ctx: &RequestContext,
    // App or access token: the Cosync JS SDK sends only its access token once it holds one, and
    // the original accepted either.
) -> Result<Session> {
    let app = caller::app_from_any(state, ctx).await?;
    app.require(Feature::Invitations)?;
    let accounts::Credentials {
        handle,
        password,
        locale,
    } = accounts::Credentials::parse(&app, &req.handle, &req.password, req.locale)?;
    let code = one_time_code::parse(req.code.expose())?;
    // Counted before the lookup, so failures of every kind count; a success gives it back.
    limits::hit_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await?;
    let Found {
        invite,
        meta_data,
        others,
    } = matching_invite(state, &app, &handle, &code, req.meta_data).await?;
    let password_hash = state.passwords.hash(password.expose()).await?;
    let mut user = accounts::new_user(
        state,
        &app,
        handle.as_str(),
        password_hash,
        meta_data,
        locale,
    );
    // The code reached the handle's mailbox: the address is proven.
    user.email_verified = true;
    let (mut tx, claim) = accounts::creation(&user)?;
    let (ops, leftovers) = consume_ops(&app, &invite, others);
    for op in ops {
        tx.push(op);
    }
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => {}
        Err(StoreError::Conflict { op }) if op == claim => return Err(Error::HandleTaken),
        Err(StoreError::Conflict { .. }) => {
            // The invite was consumed, re-sent or revoked meanwhile: a concurrent registration
            // that won reads as a taken handle, anything else as a stale code.
            let claim = table_keys::handle_claim(&app.app_id, handle.as_str());
            if state.store.get(&claim).await?.is_some() {
                return Err(Error::HandleTaken);
            }
            return Err(Error::invalid("the invite changed; use the newest code"));
        }
        Err(e) => return Err(e.into()),
    }
    limits::give_back_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await;
    // Invites that did not fit the transaction: harmless now (the handle is claimed), removed so
    // listings do not show them.
    for other in leftovers {
        if let Err(e) = delete_invite(state, &app.app_id, &other).await {
            tracing::warn!(error = %e, "could not consume a leftover invite");
        }
    }
    tracing::info!(
        app_id = %app.app_id,
        user_id = %user.user_id,
        inviter = %invite.0.inviter,
        "invitee registered"
    );
    let event = Event::new(&app, Kind::InviteAccepted)
        .user(&user.user_id)
        .detail("inviter", invite.0.inviter.as_str());
    audit::record(state, &ctx.client, event).await;
    templates::send_welcome(state, &app, &user.locale, &user.handle).await;
    session::issue(state, &app, &user, &ctx.base_url, Proof::Password).await
}

/// The invite a registration's code matched.
struct Found {
    /// The matched invite and its item version.
    invite: (Invite, u64),
    /// The metadata the account gets from it.
    meta_data: Map<String, Value>,
    /// Every other invite stored for the handle (live or not), consumed with it.
    others: Vec<Invite>,
}

/// The live invite whose code is `code`: 602 when there is no live invite or the code matches
/// none, 411 when the code is an expired invite's, 614 when every live code is dead (or, with
/// none live, after five tries), 615 when the handle's daily tries are spent; 604 when the code
/// is proven but the metadata cannot form an account.
async fn matching_invite(
    state: &AppState,
    app: &App,
    handle: &Handle,
    code: &str,
    own_meta: Option<Map<String, Value>>,
) -> Result<Found> {
    let Candidates {
        mut live,
        mut others,
        expired,
    } = candidates(state, app, handle).await?;
    if live.is_empty() {
        return Err(no_live_invite(state, app, handle, code, &expired).await);
    }
    let usable = usable_codes(state, app, handle, &live).await?;
    // The handle's daily budget, one per code compared: rotating inviters cannot refill it.
    spend_handle_tries(state, &app.app_id, handle.as_str(), usable.len()).await?;
    let matched = matching_code(state, app, handle, code, &live, &usable);
    let Some(i) = matched else {
        return Err(one_time_code::wrong_code());
    };
    // The code is proven: only now may an answer depend on the invite. The invitee's values,
    // then the inviter's over them (the inviter wins), then the app's fields with their
    // required checks (604, the code keeps its remaining tries); invite-only fields are kept as
    // the original did. Checked any earlier, a missing required field would be 604 for an
    // invited handle and 602 for any other: an oracle for pending invites.
    let own = own_meta.unwrap_or_default();
    let meta = merged_metadata(app, &own, &live[i].0)?;
    let found = live.swap_remove(i);
    others.extend(live.into_iter().map(|(invite, _)| invite));
    Ok(Found {
        invite: found,
        meta_data: meta,
        others,
    })
}

/// The invites stored for a handle, sorted for a registration.
struct Candidates {
    /// The newest live invites (at most [`MAX_COMPARED`]), with their item versions.
    live: Vec<(Invite, u64)>,
    /// Every other invite (expired, not compared, or from a deleted sender): consumed with the
    /// account all the same.
    others: Vec<Invite>,
    /// The expired invites of senders who still exist: a code matching one of them is 411.
    expired: Vec<Invite>,
}

/// The handle's invites as [`Candidates`]. Whether the handle has an account is not looked at:
/// a registered handle reads like one without an invite until a code is proven.
async fn candidates(state: &AppState, app: &App, handle: &Handle) -> Result<Candidates> {
    let stored = load_all(state, &app.app_id, handle.as_str()).await?;
    let now = state.clock.now_secs();
    let (mut live, mut others, mut expired) = (Vec::new(), Vec::new(), Vec::new());
    for (invite, version) in stored {
        if !sender_exists(state, &invite).await? {
            // Revoked with its sender's account: as if it were never sent.
            others.push(invite);
        } else if invite.code_expires_at > now {
            live.push((invite, version));
        } else {
            expired.push(invite.clone());
            others.push(invite);
        }
    }
    // Only the newest few are compared, so a handle flooded with invites (one per inviter) can
    // neither multiply a guess's odds nor need more than a day's tries for one attempt; the
    // older ones are consumed with the account all the same.
    live.sort_by_key(|(invite, _)| std::cmp::Reverse(invite.created_at));
    let not_compared = live.split_off(live.len().min(MAX_COMPARED));
    others.extend(not_compared.into_iter().map(|(invite, _)| invite));
    Ok(Candidates {
        live,
        others,
        expired,
    })
}

/// The sender-side name of the decoy invite whose tries a handle without a live invite counts.
const NO_INVITE: &str = "NONE";

/// The answer for a handle with no live invite (none, only expired ones, or an account): the
/// attempt is counted as one live invite's would be (its own five tries, then 614; one of the
/// handle's daily tries, 615 once spent), so a prober cannot tell such a handle from an invited
/// one. 411 only when `code` is an expired invite's own code, which proves the mailbox; else
/// the wrong-code 602.
async fn no_live_invite(
    state: &AppState,
    app: &App,
    handle: &Handle,
    code: &str,
    expired: &[Invite],
) -> Error {
    let tries = table_keys::invite_tries(&app.app_id, handle.as_str(), NO_INVITE);
    let until = state.clock.now_secs() + CODE_TTL_SECS;
    let counted = state
        .store
        .add(&tries, 1, Some(one_time_code::MAX_TRIES), Some(until))
        .await;
    match counted {
        Ok(_) => {}
        Err(StoreError::LimitReached) => return Error::CodeExhausted,
        Err(e) => return e.into(),
    }
    if let Err(e) = spend_handle_tries(state, &app.app_id, handle.as_str(), 1).await {
        return e;
    }
    let proven = expired.iter().any(|invite| {
        let context = code_context(&app.app_id, handle.as_str(), &invite.inviter);
        state.code_hasher.verify(&context, code, &invite.code_hash)
    });
    if proven {
        Error::CodeExpired
    } else {
        one_time_code::wrong_code()
    }
}

/// The indexes of `live` whose code still has one of its own five tries, each counted (614 when
/// none has).
async fn usable_codes(
    state: &AppState,
    app: &App,
    handle: &Handle,
    live: &[(Invite, u64)],
) -> Result<Vec<usize>> {
    // Each live code's own five tries; a dead code is no longer compared.
    let mut usable = Vec::new();
    for (i, (invite, _)) in live.iter().enumerate() {
        let tries = table_keys::invite_tries(&app.app_id, handle.as_str(), &invite.inviter);
        match state
            .store
            .add(
                &tries,
                1,
                Some(one_time_code::MAX_TRIES),
                Some(invite.code_expires_at),
            )
            .await
        {
            Ok(_) => usable.push(i),
            Err(StoreError::LimitReached) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if usable.is_empty() {
        return Err(Error::CodeExhausted);
    }
    Ok(usable)
}

/// The usable code `code` matches, if any. Every usable code is compared, so timing does not
/// tell which invite matched.
fn matching_code(
    state: &AppState,
    app: &App,
    handle: &Handle,
    code: &str,
    live: &[(Invite, u64)],
    usable: &[usize],
) -> Option<usize> {
    let mut matched = None;
    for &i in usable {
        let (invite, _) = &live[i];
        let context = code_context(&app.app_id, handle.as_str(), &invite.inviter);
        // Every usable code is compared, so timing does not tell which invite matched.
        if state.code_hasher.verify(&context, code, &invite.code_hash) && matched.is_none() {
            matched = Some(i);
        }
    }
    matched
}

/// The metadata an account registered through `invite` gets.
fn merged_metadata(
    app: &App,
    own: &Map<String, Value>,
    invite: &Invite,
) -> Result<Map<String, Value>> {
    let mut merged = own.clone();
    deep_merge(&mut merged, &invite.meta_data);
    let mut meta_data = metadata::extract(&app.settings.meta_data, Some(&merged))?;
    deep_merge(&mut meta_data, &invite.meta_data);
    crate::domain::records::storable::check_metadata(&meta_data)?;
    Ok(meta_data)
}

/// Whether the invite's sender still has an account (admin invites always count). Deleting an
/// account revokes its invites; this also covers a deletion interrupted before it got there.
async fn sender_exists(state: &AppState, invite: &Invite) -> Result<bool> {
    if invite.inviter == ADMIN_SENDER {
        return Ok(true);
    }
    Ok(state
        .store
        .get(&table_keys::user(&invite.inviter))
        .await?
        .is_some())
}

/// Spends `n` of the handle's daily code tries, or refuses with 615 until the window ends.
async fn spend_handle_tries(state: &AppState, app_id: &str, handle: &str, n: usize) -> Result<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    limits::hit_many(
        state,
        &table_keys::invite_code_budget(app_id, handle),
        n,
        CODE_TRIES_PER_DAY,
    )
    .await
}

/// The deletions that consume `matched` and the handle's `others` inside the account's
/// transaction, plus the other invites that did not fit (deleted after it).
fn consume_ops(
    app: &App,
    matched: &(Invite, u64),
    others: Vec<Invite>,
) -> (Vec<WriteOp>, Vec<Invite>) {
    let (invite, version) = matched;
    let mut ops = Vec::new();
    for (i, key) in invite.keys(&app.app_id).into_iter().enumerate() {
        let condition = if i == 0 {
            Condition::Version(*version)
        } else {
            Condition::Any
        };
        ops.push(WriteOp::Delete(key, condition));
    }
    let mut leftovers = Vec::new();
    // Two operations create the account.
    let room = MAX_TRANSACT_OPS - 2;
    for other in others {
        let keys = other.keys(&app.app_id);
        if ops.len() + keys.len() <= room {
            ops.extend(keys.into_iter().map(|k| WriteOp::Delete(k, Condition::Any)));
        } else {
            leftovers.push(other);
        }
    }
    (ops, leftovers)
}
