//! The audit trail: who did what to an app and its users, for the developer's operators
//! (`GET /admin/apps/{appId}/audit?limit=&cursor=&userId=`).
//!
//! **What is recorded.** Every admin action that changes something (with a fingerprint of the
//! admin key, never the key): apps, users, invites, signing keys, the app token, templates and
//! the Twilio account. And security events: failed logins and the failure that locks a handle
//! out, password resets and changes, second-factor changes, suspensions, revocations, deletions,
//! invites, and wrong admin keys aimed at an app (see [`Kind`] for the names and
//! `docs/security.md` for each event's details). Each entry holds the time, the event, the user
//! id when there is one, the client address and a few safe details: the details come only from
//! typed values chosen here (a reason, a handle, a setting's *name*, a key's `kid`, a template's
//! locale and name, a Twilio account SID), never from a password, code, token, private key or
//! auth token.
//!
//! **Writes never change a flow's outcome.** Security events on the hot paths are recorded with
//! [`record`]: one put, and a failure is logged loudly and swallowed, so an outage of the audit
//! write never locks users out. Admin actions go through [`record_admin`], after the change:
//! a failed audit write answers 500 (the change stands and the log names the event), because an
//! admin action that leaves no trace is worse than an operator retrying an idempotent call.
//! Login writes an entry for an unknown handle exactly as for a known one (one put either way),
//! so the write reveals nothing through timing; a *successful* login writes nothing.
//!
//! **Wrong admin keys** (`admin-key.refused`) are security events, not admin actions: written
//! with [`record`] (the answer stays 617 if the write fails), without `adminKey`, and only while
//! the presenting address is under its admin-key limit, so a flood cannot grow the trail beyond
//! 20 entries per address an hour (see [`crate::domain::admin::admin_key`]).
//!
//! **Lockouts.** The failure that fills a handle's lockout from one address is recorded as
//! `login.locked` (instead of `login.failed`); the refusals during the lock are not recorded, so
//! an attacker cannot make the trail write at will, and the trail's writes stay bounded by the
//! password limits.
//!
//! **Retention.** Entries expire after the app's `auditRetentionDays` (default 90): DynamoDB's
//! TTL deletes them in production, and every engine reads an expired item as absent.
//!
//! **Keys** (see [`table_keys`]): one item per event. A user's entries live in their own partition
//! (`APP#<appId>#AUDIT#USER#<userId>`), entries without a user in one of [`SHARDS`] app
//! partitions; every entry is also listed in the secondary index under one of [`SHARDS`] app
//! partitions picked at random, so no partition takes every event of a busy app. Sort keys are
//! the *inverted* time, so ascending order — the only order the store reads — is newest first.
//! The app listing merges the shards; its cursor holds one store position per shard.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crypto::sha256_hex;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::{ClientAddress, RequestContext};
use crate::domain::records::table_keys;
use crate::error::Result;
use crate::store::{Condition, Item};

/// App listing shards: each takes about 1,000 writes a second in DynamoDB, so eight take eight
/// times the events one partition could, while a page costs at most sixteen queries.
pub const SHARDS: u32 = 8;

/// Hex digits of the admin-key fingerprint (48 bits: tells keys apart, reveals nothing usable).
const FINGERPRINT_HEX: usize = 12;

/// The admin key as entries name it: the first 12 hex digits of its SHA-256. The deployment
/// stores the key's full SHA-256 (the stack parameter), so an operator matches a fingerprint
/// with `printf %s "$KEY" | sha256sum | cut -c1-12`; the key itself is never written.
pub fn admin_fingerprint(key: &str) -> String {
    sha256_hex(key)[..FINGERPRINT_HEX].to_owned()
}

