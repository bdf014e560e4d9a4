//! Creating and purging accounts, written once for every flow that does either: signup and
//! registration create (anonymous login too), `deleteAccount` and the admin API purge.
//!
//! Everything keyed to a user lives in two partitions (see [`crate::domain::records::table_keys`]): the user's own
//! (record, last login, counters) and the handle's (claim, pending signup, invites received,
//! reset, counters), plus the username claim. One query per partition finds it all, and one
//! transaction deletes it with the user record under its version, so a concurrent change to the
//! user (a suspension, a password change) cannot interleave with a half-deleted account. The
//! user record's disappearance is also what revokes their access tokens (405).

use serde_json::{Map, Value};

use crate::domain::common::repo::{self, Attempt, retry_on_conflict};
use crate::domain::invites::rules;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::passkey::{PasskeySet, claim_key};
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::{ClientPassword, Handle, User, UserStatus};
use crate::error::{Error, Result};
use crate::store::{Condition, Index, Key, MAX_TRANSACT_OPS, OpTag, Query, Transaction, WriteOp};

/// What a new account is made of, checked before anything is counted, hashed or stored (602
/// for each malformed part), the same way in every flow that creates one with a password.
pub struct Credentials {
    /// The account's handle.
    pub handle: Handle,
    /// The client's MD5 of the password, to be hashed once the flow's checks pass.
    pub password: ClientPassword,
    /// The account's locale, one the app offers.
    pub locale: String,
}

impl Credentials {
    /// Parses a signup's or a registration's `handle`, `password` and `locale` for `app`.
    pub fn parse(
        app: &App,
        handle: &str,
        password: &Redacted,
        locale: Option<String>,
    ) -> Result<Self> {
        Ok(Self {
            handle: Handle::parse(handle)?,
            password: ClientPassword::parse(password.expose())?,
            locale: app.requested_locale(locale)?,
        })
    }
}

/// A new active user record (fresh id, epoch 0), for every flow that creates accounts.
pub fn new_user(
    state: &AppState,
    app: &App,
    handle: &str,
    password_hash: String,
    meta_data: Map<String, Value>,
    locale: String,
) -> User {
    let now = state.clock.now_ms();
    User {
        user_id: state.codes.random_hex(16),
        app_id: app.app_id.clone(),
        handle: handle.to_owned(),
        password_hash,
        status: UserStatus::Active,
        locale,
        meta_data,
        token_epoch: 0,
        kept_session: None,
        user_name: None,
        anonymous: false,
        two_factor: Default::default(),
        email_verified: false,
        import_id: None,
        social: None,
        created_at: now,
        updated_at: now,
    }
}

/// The start of the transaction that creates `user`: the user record and its handle claim, both
/// create-if-absent. The tag is the claim's: a conflict on it means the handle is taken. Callers
/// add their own operations and run the transaction.
pub fn creation(user: &User) -> Result<(Transaction, OpTag)> {
    let mut tx = Transaction::new();
    tx.push(WriteOp::Put(repo::user_item(user, 1)?, Condition::Absent));
    let claim = tx.push(WriteOp::Put(
        repo::handle_claim_item(user)?,
        Condition::Absent,
    ));
    Ok((tx, claim))
}

/// Deletes the user and everything keyed to them in one transaction, re-reading the user and
/// trying again when the record changed meanwhile. A user already gone is the outcome wanted.
pub async fn purge(state: &AppState, user_id: &str) -> Result<()> {
    retry_on_conflict("user being deleted", || async move {
        let Some((user, version)) = repo::load_user(state, user_id).await? else {
            return Ok(Attempt::Done(()));
        };
        let ops = purge_ops(state, &user, version).await?;
        let deleted = state.store.transact(ops).await;
        if deleted.is_ok() {
            tracing::info!(app_id = %user.app_id, user_id = %user.user_id, "account deleted");
        }
        repo::attempt(deleted, ())
    })
    .await?;
    // Only now: with the account gone its tokens are dead, so no new invite can slip in behind
    // the revocation. Registration also ignores invites whose sender is gone, so an interruption
    // here leaves no working invite.
    match rules::revoke_sent_by(state, user_id).await {
        Ok(revoked) => tracing::info!(%user_id, revoked, "invites of a deleted account revoked"),
        // The account is gone either way; its invites no longer register anyone.
        Err(e) => tracing::warn!(
            %user_id,
            error = %e.report(),
            "could not revoke every invite of a deleted account"
        ),
    }
    Ok(())
}

/// The deletions of one purge: the user record under its version first, then every other item
/// of the user's and the handle's partitions and the username claim.
async fn purge_ops(state: &AppState, user: &User, version: u64) -> Result<Vec<WriteOp>> {
    let user_key = table_keys::user(&user.user_id);
    let mut ops = vec![WriteOp::Delete(
        user_key.clone(),
        Condition::Version(version),
    )];
    let mut others = partition_keys(state, &user_key.pk).await?;
    others.extend(
        partition_keys(
            state,
            &table_keys::handle_partition(&user.app_id, &user.handle),
        )
        .await?,
    );
    if let Some(name) = &user.user_name {
        others.push(table_keys::user_name_claim(&user.app_id, name));
    }
    if let Some(id) = &user.social {
        others.push(table_keys::identity_claim(
            &user.app_id,
            id.provider.as_str(),
            &id.sub,
        ));
    }
    // The passkeys' credential-id claims (the set itself is in the user's partition).
    if let Some(item) = state
        .store
        .get(&table_keys::passkeys(&user.user_id))
        .await?
    {
        let set: PasskeySet = repo::record(&item)?;
        others.extend(set.passkeys.iter().map(|p| claim_key(&user.app_id, &p.id)));
    }
    if let (Some(phone), true) = (&user.two_factor.phone, user.two_factor.phone_verified) {
        // The verified phone's claim, so the number is free for someone else.
        others.push(table_keys::phone_claim(
            &user.app_id,
            &crate::domain::common::phone_claim::phone_digest(state, phone),
        ));
    }
    others.retain(|k| *k != user_key);
    ops.extend(
        others
            .into_iter()
            .map(|k| WriteOp::Delete(k, Condition::Any)),
    );
    if ops.len() > MAX_TRANSACT_OPS {
        return Err(Error::internal(format!(
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
                limit: MAX_TRANSACT_OPS,
                cursor,
            })
            .await?;
        keys.extend(page.items.into_iter().map(|i| i.key));
        match page.cursor {
            Some(c) if keys.len() <= MAX_TRANSACT_OPS => cursor = Some(c),
            _ => return Ok(keys),
        }
    }
}
