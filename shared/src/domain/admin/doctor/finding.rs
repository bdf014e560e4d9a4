//! What the checker reports: one [`Finding`] per broken invariant, named by a [`Problem`] whose
//! name is stable (the CLI prints it, `--json` and scripts match on it).

use crate::store::Key;

/// A broken invariant of the table, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// A user whose handle claim is absent: anyone may sign up with its handle again.
    HandleClaimMissing,
    /// A user whose handle claim names another user.
    HandleClaimElsewhere,
    /// A handle claim whose user is gone or holds another handle: the handle is locked for good.
    HandleClaimOrphan,
    /// A user whose username has no claim.
    UserNameClaimMissing,
    /// A user whose username claim names another user.
    UserNameClaimElsewhere,
    /// A username claim whose user is gone or holds another username.
    UserNameClaimOrphan,
    /// A user with a verified phone and no claim on it.
    PhoneClaimMissing,
    /// A user whose verified phone's claim names another user.
    PhoneClaimElsewhere,
    /// A phone claim whose user is gone or has not verified that number.
    PhoneClaimOrphan,
    /// A user linked to an Apple or Google identity without its claim.
    IdentityClaimMissing,
    /// A user whose identity claim names another user.
    IdentityClaimElsewhere,
    /// An identity claim whose user is gone or is linked to another identity.
    IdentityClaimOrphan,
    /// A passkey credential-id claim whose user is gone or belongs to another app.
    PasskeyClaimOrphan,
    /// A pending invite whose sender's account is gone (its deletion should have revoked it).
    InviteFromDeletedSender,
    /// A pending item (signup, reset, invite, second-factor login, phone verification, disable
    /// code, undo link, nonce) that never expires.
    NoExpiry,
    /// A code-tries counter past the ceiling every write of it holds.
    CounterAboveLimit,
    /// Audit entries about a user id that never existed (no user and no deletion entry).
    AuditOfUnknownUser,
    /// A record the domain's own types cannot read.
    InvalidRecord,
    /// An item in a user's partitions (or a sent-invite pointer) whose user is gone.
    OrphanUserItem,
    /// An item whose key matches nothing in the key design (`table_keys`).
    UnknownItem,
    /// An app marked `deleting` whose deletion stopped halfway (its items are purged user by
    /// user, so they are not checked against each other until the same `DELETE` resumes it).
    AppDeletionUnfinished,
    /// A password hash or sealed TOTP secret made under a service-secret version older than the
    /// current one: re-made at the user's next login. Until none names a version, dropping that
    /// version locks those users out (docs/operations.md, rotating the service secret).
    OldSecretVersion,
}

impl Problem {
    /// The stable name the CLI and the JSON reply show.
    pub const fn name(self) -> &'static str {
        match self {
            Problem::HandleClaimMissing => "handle-claim-missing",
            Problem::HandleClaimElsewhere => "handle-claim-elsewhere",
            Problem::HandleClaimOrphan => "handle-claim-orphan",
            Problem::UserNameClaimMissing => "username-claim-missing",
            Problem::PasskeyClaimOrphan => "passkey-claim-orphan",
            Problem::UserNameClaimElsewhere => "username-claim-elsewhere",
            Problem::UserNameClaimOrphan => "username-claim-orphan",
            Problem::PhoneClaimMissing => "phone-claim-missing",
            Problem::PhoneClaimElsewhere => "phone-claim-elsewhere",
            Problem::PhoneClaimOrphan => "phone-claim-orphan",
            Problem::IdentityClaimMissing => "identity-claim-missing",
            Problem::IdentityClaimElsewhere => "identity-claim-elsewhere",
            Problem::IdentityClaimOrphan => "identity-claim-orphan",
            Problem::InviteFromDeletedSender => "invite-from-deleted-sender",
            Problem::NoExpiry => "no-expiry",
            Problem::CounterAboveLimit => "counter-above-limit",
            Problem::AuditOfUnknownUser => "audit-of-unknown-user",
            Problem::InvalidRecord => "invalid-record",
            Problem::OrphanUserItem => "orphan-user-item",
            Problem::UnknownItem => "unknown-item",
            Problem::AppDeletionUnfinished => "app-deletion-unfinished",
            Problem::OldSecretVersion => "old-secret-version",
        }
    }
}

/// One broken invariant: what, at which item, and a line for the operator (ids and key names
/// only: never a code hash, a password hash or a phone number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The kind of problem.
    pub problem: Problem,
    /// The item it was found at.
    pub key: Key,
    /// What exactly, for the operator.
    pub detail: String,
}
