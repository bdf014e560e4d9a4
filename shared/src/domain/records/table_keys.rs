//! The key design of the one table, written down with why.
//!
//! | item | pk | sk | secondary index (pk / sk) |
//! |---|---|---|---|
//! | app settings | `APP#<appId>` | `APP` | `APPS` / `<appId>` |
//! | user | `USER#<userId>` | `USER` | `APP#<appId>#USERS` / `<handle>` |
//! | user's last login | `USER#<userId>` | `LOGIN` | – |
//! | handle claim (uniqueness) | `APP#<appId>#H#<handle>` | `HANDLE` | – |
//! | username claim (uniqueness) | `APP#<appId>#U#<userName>` | `USERNAME` | – |
//! | social identity claim (uniqueness, → userId) | `APP#<appId>#IDP#<provider>#<sub>` | `IDENTITY` | – |
//! | used social nonce (single use, TTL = token expiry + 60 s) | `APP#<appId>#NONCE#<sha256 hex>` | `NONCE` | – |
//! | pending invite (one per inviter) | `APP#<appId>#H#<handle>` | `INVITE#BY#<inviter>` | `APP#<appId>#INVITES` / `<handle>#<inviter>` |
//! | invite code attempts (per invite; `NONE`: a handle without a live invite, counted alike) | `APP#<appId>#H#<handle>` | `INVITE#TRIES#<inviter>` | – |
//! | invite code tries per day (all invites to a handle) | `APP#<appId>#H#<handle>` | `INVITE#DAY` | – |
//! | invite a user sent (pointer, for deletion) | `USER#<userId>#SENT` | `<appId>#<handle>` | – |
//! | pending password reset | `APP#<appId>#H#<handle>` | `RESET` | – |
//! | reset code attempts (per code / per day over all codes) | `APP#<appId>#H#<handle>` | `RESET#TRIES` / `RESET#DAY` | – |
//! | invites sent by a user (limit) | `USER#<userId>` | `INVITES#SENT` | – |
//! | message template | `APP#<appId>` | `TEMPLATE#<locale>#<name>` | – |
//! | pending signup | `APP#<appId>#H#<handle>` | `SIGNUP` | – |
//! | signup code attempts, over every client address (per code) | `APP#<appId>#H#<handle>` | `SIGNUP#TRIES` | – |
//! | signup code attempts from one client address (per code) | `APP#<appId>#IP#<addr>` | `SIGNUP#TRIES#<code>#<handle>` | – |
//! | signup code attempts per day over every code | `APP#<appId>#H#<handle>` | `SIGNUP#DAY` | – |
//! | failed password checks of a handle in one window: in all (ceiling) and per client address (lockout) | `APP#<appId>#H#<handle>` | `LOGIN#TRIES` | – |
//! | a client address that proved the account (a login, a reset by mail): it passes the handle's ceiling | `APP#<appId>#H#<handle>` | `LOGIN#FROM#<addr>` | – |
//! | mails of one flow to one canonical mailbox (limit) | `APP#<appId>#MB#<mailbox>` | `SIGNUP#MAILS` / `RESET#MAILS` / `INVITE#MAILS` | – |
//! | mails of one flow to one canonical mailbox requested from one client address (limit) | `APP#<appId>#MB#<mailbox>` | `SIGNUP#MAILS#FROM#<addr>` / `RESET#MAILS#FROM#<addr>` | – |
//! | requests of one flow from one client address (limit) | `APP#<appId>#IP#<addr>` | `LIMIT#<flow>` | – |
//! | one shard of an app's daily budget (`MAIL`, `SMS`, `SMSENROL`, `SIGNUPCODE`) | `APP#<appId>#BUDGET#<channel>#<0..15>` | `DAY#<day>` | – |
//! | admin key hash (local runner) | `KEYTURN` | `ADMINKEY` | – |
//! | second-factor secrets (sealed TOTP secret, recovery-code hashes, last TOTP step) | `USER#<userId>` | `2FA` | – |
//! | login waiting for its second factor (login-token id, SMS code hash) | `USER#<userId>` | `2FA#LOGIN` | – |
//! | its code attempts | `USER#<userId>` | `2FA#LOGIN#TRIES` | – |
//! | second-factor failures of the account in one day (budget) / the lock once it is spent / the day's "wrong code" notice | `USER#<userId>` | `2FA#FAILS` / `2FA#LOCK` / `2FA#NOTICE` | – |
//! | SMS code to disable phone login / its attempts | `USER#<userId>` | `2FA#DISABLE` / `2FA#DISABLE#TRIES` | – |
//! | "this wasn't me" link of a factor switched on (its token's keyed hash in the key) | `USER#<userId>` | `2FA#UNDO#<tokenDigest>` | – |
//! | phone waiting for verification / its code attempts | `USER#<userId>` | `PHONE#VERIFY` / `PHONE#VERIFY#TRIES` | – |
//! | SMS sent to a user (limit) | `USER#<userId>` | `SMS#SENT` | – |
//! | verified-phone claim (uniqueness) | `APP#<appId>#P#<phoneDigest>` | `PHONE` | – |
//! | SMS sent to a phone number: enrolment / to it as a user's verified number (limits) | `APP#<appId>#P#<phoneDigest>` | `SMS#SENT` / `SMS#VERIFIED` | – |
//! | a user's passkeys (one set: the per-user limit is one compare-and-swap) | `USER#<userId>` | `PASSKEYS` | – |
//! | passkey credential-id claim (uniqueness per app, → userId; the id's SHA-256 hex) | `APP#<appId>#PK#<idDigest>` | `PASSKEY` | – |
//! | passkey ceremony begun, not finished (TTL 5 min; the challenge's SHA-256 hex) | `APP#<appId>#CEREMONY#<challengeDigest>` | `CEREMONY` | – |
//! | audit entry about a user | `APP#<appId>#AUDIT#USER#<userId>` | `<invertedTime>#<id>` | `APP#<appId>#AUDIT#<0..7>` / `<invertedTime>#<id>` |
//! | audit entry without a user (app settings) | `APP#<appId>#AUDIT#<0..7>` | `<invertedTime>#<id>` | `APP#<appId>#AUDIT#<0..7>` / `<invertedTime>#<id>` |
//!
//! The table checker (`admin::doctor`, `keyturn doctor`) knows every row above by its key and
//! reports a key it does not know: a new item kind is taught to it (`doctor::item`) as well.
//!
//! Deleting an app (`admin::delete_app`) finds everything it owns from these keys without a
//! scan: users and invites through their index partitions, then each one's partitions by name;
//! only TTL-bound counters keyed by a client address or mailbox, and handle partitions of
//! addresses that never became users nor were invited, are left to expire.
//!
//! Everything keyed to a handle lives in that handle's partition, so deleting an account finds
//! it all with one query; everything of a second factor lives in the user's partition, for the
//! same reason (the verified-phone claim, outside it, is deleted by name).
//!
//! Phone numbers appear in keys only as `phoneDigest`, a keyed hash (HMAC under the service
//! secret), so a table dump lists no numbers. SMS requests from one address count under the
//! per-address limit `LIMIT#SMS`; SMS an app sends spend its daily budget (channel `SMS`,
//! `smsDailyLimit`), sharded like mail's.
//!
//! The limit items added with per-app address limits, none hot: an address's vouch for a handle
//! (`LOGIN#FROM#<addr>`, written by that handle's successes, which its limits bound, and read
//! only while the handle's ceiling is full); a mailbox's mails per requesting address (its own
//! sort key in the mailbox's partition, taking at most the mailbox's hourly mails); a verified
//! number's login texts (`SMS#VERIFIED`, one user's logins); the second factor's failures, lock
//! and notice (`2FA#FAILS`, `2FA#LOCK`, `2FA#NOTICE`, in the user's partition, written only by
//! that user's wrong codes); a handle's signup-code tries per day (`SIGNUP#DAY`). The app-wide
//! counters among them, the SMS enrolment share and the failed-signup-code cap, are daily
//! budgets sharded like mail's.
//!
//! Invites: each inviter holds at most one live invite per handle (its sort key names the
//! inviter), so nobody can squat a handle by inviting it first; registration reads the handle's
//! invites with one query (`INVITE#BY#` prefix) and consumes them all. The pointer items under
//! `USER#<userId>#SENT` let deleting an account find and revoke the invites it sent without a
//! scan; they live in a partition of their own (not the user's) so a prolific inviter never
//! makes the user's partition too big for the one deletion transaction. Neither is hot: an
//! invited handle takes writes only from the few users who invite it (bounded by the invite
//! mails one mailbox may receive), and a sender's pointer partition only from that sender
//! (bounded by the invites one user may send per day).
//!
//! Why: every write an end user causes lands in a partition of its own user, handle, mailbox or
//! client address, so no partition takes writes in proportion to an app's whole traffic, however
//! many millions of users it has. The one app-wide counter, the daily message budget, is split
//! over 16 shard partitions (a send picks one at random), so it takes 16 times the write rate
//! one DynamoDB partition allows (about 1,000 writes a second each). Uniqueness of a handle per app is the conditional create of its claim item
//! (never read-then-write). App-wide listings go through the sparse secondary index, which only
//! user and app records enter; hot-changing data (last login, counters) lives in separate items
//! so logins never rewrite the indexed user record.

