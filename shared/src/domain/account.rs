//! Account deletion: by the user (`deleteAccount`, re-authenticated with the password) and by the
//! developer (admin). Both go through [`purge_user`], so they leave the same empty store behind.
//!
//! Everything keyed to a user lives in two partitions (see [`super::keys`]): the user's own
//! (record, last login, counters) and the handle's (claim, pending signup, invites received,
//! reset, counters), plus the username claim. One query per partition finds it all, and one
//! transaction deletes it with the user record under its version, so a concurrent change to the
//! user (a suspension, a password change) cannot interleave with a half-deleted account. The
//! user record's disappearance is also what revokes their access tokens (405).

use crate::AppState;
use crate::domain::context::RequestContext;
use crate::domain::password::proves;
use crate::domain::password_guard;
use crate::domain::user::User;
use crate::domain::{auth, keys, repo};
use crate::error::{Error, Result};
use crate::store::{Condition, Index, Key, Query, StoreError, WriteOp};
use crate::wire::{Credentials, Reply};

/// DynamoDB's (and the port's) limit on operations per transaction.
const MAX_TRANSACTION_OPS: usize = 25;
/// Compare-and-swap attempts before a concurrently changing user is an internal error.
const CAS_ATTEMPTS: usize = 5;

/// A delete-account request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// The caller's email or username.
    pub handle: Option<String>,
    /// The caller's password (client MD5), re-authenticating the deletion.
    pub password: Option<String>,
    /// A social ID token (the original's social variant; not supported).
    pub token: Option<String>,
}

/// `POST /deleteAccount`: the caller proves their password and their account goes, with
/// everything keyed to it.
pub async fn delete_account(
    state: &AppState,
    creds: &Credentials,
    req: DeleteRequest,
    ctx: &RequestContext,
) -> Result<Reply> {
    let caller = auth::user_from_access(state, creds).await?;
    let (handle, password) = match (req.handle, req.password, req.token) {
        (Some(h), Some(p), _) => (h, p),
        (_, _, Some(_)) => {
            return Err(Error::invalid(
                "social login is not supported: send handle and password",
            ));
        }
        (None, _, _) => return Err(Error::MissingParam("handle")),
        (Some(_), None, _) => return Err(Error::MissingParam("password")),
    };
    let app = &caller.app;
    let named = repo::login_handle(state, app, &handle).await?;
    let guard = password_guard::enter(state, &app.app_id, &caller.user.handle, &ctx.client).await?;
    // Another account's handle, or a wrong password: the same 600.
    if named != caller.user.handle || !proves(state, &caller.user, &password).await {
        guard.failed().await;
        return Err(Error::InvalidCredentials);
    }
    guard.passed(state).await;
    purge_user(state, caller.user, caller.version).await?;
    Ok(Reply::True)
}

/// Deletes `user` (last read at `version`) and everything keyed to them in one transaction,
/// retrying when the user record changed meanwhile. Used by `deleteAccount` and the admin API.
pub async fn purge_user(state: &AppState, mut user: User, mut version: u64) -> Result<()> {
    for _ in 0..CAS_ATTEMPTS {
        let ops = purge_ops(state, &user, version).await?;
        match state.store.transact(ops).await {
            Ok(()) => {
                tracing::info!(app_id = %user.app_id, user_id = %user.user_id, "account deleted");
                // Only now: with the account gone its tokens are dead, so no new invite can
                // slip in behind the revocation. Registration also ignores invites whose sender
                // is gone, so an interruption here leaves no working invite.
                match crate::domain::invite::revoke_sent_by(state, &user.user_id).await {
                    Ok(revoked) => {
                        tracing::info!(user_id = %user.user_id, revoked, "invites of a deleted account revoked");
                    }
                    // The account is gone either way; its invites no longer register anyone.
                    Err(e) => tracing::warn!(
                        user_id = %user.user_id,
                        error = %e,
                        "could not revoke every invite of a deleted account"
                    ),
                }
                return Ok(());
            }
            Err(StoreError::Conflict { .. }) => {
                match repo::load_user(state, &user.user_id).await? {
                    Some((u, v)) => (user, version) = (u, v),
                    // Deleted concurrently: the outcome the caller wanted.
                    None => return Ok(()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal("user kept changing during deletion".into()))
}

/// The deletions of one purge: the user record under its version first, then every other item
/// of the user's and the handle's partitions and the username claim.
async fn purge_ops(state: &AppState, user: &User, version: u64) -> Result<Vec<WriteOp>> {
    let user_key = keys::user(&user.user_id);
    let mut ops = vec![WriteOp::Delete(
        user_key.clone(),
        Condition::Version(version),
    )];
    let mut others = partition_keys(state, &user_key.pk).await?;
    others
        .extend(partition_keys(state, &keys::handle_partition(&user.app_id, &user.handle)).await?);
    if let Some(name) = &user.user_name {
        others.push(keys::user_name_claim(&user.app_id, name));
    }
    others.retain(|k| *k != user_key);
    ops.extend(
        others
            .into_iter()
            .map(|k| WriteOp::Delete(k, Condition::Any)),
    );
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(Error::Internal(format!(
            "account of {} spans {} items, more than one transaction holds",
            user.user_id,
            ops.len()
        )));
    }
    Ok(ops)
}

/// Every live key of a primary partition.
async fn partition_keys(state: &AppState, pk: &str) -> Result<Vec<Key>> {
    let mut keys = Vec::new();
    let mut cursor = None;
    loop {
        let page = state
            .store
            .query(Query {
                index: Index::Primary,
                pk: pk.to_owned(),
                sk_prefix: String::new(),
                limit: MAX_TRANSACTION_OPS,
                cursor,
            })
            .await?;
        keys.extend(page.items.into_iter().map(|i| i.key));
        match page.cursor {
            Some(c) if keys.len() <= MAX_TRANSACTION_OPS => cursor = Some(c),
            _ => return Ok(keys),
        }
    }
}