/// What happened. The wire name is `area.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A login (password or second factor) was refused.
    LoginFailed,
    /// A failed login filled the handle's lockout from its client address.
    LoginLocked,
    /// A password was set with a reset code.
    PasswordReset,
    /// A user changed their password.
    PasswordChanged,
    /// The authenticator factor was switched on (or re-enrolled).
    AuthenticatorEnabled,
    /// The authenticator factor was switched off.
    AuthenticatorDisabled,
    /// SMS login was switched on.
    PhoneLoginEnabled,
    /// SMS login was switched off.
    PhoneLoginDisabled,
    /// A factor switched on was switched off by the "this wasn't me" link of its notice, and
    /// every session ended: someone else may have switched it on.
    TwoFactorUndone,
    /// The account's second factor locked after its daily budget of wrong codes: someone
    /// holds the password; only a reset by mail unlocks it.
    SecondFactorLocked,
    /// A phone number was set (a code was sent to verify it).
    PhoneSet,
    /// A phone number was verified.
    PhoneVerified,
    /// A user deleted their account.
    AccountDeleted,
    /// An Apple or Google ID token was refused (`reason` says why; never the token).
    SocialLoginFailed,
    /// An account was created by a social signup.
    SocialSignup,
    /// An identity was linked to an existing account.
    SocialLinked,
    /// A social signup took over an unverified password account (its password stopped
    /// working and its sessions ended): the pre-account-takeover defence.
    AccountClaimed,
    /// A user registered a passkey (`passkeyId`).
    PasskeyAdded,
    /// A user removed a passkey (`passkeyId`).
    PasskeyRemoved,
    /// A passkey login or registration was refused (`step`, `reason`): a counter gone
    /// backwards (a cloned authenticator?), a wrong origin or RP id, a bad signature.
    PasskeyRefused,
    /// A user sent an invite.
    InviteSent,
    /// A user revoked an invite.
    InviteRevoked,
    /// An invite was accepted (an account registered with its code).
    InviteAccepted,
    /// Admin: an app was created.
    AdminAppCreated,
    /// Admin: an app's name, status or settings changed.
    AdminAppUpdated,
    /// Admin: a user was suspended.
    AdminUserSuspended,
    /// Admin: a user was reactivated.
    AdminUserReactivated,
    /// Admin: a user's sessions were revoked.
    AdminSessionsRevoked,
    /// Admin: a user was deleted.
    AdminUserDeleted,
    /// Admin: a user's second factors were switched off.
    AdminTwoFactorReset,
    /// Admin: an invite was sent.
    AdminInviteSent,
    /// Admin: every invite to a handle was revoked.
    AdminInviteRevoked,
    /// Admin: a signing key was generated and staged (published, not signing), so a later
    /// token signed by an unknown `kid` can be traced to a rotation or ruled out as one.
    AdminSigningKeyRotated,
    /// Admin: the staged signing key started signing: the moment tokens changed `kid`.
    AdminSigningKeyActivated,
    /// Admin: replaced signing keys were unpublished; tokens they signed stopped verifying.
    AdminSigningKeyRetired,
    /// Admin: the app token was replaced (clients holding the old one fail after its grace).
    AdminAppTokenRotated,
    /// Admin: an app's own message template was stored (what its users are mailed changed).
    AdminTemplateStored,
    /// Admin: an app's own message template was removed (the fallback applies again).
    AdminTemplateRemoved,
    /// Admin: the app's Twilio account was set (who pays for and sends its texts changed).
    AdminTwilioSet,
    /// Admin: one batch of a CosyncJWT import was written (its counts by outcome, never a
    /// record), so who brought which users in, and when, stays on record.
    AdminCosyncImported,
    /// A request named an app but carried a wrong admin key: someone guesses or holds a stale
    /// key. Not an admin action (no key proved itself), so it carries no `adminKey`.
    AdminKeyRefused,
}