//! Audit entries are one item per event (one write), expiring after the app's
//! `auditRetentionDays` (DynamoDB TTL). A user's entries live in the user's own audit partition
//! (queried for `?userId=`), which takes writes only from that user's events, bounded by the
//! password and code limits; it is not the user's `USER#<userId>` partition, so an account's
//! deletion leaves its trail (the deletion's own entry included) until it expires. The app-wide
//! listing is the secondary index spread over 8 shard partitions, one picked at random per
//! entry, so a busy app's events take eight partitions' write rate instead of one; a listing
//! page reads the eight shards and merges them. Sort keys are the inverted time
//! (`9999999999999 - ms`, 13 digits) then a random id, because the store reads ascending only
//! and operators want the newest first. No time bucket is needed: the TTL bounds how large a
//! shard grows, and a bucketed listing of a quiet app would query every empty hour.

use crate::store::Key;

/// An app's settings record.
pub fn app(app_id: &str) -> Key {
    Key::new(format!("APP#{app_id}"), "APP")
}

/// Index key listing every app.
pub fn app_listing(app_id: &str) -> Key {
    Key::new("APPS", app_id)
}

/// A user's record.
pub fn user(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "USER")
}

/// Index key listing a user under its app, ordered by handle.
pub fn user_listing(app_id: &str, handle: &str) -> Key {
    Key::new(format!("APP#{app_id}#USERS"), handle)
}

