//! The check of one item, found by what its key says it is (`table_keys`' table): its record
//! must decode with the domain's own type, pending items must expire, code-tries counters must
//! sit at or under their ceiling, and every cross-item invariant is checked from both ends with
//! point reads (a user's claims from the user, each claim's user from the claim), so a page can
//! be checked on its own, whatever page the other end of the invariant falls in.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use super::finding::{Finding, Problem};
use crate::crypto::password::Passwords;
use crate::crypto::seal::Sealer;
use crate::domain::audit::AuditEntry;
use crate::domain::common::one_time_code::MAX_TRIES;
use crate::domain::common::repo;
use crate::domain::factors::record::Factors;
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus};
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::Result;
use crate::store::{Index, Item, Query};

/// The audit events that mean "this user existed and was deleted".
mod claims;

const DELETION_EVENTS: [&str; 2] = ["account.deleted", "admin.user.deleted"];

/// What a point read of a user found.
#[derive(Debug, Clone)]
enum Found {
    Missing,
    /// Present but undecodable: its own item reports it, the cross-checks skip it. Its app,
    /// when the record still names one.
    Unreadable(Option<String>),
    User(Box<User>),
}

/// One page's checker: the findings so far, and the users read for it (many items of a page
/// name the same user).
pub(super) struct Checker<'a> {
    state: &'a AppState,
    pub(super) findings: Vec<Finding>,
    pub(super) checked: usize,
    users: HashMap<String, Found>,
    deleted: HashMap<(String, String), bool>,
    /// Whether each app read for this page is being deleted.
    deleting: HashMap<String, bool>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(state: &'a AppState) -> Self {
        Self {
            state,
            findings: Vec::new(),
            checked: 0,
            users: HashMap::new(),
            deleted: HashMap::new(),
            deleting: HashMap::new(),
        }
    }

    fn report(&mut self, problem: Problem, item: &Item, detail: impl Into<String>) {
        self.findings.push(Finding {
            problem,
            key: item.key.clone(),
            detail: detail.into(),
        });
    }

    /// Whether `item` belongs to app `app_id`: its key names the app, or (in a user's
    /// partitions) its user's record does. Items of a user who is gone name no app: only the
    /// whole-table check reports them.
    pub(super) async fn belongs(&mut self, item: &Item, app_id: &str) -> Result<bool> {
        let pk = item.key.pk.as_str();
        if let Some(rest) = pk.strip_prefix("APP#") {
            return Ok(rest == app_id
                || rest
                    .strip_prefix(app_id)
                    .is_some_and(|r| r.starts_with('#')));
        }
        let Some(rest) = pk.strip_prefix("USER#") else {
            return Ok(false);
        };
        if item.key.sk == "USER"
            && let Some(app) = item.data.get("appId").and_then(|a| a.as_str())
        {
            // The user record names its app itself: no read.
            return Ok(app == app_id);
        }
        if rest.ends_with("#SENT") {
            return Ok(item
                .key
                .sk
                .strip_prefix(app_id)
                .is_some_and(|r| r.starts_with('#')));
        }
        Ok(match self.user(rest).await? {
            Found::User(user) => user.app_id == app_id,
            Found::Unreadable(app) => app.as_deref() == Some(app_id),
            Found::Missing => false,
        })
    }

    /// Checks one item of the table.
    pub(super) async fn check(&mut self, item: &Item) -> Result<()> {
        self.checked += 1;
        let pk = item.key.pk.clone();
        if pk == "KEYTURN" {
            return Ok(());
        }
        // An app's deletion purges user by user and item by item, not in one transaction (see
        // `delete_app`): an interrupted one leaves half-purged users whose claims are gone. The
        // app's record reports the unfinished deletion (resumed by the same DELETE); its items,
        // which that resumption removes, are not checked against each other.
        let is_app_record = pk.strip_prefix("APP#").is_some_and(|r| !r.contains('#'));
        if !is_app_record
            && let Some(app) = self.app_of(item).await?
            && self.app_deleting(&app).await?
        {
            return Ok(());
        }
        if let Some(rest) = pk.strip_prefix("USER#") {
            return match rest.strip_suffix("#SENT") {
                Some(sender) => self.sent_pointer(sender, item).await,
                None => self.user_item(rest, item).await,
            };
        }
        if let Some(rest) = pk.strip_prefix("APP#") {
            let mut parts = rest.splitn(3, '#');
            let app = parts.next().unwrap_or_default().to_owned();
            return match (parts.next(), parts.next()) {
                (None, _) => {
                    self.app_item(item);
                    Ok(())
                }
                (Some("H"), Some(handle)) => self.handle_item(&app, handle, item).await,
                (Some("U"), Some(name)) => self.user_name_claim(&app, name, item).await,
                (Some("P"), Some(digest)) => self.phone_item(&app, digest, item).await,
                (Some("IDP"), Some(id)) => self.identity_claim(&app, id, item).await,
                (Some("PK"), Some(_)) if item.key.sk == "PASSKEY" => {
                    let owner = app.clone();
                    self.claim_holds(item, Problem::PasskeyClaimOrphan, move |u| {
                        u.app_id == owner
                    })
                    .await
                }
                (Some("CEREMONY"), Some(_)) if item.key.sk == "CEREMONY" => {
                    self.expires(item);
                    Ok(())
                }
                (Some("NONCE"), Some(_)) => {
                    self.expires(item);
                    Ok(())
                }
                (Some("IP"), Some(_)) => {
                    if item.key.sk.starts_with("SIGNUP#TRIES#") {
                        self.ceiling(item, MAX_TRIES);
                    } else if !item.key.sk.starts_with("LIMIT#") {
                        self.unknown(item);
                    }
                    Ok(())
                }
                (Some("MB" | "BUDGET"), Some(_)) => Ok(()),
                (Some("AUDIT"), Some(tail)) => self.audit_entry(&app, tail, item).await,
                _ => {
                    self.unknown(item);
                    Ok(())
                }
            };
        }
        self.unknown(item);
        Ok(())
    }

    /// Reports `what` when it was made under a service-secret version older than `current`.
    fn secret_version(&mut self, item: &Item, what: &str, version: u32, current: u32, held: bool) {
        if version == current {
            return;
        }
        let detail = if held {
            format!(
                "{what} under service-secret version {version} (current {current}): re-made at the user's next login; dropping version {version} before then locks the user out"
            )
        } else {
            format!(
                "{what} under service-secret version {version}, which the secret no longer holds: the user must reset it"
            )
        };
        self.report(Problem::OldSecretVersion, item, detail);
    }

    fn unknown(&mut self, item: &Item) {
        self.report(
            Problem::UnknownItem,
            item,
            "no item of the key design has this key",
        );
    }

    /// Decodes the record as `T`, reporting it when it does not.
    fn decode<T: DeserializeOwned>(&mut self, item: &Item, what: &str) -> Option<T> {
        match repo::record::<T>(item) {
            Ok(record) => Some(record),
            Err(e) => {
                self.report(
                    Problem::InvalidRecord,
                    item,
                    format!("not a valid {what}: {}", e.report()),
                );
                None
            }
        }
    }

    fn expires(&mut self, item: &Item) {
        if item.expires_at.is_none() {
            self.report(Problem::NoExpiry, item, "a pending item without an expiry");
        }
    }

    fn ceiling(&mut self, item: &Item, max: i64) {
        if item.counter > max {
            self.report(
                Problem::CounterAboveLimit,
                item,
                format!("counter {} above its ceiling {max}", item.counter),
            );
        }
    }

    /// The app `item` belongs to, as far as its key or its user's record says.
    async fn app_of(&mut self, item: &Item) -> Result<Option<String>> {
        let pk = item.key.pk.as_str();
        if let Some(rest) = pk.strip_prefix("APP#") {
            return Ok(rest.split('#').next().map(str::to_owned));
        }
        let Some(rest) = pk.strip_prefix("USER#") else {
            return Ok(None);
        };
        if rest.ends_with("#SENT") {
            return Ok(item.key.sk.split('#').next().map(str::to_owned));
        }
        if item.key.sk == "USER" {
            return Ok(item
                .data
                .get("appId")
                .and_then(|a| a.as_str())
                .map(str::to_owned));
        }
        Ok(match self.user(rest).await? {
            Found::User(user) => Some(user.app_id),
            Found::Unreadable(app) => app,
            Found::Missing => None,
        })
    }

    /// Whether app `app_id` is marked `deleting`, read once per page.
    async fn app_deleting(&mut self, app_id: &str) -> Result<bool> {
        if let Some(deleting) = self.deleting.get(app_id) {
            return Ok(*deleting);
        }
        let deleting = match self.state.store.get(&table_keys::app(app_id)).await? {
            Some(item) => repo::record::<App>(&item)
                .is_ok_and(|app| matches!(app.status, AppStatus::Deleting)),
            None => false,
        };
        self.deleting.insert(app_id.to_owned(), deleting);
        Ok(deleting)
    }

    /// The user `user_id`, read once per page.
    async fn user(&mut self, user_id: &str) -> Result<Found> {
        if let Some(found) = self.users.get(user_id) {
            return Ok(found.clone());
        }
        let found = match self.state.store.get(&table_keys::user(user_id)).await? {
            None => Found::Missing,
            Some(item) => match repo::record::<User>(&item) {
                Ok(user) => Found::User(Box::new(user)),
                Err(_) => Found::Unreadable(
                    item.data
                        .get("appId")
                        .and_then(|a| a.as_str())
                        .map(str::to_owned),
                ),
            },
        };
        self.users.insert(user_id.to_owned(), found.clone());
        Ok(found)
    }

    /// The `userId` a claim names, reporting a claim without one.
    fn claimant(&mut self, item: &Item) -> Option<String> {
        let user_id = item.data.get("userId").and_then(|v| v.as_str());
        if user_id.is_none() {
            self.report(Problem::InvalidRecord, item, "a claim without a userId");
        }
        user_id.map(str::to_owned)
    }

    fn app_item(&mut self, item: &Item) {
        let sk = item.key.sk.as_str();
        if sk == "APP" {
            if let Some(app) = self.decode::<App>(item, "app")
                && matches!(app.status, AppStatus::Deleting)
            {
                self.report(
                    Problem::AppDeletionUnfinished,
                    item,
                    format!(
                        "app {} is marked deleting: its deletion stopped halfway; the same \
                         DELETE resumes it",
                        app.app_id
                    ),
                );
            }
        } else if !sk.starts_with("TEMPLATE#") {
            self.unknown(item);
        }
    }

    /// An item of a user's partition: the user record (with its claims), or one of the user's
    /// factor, pending or counter items, whose user must exist.
    async fn user_item(&mut self, user_id: &str, item: &Item) -> Result<()> {
        let sk = item.key.sk.clone();
        if sk == "USER" {
            if let Some(user) = self.decode::<User>(item, "user") {
                self.user_claims(&user, item).await?;
                let passwords = &self.state.passwords;
                if let Some(v) = Passwords::pepper_version_of(&user.password_hash) {
                    self.secret_version(
                        item,
                        "password hash",
                        v,
                        passwords.current_version(),
                        passwords.holds(v),
                    );
                }
            }
            return Ok(());
        }
        if matches!(self.user(user_id).await?, Found::Missing) {
            self.report(
                Problem::OrphanUserItem,
                item,
                format!("user {user_id} does not exist"),
            );
        }
        match sk.as_str() {
            "2FA" => {
                let sealed = self
                    .decode::<Factors>(item, "second-factor record")
                    .and_then(|f| f.sealed_totp_secret);
                if let Some(v) = sealed.as_deref().and_then(Sealer::version) {
                    let sealer = &self.state.sealer;
                    self.secret_version(
                        item,
                        "sealed TOTP secret",
                        v,
                        sealer.current_version(),
                        sealer.holds(v),
                    );
                }
            }
            "PASSKEYS" => {
                self.decode::<crate::domain::records::passkey::PasskeySet>(item, "passkey set");
            }
            "2FA#LOGIN" | "PHONE#VERIFY" | "2FA#DISABLE" => self.expires(item),
            s if s.starts_with("2FA#UNDO#") => self.expires(item),
            "2FA#LOGIN#TRIES" | "PHONE#VERIFY#TRIES" | "2FA#DISABLE#TRIES" => {
                self.ceiling(item, MAX_TRIES);
            }
            "LOGIN" | "2FA#FAILS" | "2FA#LOCK" | "2FA#NOTICE" | "SMS#SENT" | "INVITES#SENT" => {}
            _ => self.unknown(item),
        }
        Ok(())
    }

    /// An invite pointer in a sender's partition: its sender must exist.
    async fn sent_pointer(&mut self, sender: &str, item: &Item) -> Result<()> {
        if matches!(self.user(sender).await?, Found::Missing) {
            self.report(
                Problem::OrphanUserItem,
                item,
                format!("sender {sender} does not exist"),
            );
        }
        Ok(())
    }

    /// An audit entry: readable, and when it is about a user, about one that exists or was
    /// deleted (a deletion leaves the trail, its own entry included, until it expires).
    async fn audit_entry(&mut self, app: &str, tail: &str, item: &Item) -> Result<()> {
        let Some(entry) = self.decode::<AuditEntry>(item, "audit entry") else {
            return Ok(());
        };
        let Some(user_id) = tail.strip_prefix("USER#") else {
            return Ok(());
        };
        if !matches!(self.user(user_id).await?, Found::Missing)
            || DELETION_EVENTS.contains(&entry.event.as_str())
            || self.was_deleted(app, user_id).await?
        {
            return Ok(());
        }
        self.report(
            Problem::AuditOfUnknownUser,
            item,
            format!("user {user_id} neither exists nor was deleted"),
        );
        Ok(())
    }

    /// Whether the user's audit partition holds the entry of its deletion.
    async fn was_deleted(&mut self, app: &str, user_id: &str) -> Result<bool> {
        let memo = (app.to_owned(), user_id.to_owned());
        if let Some(deleted) = self.deleted.get(&memo) {
            return Ok(*deleted);
        }
        let mut cursor = None;
        let deleted = loop {
            let page = self
                .state
                .store
                .query(Query {
                    index: Index::Primary,
                    pk: table_keys::audit_of_user(app, user_id, "").pk,
                    sk_prefix: String::new(),
                    limit: 100,
                    cursor,
                })
                .await?;
            let found = page.items.iter().any(|i| {
                i.data
                    .get("event")
                    .and_then(|e| e.as_str())
                    .is_some_and(|e| DELETION_EVENTS.contains(&e))
            });
            cursor = page.cursor;
            if found || cursor.is_none() {
                break found;
            }
        };
        self.deleted.insert(memo, deleted);
        Ok(deleted)
    }
}