impl Kind {
    /// The event's wire name.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::LoginFailed => "login.failed",
            Kind::LoginLocked => "login.locked",
            Kind::PasswordReset => "password.reset",
            Kind::PasswordChanged => "password.changed",
            Kind::AuthenticatorEnabled => "2fa.authenticator.enabled",
            Kind::AuthenticatorDisabled => "2fa.authenticator.disabled",
            Kind::PhoneLoginEnabled => "2fa.phone.enabled",
            Kind::PhoneLoginDisabled => "2fa.phone.disabled",
            Kind::TwoFactorUndone => "2fa.undone",
            Kind::SecondFactorLocked => "2fa.locked",
            Kind::PhoneSet => "phone.set",
            Kind::PhoneVerified => "phone.verified",
            Kind::AccountDeleted => "account.deleted",
            Kind::SocialLoginFailed => "social.login.failed",
            Kind::SocialSignup => "social.signup",
            Kind::SocialLinked => "social.linked",
            Kind::AccountClaimed => "account.claimed",
            Kind::PasskeyAdded => "passkey.added",
            Kind::PasskeyRemoved => "passkey.removed",
            Kind::PasskeyRefused => "passkey.refused",
            Kind::InviteSent => "invite.sent",
            Kind::InviteRevoked => "invite.revoked",
            Kind::InviteAccepted => "invite.accepted",
            Kind::AdminAppCreated => "admin.app.created",
            Kind::AdminAppUpdated => "admin.app.updated",
            Kind::AdminUserSuspended => "admin.user.suspended",
            Kind::AdminUserReactivated => "admin.user.reactivated",
            Kind::AdminSessionsRevoked => "admin.user.sessions-revoked",
            Kind::AdminUserDeleted => "admin.user.deleted",
            Kind::AdminTwoFactorReset => "admin.user.2fa-reset",
            Kind::AdminInviteSent => "admin.invite.sent",
            Kind::AdminInviteRevoked => "admin.invite.revoked",
            Kind::AdminSigningKeyRotated => "admin.signing-key.rotated",
            Kind::AdminSigningKeyActivated => "admin.signing-key.activated",
            Kind::AdminSigningKeyRetired => "admin.signing-key.retired",
            Kind::AdminAppTokenRotated => "admin.app-token.rotated",
            Kind::AdminTemplateStored => "admin.template.stored",
            Kind::AdminTemplateRemoved => "admin.template.removed",
            Kind::AdminTwilioSet => "admin.twilio.set",
            Kind::AdminCosyncImported => "admin.import.cosync",
            Kind::AdminKeyRefused => "admin-key.refused",
        }
    }
}

/// One event about to be recorded: built where it happens, from typed values only.
#[derive(Debug, Clone)]
pub struct Event {
    app_id: String,
    retention_days: u32,
    kind: Kind,
    user_id: Option<String>,
    details: Map<String, Value>,
}

impl Event {
    /// An event of `app` (whose `auditRetentionDays` decides when it expires).
    pub fn new(app: &App, kind: Kind) -> Self {
        Self {
            app_id: app.app_id.clone(),
            retention_days: app.settings.audit_retention_days,
            kind,
            user_id: None,
            details: Map::new(),
        }
    }

    /// The user the event is about.
    pub fn user(mut self, user_id: &str) -> Self {
        self.user_id = Some(user_id.to_owned());
        self
    }

    /// The user, when there is one.
    pub fn maybe_user(mut self, user_id: Option<&str>) -> Self {
        self.user_id = user_id.map(str::to_owned);
        self
    }

    /// A safe detail. Callers pass only non-secret values (names, reasons, handles, counts).
    pub fn detail(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.details.insert(name.to_owned(), value.into());
        self
    }
}

/// A refused password or second-factor check at `step` (`login`, `loginComplete`,
/// `changePassword`, `deleteAccount`): `login.locked` when it filled the handle's lockout from
/// its address, else `login.failed`. `reason` is a fixed phrase, never the input.
pub fn failed_check(
    app: &App,
    user_id: Option<&str>,
    locks_out: bool,
    step: &'static str,
    reason: &'static str,
) -> Event {
    let kind = if locks_out {
        Kind::LoginLocked
    } else {
        Kind::LoginFailed
    };
    Event::new(app, kind)
        .maybe_user(user_id)
        .detail("step", step)
        .detail("reason", reason)
}