/// A user's last-login record.
pub fn last_login(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "LOGIN")
}

fn handle_pk(app_id: &str, handle: &str) -> String {
    format!("APP#{app_id}#H#{handle}")
}

/// The claim that makes a handle unique within its app.
pub fn handle_claim(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "HANDLE")
}

/// A pending signup.
pub fn signup(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP")
}

/// Attempts at the pending signup's code.
pub fn signup_tries(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP#TRIES")
}

/// Attempts at a signup code from one client address: in the address's partition, which only
/// that address writes to, rather than the handle's, where strangers on many addresses would
/// each add an item that a deletion of the account must then carry. `code` names the code
/// (its digest's first hex digits, or a fixed word when none is pending), so a new code starts
/// every address afresh.
pub fn signup_tries_from(app_id: &str, address: &str, code: &str, handle: &str) -> Key {
    Key::new(
        format!("APP#{app_id}#IP#{address}"),
        format!("SIGNUP#TRIES#{code}#{handle}"),
    )
}

/// Signup-code tries of a handle per day, across every code issued that day.
pub fn signup_code_budget(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "SIGNUP#DAY")
}

/// A handle's failed password checks in the current lockout window, in all and per client
/// address: one item, so a successful login checks one version (see `common::password_check`).
pub fn login_tries(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "LOGIN#TRIES")
}

/// A client address that proved the account behind `handle` (a passed password or code check,
/// a reset by mail): tries from it are answered even while strangers keep the handle's
/// ceiling full. One item per address, so a success writes it without reading the others.
pub fn login_vouch(app_id: &str, handle: &str, address: &str) -> Key {
    Key::new(handle_pk(app_id, handle), format!("LOGIN#FROM#{address}"))
}

/// The local runner's admin key hash.
pub fn admin_key() -> Key {
    Key::new("KEYTURN", "ADMINKEY")
}

/// The service secret's check item: each version's canary digest (see
/// `domain::ports::secret_check`).
pub fn secret_check() -> Key {
    Key::new("KEYTURN", "SECRETCHECK")
}

/// The claim that makes a username unique within its app.
pub fn user_name_claim(app_id: &str, user_name: &str) -> Key {
    Key::new(format!("APP#{app_id}#U#{user_name}"), "USERNAME")
}

/// The claim that makes an Apple or Google identity unique within its app and names its user:
/// a partition of its own, so only that identity's logins read it.
pub fn identity_claim(app_id: &str, provider: &str, sub: &str) -> Key {
    Key::new(format!("APP#{app_id}#IDP#{provider}#{sub}"), "IDENTITY")
}

/// A social nonce already spent (its SHA-256, as the token carries it): single use.
pub fn social_nonce(app_id: &str, nonce_hash: &str) -> Key {
    Key::new(format!("APP#{app_id}#NONCE#{nonce_hash}"), "NONCE")
}

/// The partition holding everything keyed to a handle (claim, signup, invite, reset, counters).
pub fn handle_partition(app_id: &str, handle: &str) -> String {
    handle_pk(app_id, handle)
}

/// Sort-key prefix of the invites to one handle (one per inviter).
pub const INVITE_PREFIX: &str = "INVITE#BY#";

/// The invite `inviter` (a user id, or `admin`) sent to `handle`.
pub fn invite(app_id: &str, handle: &str, inviter: &str) -> Key {
    Key::new(
        handle_pk(app_id, handle),
        format!("{INVITE_PREFIX}{inviter}"),
    )
}

/// Index key listing a pending invite under its app, ordered by handle, then inviter.
pub fn invite_listing(app_id: &str, handle: &str, inviter: &str) -> Key {
    Key::new(
        format!("APP#{app_id}#INVITES"),
        format!("{handle}#{inviter}"),
    )
}

/// Attempts at the code of the invite `inviter` sent to `handle`.
pub fn invite_tries(app_id: &str, handle: &str, inviter: &str) -> Key {
    Key::new(handle_pk(app_id, handle), format!("INVITE#TRIES#{inviter}"))
}

/// Invite-code comparisons on one handle per day, across every invite and inviter (new invites
/// do not refill it).
pub fn invite_code_budget(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "INVITE#DAY")
}

/// The partition of pointers to the invites a user sent.
pub fn sent_invites_partition(user_id: &str) -> String {
    format!("USER#{user_id}#SENT")
}

/// A pointer to the invite `user_id` sent to `handle` in `app_id`.
pub fn sent_invite(user_id: &str, app_id: &str, handle: &str) -> Key {
    Key::new(
        sent_invites_partition(user_id),
        format!("{app_id}#{handle}"),
    )
}

/// A pending password reset.
pub fn reset(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "RESET")
}

/// Attempts at a reset code.
pub fn reset_tries(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "RESET#TRIES")
}

/// Invites a user sent in the current window.
pub fn invites_sent(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "INVITES#SENT")
}

/// A user's second-factor secrets (sealed TOTP secret, recovery-code hashes, last TOTP step).
pub fn factors(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA")
}

/// The user's login waiting for its second factor (one at a time: a new login replaces it).
pub fn pending_login(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#LOGIN")
}

/// Attempts at the pending login's second factor.
pub fn pending_login_tries(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#LOGIN#TRIES")
}

/// The account's second-factor failures in the current day (its budget).
pub fn factor_failures(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#FAILS")
}

/// The lock a spent second-factor budget leaves until a reset by mail.
pub fn factor_lock(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#LOCK")
}

/// The day's notice that a wrong second-factor code followed a right password (one a day).
pub fn factor_notice(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#NOTICE")
}

/// The SMS code that lets a user switch phone login off.
pub fn disable_code(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#DISABLE")
}

/// Attempts at the disable code.
pub fn disable_code_tries(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "2FA#DISABLE#TRIES")
}

/// A factor's "this wasn't me" link, found by its token's keyed hash (several may be live: one
/// per factor switched on).
pub fn factor_undo(user_id: &str, token_digest: &str) -> Key {
    Key::new(
        format!("USER#{user_id}"),
        format!("2FA#UNDO#{token_digest}"),
    )
}

/// A phone number waiting for its verification code.
pub fn phone_verification(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "PHONE#VERIFY")
}