/// An entry as stored and as the admin API lists it (the wire writes `at` as ISO 8601): who did
/// what, from where, to whom, so an incident can be reconstructed after the fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Random id, unique within the entry's time (two events of one millisecond both keep).
    pub id: String,
    /// When it happened (epoch ms).
    pub at: i64,
    /// The event's name ([`Kind::name`]).
    pub event: String,
    /// The user it concerns, if any.
    pub user_id: Option<String>,
    /// The client address of the request.
    pub client: String,
    /// Fingerprint of the admin key that acted (admin actions only).
    pub admin_key: Option<String>,
    /// What changed, by name (never a secret).
    pub details: Map<String, Value>,
}

/// Records a security event; a failed write is logged and swallowed (see the module docs).
pub async fn record(state: &AppState, client: &ClientAddress, event: Event) {
    let kind = event.kind.name();
    let app_id = event.app_id.clone();
    if let Err(e) = write(state, client, None, event).await {
        tracing::error!(%app_id, event = kind, error = %e.report(), "audit: entry not written");
    }
}

/// Records an admin action with the acting key's fingerprint; a failed write is a 500.
pub async fn record_admin(state: &AppState, ctx: &RequestContext, event: Event) -> Result<()> {
    let kind = event.kind.name();
    let app_id = event.app_id.clone();
    let admin = ctx.admin_key.clone();
    write(state, &ctx.client, admin, event)
        .await
        .inspect_err(|e| {
            tracing::error!(%app_id, event = kind, error = %e.report(), "audit: admin action not recorded");
        })
}

/// The inverted time: ascending sort keys read newest first (13 digits last until year 2286).
fn newest_first(at_ms: i64) -> String {
    format!("{:013}", 9_999_999_999_999_i64.saturating_sub(at_ms).max(0))
}

fn random_shard(state: &AppState) -> u32 {
    u32::from_str_radix(&state.codes.random_hex(2), 16).unwrap_or(0) % SHARDS
}

/// The item of a security event, for a flow that commits its change in a transaction: the
/// entry then exists exactly when the change happened (one round trip, no second write).
pub fn item(state: &AppState, client: &ClientAddress, event: Event) -> Result<Item> {
    entry_item(state, client, None, event)
}

async fn write(
    state: &AppState,
    client: &ClientAddress,
    admin_key: Option<String>,
    event: Event,
) -> Result<()> {
    let item = entry_item(state, client, admin_key, event)?;
    state.store.put(item, Condition::Any).await?;
    Ok(())
}

fn entry_item(
    state: &AppState,
    client: &ClientAddress,
    admin_key: Option<String>,
    event: Event,
) -> Result<Item> {
    let at = state.clock.now_ms();
    let id = state.codes.random_hex(8);
    let sk = format!("{}#{id}", newest_first(at));
    let shard = random_shard(state);
    let key = match &event.user_id {
        Some(user_id) => table_keys::audit_of_user(&event.app_id, user_id, &sk),
        None => table_keys::audit_of_app(&event.app_id, shard, &sk),
    };
    let expires_at = state.clock.now_secs() + i64::from(event.retention_days) * 86_400;
    let stored = AuditEntry {
        id,
        at,
        event: event.kind.name().to_owned(),
        user_id: event.user_id,
        client: client.as_str().to_owned(),
        admin_key,
        details: event.details,
    };
    Ok(repo::item(key, &stored, 1)?
        .expiring_at(expires_at)
        .indexed(table_keys::audit_listing(&event.app_id, shard, &sk)))
}

mod listing;
pub use listing::{ListRequest, list};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_times_sort_first() {
        assert!(newest_first(2_000) < newest_first(1_000));
        assert_eq!(newest_first(0).len(), 13);
    }

    #[test]
    fn fingerprints_are_short_and_never_the_key() {
        let key = "kt_admin_0123456789abcdef0123456789abcdef0123456789";
        let f = admin_fingerprint(key);
        assert_eq!(f.len(), 12);
        assert!(!key.contains(&f));
        assert_eq!(f, sha256_hex(key)[..12]);
    }
}