/// Attempts at the phone verification code.
pub fn phone_verification_tries(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "PHONE#VERIFY#TRIES")
}

/// SMS sent to a user in the current window.
pub fn sms_by_user(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "SMS#SENT")
}

/// The claim that makes a verified phone unique within its app (`digest` is a keyed hash).
pub fn phone_claim(app_id: &str, digest: &str) -> Key {
    Key::new(format!("APP#{app_id}#P#{digest}"), "PHONE")
}

/// SMS sent to one phone number in the current window.
pub fn sms_by_phone(app_id: &str, digest: &str) -> Key {
    Key::new(format!("APP#{app_id}#P#{digest}"), "SMS#SENT")
}

/// Texts sent to one number as a user's verified phone (login and disable codes) in the
/// current window.
pub fn verified_sms_by_phone(app_id: &str, digest: &str) -> Key {
    Key::new(format!("APP#{app_id}#P#{digest}"), "SMS#VERIFIED")
}

/// A per-address counter of one flow (see `limits::AddressFlow`), per app.
pub fn address_limit(app_id: &str, address: &str, flow: &str) -> Key {
    Key::new(
        format!("APP#{app_id}#IP#{address}"),
        format!("LIMIT#{flow}"),
    )
}

/// One shard of an app's daily message budget (`channel` is `MAIL` or `SMS`, `day` the UTC day
/// number since the epoch).
pub fn daily_budget(app_id: &str, channel: &str, day: i64, shard: u32) -> Key {
    Key::new(
        format!("APP#{app_id}#BUDGET#{channel}#{shard}"),
        format!("DAY#{day}"),
    )
}

/// Messages of one flow (`SIGNUP`, `RESET`, `INVITE`) sent to one canonical mailbox, per app.
pub fn mailbox_mails(app_id: &str, mailbox: &str, flow: &str) -> Key {
    Key::new(
        format!("APP#{app_id}#MB#{mailbox}"),
        format!("{flow}#MAILS"),
    )
}

/// Messages of one flow (`SIGNUP`, `RESET`) to one canonical mailbox requested from one client
/// address, per app.
pub fn mailbox_mails_from(app_id: &str, mailbox: &str, flow: &str, address: &str) -> Key {
    Key::new(
        format!("APP#{app_id}#MB#{mailbox}"),
        format!("{flow}#MAILS#FROM#{address}"),
    )
}

/// Reset-code tries of a handle per day, across every code issued that day.
pub fn reset_code_budget(app_id: &str, handle: &str) -> Key {
    Key::new(handle_pk(app_id, handle), "RESET#DAY")
}

/// An audit entry about `user_id` (`sk` is `<invertedTime>#<id>`; empty for the partition).
pub fn audit_of_user(app_id: &str, user_id: &str, sk: &str) -> Key {
    Key::new(format!("APP#{app_id}#AUDIT#USER#{user_id}"), sk)
}

/// An audit entry without a user, in app shard `shard`.
pub fn audit_of_app(app_id: &str, shard: u32, sk: &str) -> Key {
    Key::new(format!("APP#{app_id}#AUDIT#{shard}"), sk)
}

/// Index key listing an audit entry in app shard `shard`, newest first.
pub fn audit_listing(app_id: &str, shard: u32, sk: &str) -> Key {
    Key::new(format!("APP#{app_id}#AUDIT#{shard}"), sk)
}

/// A user's passkeys (see `records::passkey::PasskeySet`).
pub fn passkeys(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "PASSKEYS")
}

/// The claim that makes a passkey credential id unique within its app and names its user
/// (`digest`: the id's SHA-256 hex, so a 1,023-byte id still fits a key): the discoverable
/// login starts from the credential, not from a user.
pub fn passkey_claim(app_id: &str, digest: &str) -> Key {
    Key::new(format!("APP#{app_id}#PK#{digest}"), "PASSKEY")
}

/// A passkey ceremony between its begin and its finish (`digest`: the challenge's SHA-256 hex),
/// so whichever instance serves the finish finds it, and consumes it once.
pub fn passkey_ceremony(app_id: &str, digest: &str) -> Key {
    Key::new(format!("APP#{app_id}#CEREMONY#{digest}"), "CEREMONY")
}
