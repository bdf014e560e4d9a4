//! The repository: domain records to store items and back, written once over the item-store
//! port (key design in [`crate::domain::records::table_keys`]).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::domain::records::user::{Handle, User, UserName};
use crate::error::{Context, Error, Result};
use crate::store::{Condition, Item, Key, StoreError};

/// Serialises a record into an item at `key` with the given version.
pub fn item<T: Serialize>(key: Key, record: &T, version: u64) -> Result<Item> {
    let data = serde_json::to_value(record).context("encode a record")?;
    let mut item = Item::new(key, data);
    item.version = version;
    Ok(item)
}

/// Decodes an item's record.
pub fn record<T: DeserializeOwned>(item: &Item) -> Result<T> {
    serde_json::from_value(item.data.clone())
        .context(format!("decode {}/{}", item.key.pk, item.key.sk))
}

/// Writes a changed app record back over the `version` it was read at (stamping `updated_at`):
/// the last step of every read-modify-write of an app, inside [`retry_on_conflict`].
pub async fn put_app(state: &AppState, mut app: App, version: u64) -> Result<Attempt<App>> {
    app.updated_at = state.clock.now_ms();
    let written = state
        .store
        .put(app_item(&app, version + 1)?, Condition::Version(version))
        .await;
    attempt(written, app)
}

/// The item of an app record.
pub fn app_item(app: &App, version: u64) -> Result<Item> {
    Ok(item(table_keys::app(&app.app_id), app, version)?
        .indexed(table_keys::app_listing(&app.app_id)))
}

pub use crate::domain::records::user::MAX_HANDLE_BYTES;

/// Longest app or user id looked up (ids are 32 hex digits): anything longer is 602 before it
/// reaches the store, whose keys are limited (DynamoDB: 2 KB partition keys).
pub const MAX_ID_BYTES: usize = 64;

fn check_id(id: &str, what: &str) -> Result<()> {
    if id.len() > MAX_ID_BYTES {
        return Err(Error::invalid(format!("{what} is not a valid id")));
    }
    Ok(())
}

/// An app that must exist (401 otherwise, also while it is being deleted), with its version, for
/// reading: it may come from the warm instance's cache, at most the settings TTL old (see
/// [`crate::domain::ports::app_cache`]).
pub async fn existing_app(state: &AppState, app_id: &str) -> Result<(App, u64)> {
    load_app(state, app_id)
        .await?
        .filter(|(app, _)| app.status != crate::domain::records::app::AppStatus::Deleting)
        .ok_or(Error::AppNotFound)
}

/// The app an app token issued at `token_iat` names (401 when it is gone or being deleted), for
/// reading. From the cache, like [`existing_app`], unless the token is newer than the cached
/// record: then a rotation this instance has not read yet issued it, and the record is read
/// afresh (and cached). So a rotated token works at once on every warm instance, and an
/// instance that has seen it refuses the old token from then on. A forged token never gets
/// here (its signature is checked first), so only genuine new tokens cost the extra read.
pub async fn app_for_token(state: &AppState, app_id: &str, token_iat: i64) -> Result<(App, u64)> {
    let (app, version) = existing_app(state, app_id).await?;
    if token_iat <= app.token_issued_at {
        return Ok((app, version));
    }
    reload_app(state, app_id)
        .await?
        .filter(|(app, _)| app.status != crate::domain::records::app::AppStatus::Deleting)
        .ok_or(Error::AppNotFound)
}

/// An app and its version, if it exists (602 for an id no app can have, 630 when its stored
/// record is invalid), for reading: from the warm instance's cache when it is fresh enough, else
/// from the store (and then cached).
pub async fn load_app(state: &AppState, app_id: &str) -> Result<Option<(App, u64)>> {
    check_id(app_id, "appId")?;
    if let Some(cached) = state.apps.get(app_id, state.clock.now_ms()) {
        return Ok(Some(cached));
    }
    reload_app(state, app_id).await
}

/// [`load_app`] from the store, replacing the cached copy.
async fn reload_app(state: &AppState, app_id: &str) -> Result<Option<(App, u64)>> {
    let now = state.clock.now_ms();
    let generation = state.apps.generation();
    let loaded = load_app_fresh(state, app_id).await?;
    if let Some((app, version)) = &loaded {
        state.apps.insert(app, *version, now, generation);
    }
    Ok(loaded)
}

/// [`existing_app`] read from the store, never the cache: for compare-and-swap updates of the
/// app record, whose version must be the stored one.
pub async fn existing_app_fresh(state: &AppState, app_id: &str) -> Result<(App, u64)> {
    load_app_fresh(state, app_id)
        .await?
        .filter(|(app, _)| app.status != crate::domain::records::app::AppStatus::Deleting)
        .ok_or(Error::AppNotFound)
}

/// [`load_app`] read from the store, never the cache.
pub async fn load_app_fresh(state: &AppState, app_id: &str) -> Result<Option<(App, u64)>> {
    match stored_app(state, app_id).await? {
        None => Ok(None),
        Some(StoredApp {
            app: Ok(app),
            version,
            ..
        }) => Ok(Some((app, version))),
        Some(StoredApp {
            app: Err(problem), ..
        }) => Err(Error::SettingsInvalid {
            app_id: app_id.to_owned(),
            problem,
        }),
    }
}

/// An app record as stored, whether or not it decodes: what the admin API shows and repairs
/// when a hand edit broke it.
#[derive(Debug, Clone)]
pub struct StoredApp {
    /// The decoded app, or the attribute path and problem that stopped it
    /// ([`crate::domain::records::app::decode_stored`]).
    pub app: std::result::Result<App, String>,
    /// The record as stored.
    pub record: serde_json::Value,
    /// The item's version.
    pub version: u64,
}

/// The app record as stored (never cached), decoded when it can be (602 for an id no app can
/// have).
pub async fn stored_app(state: &AppState, app_id: &str) -> Result<Option<StoredApp>> {
    check_id(app_id, "appId")?;
    Ok(state
        .store
        .get(&table_keys::app(app_id))
        .await?
        .map(|item| StoredApp {
            app: crate::domain::records::app::decode_stored(&item.data),
            record: item.data,
            version: item.version,
        }))
}

/// The item of a user record, listed under its app by handle.
pub fn user_item(user: &User, version: u64) -> Result<Item> {
    Ok(item(table_keys::user(&user.user_id), user, version)?
        .indexed(table_keys::user_listing(&user.app_id, &user.handle)))
}

/// The handle-claim item that makes `handle` unique in its app.
pub fn handle_claim_item(user: &User) -> Result<Item> {
    item(
        table_keys::handle_claim(&user.app_id, &user.handle),
        &serde_json::json!({ "userId": user.user_id }),
        1,
    )
}

/// A user and its version, by id (602 for an id no user can have).
pub async fn load_user(state: &AppState, user_id: &str) -> Result<Option<(User, u64)>> {
    check_id(user_id, "userId")?;
    match state.store.get(&table_keys::user(user_id)).await? {
        Some(item) => Ok(Some((record(&item)?, item.version))),
        None => Ok(None),
    }
}

/// When the user last logged in (ISO 8601), if ever.
pub async fn last_login(state: &AppState, user_id: &str) -> Result<Option<String>> {
    Ok(state
        .store
        .get(&table_keys::last_login(user_id))
        .await?
        .and_then(|i| i.data.get("at").and_then(serde_json::Value::as_i64))
        .map(crate::clock::iso_millis))
}

/// A user by handle, through the handle claim.
pub async fn find_user_by_handle(
    state: &AppState,
    app_id: &str,
    handle: &str,
) -> Result<Option<(User, u64)>> {
    let Some(claim) = state
        .store
        .get(&table_keys::handle_claim(app_id, handle))
        .await?
    else {
        return Ok(None);
    };
    let user_id = claim
        .data
        .get("userId")
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::internal("handle claim without userId"))?;
    load_user(state, user_id).await
}

/// The handle a login identifier stands for: an email is normalised; a name without `@` is a
/// username (606 when the app has none) resolved through its claim. An unknown username yields
/// a handle no account can have, so the caller's answer stays the uniform 600.
///
/// Identifiers no account can have and no store key may hold are 602 before any store call: a
/// handle over [`MAX_HANDLE_BYTES`] (an email address has at most 254), a username that breaks
/// its rules (3 to 32 characters).
pub async fn login_handle(state: &AppState, app: &App, identifier: &str) -> Result<String> {
    if identifier.contains('@') {
        return match Handle::parse(identifier) {
            Ok(h) => Ok(h.as_str().to_owned()),
            Err(e) if identifier.trim().len() > MAX_HANDLE_BYTES => Err(e),
            Err(_) => Ok(identifier.trim().to_lowercase()),
        };
    }
    if !app.settings.user_names_enabled {
        return Err(Error::UserNamesDisabled);
    }
    let name = UserName::parse(identifier)?.as_str().to_owned();
    let claim = state
        .store
        .get(&table_keys::user_name_claim(&app.app_id, &name))
        .await?;
    match claim.and_then(|c| {
        c.data
            .get("handle")
            .and_then(|h| h.as_str())
            .map(str::to_owned)
    }) {
        Some(handle) => Ok(handle),
        None => Ok(format!("{name}@username.invalid")),
    }
}

/// Compare-and-swap attempts before a constantly changing record is an internal error.
const CAS_ATTEMPTS: usize = 8;

/// How one compare-and-swap attempt ended.
#[derive(Debug)]
pub enum Attempt<T> {
    /// It went through (or decided there is nothing to do).
    Done(T),
    /// A concurrent change won: read again and decide afresh.
    Conflict,
}

/// Runs a read-modify-write `attempt` until it is done, retrying after each [`Attempt::Conflict`]
/// (every such retry follows a concurrent change, so a record that keeps changing for
/// [`CAS_ATTEMPTS`] attempts is an internal error naming `what`). Each attempt reads afresh.
pub async fn retry_on_conflict<T, F, Fut>(what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>>>,
{
    for _ in 0..CAS_ATTEMPTS {
        if let Attempt::Done(value) = attempt().await? {
            return Ok(value);
        }
    }
    Err(Error::internal(format!("{what} kept changing")))
}

/// Maps a plain conditional write's outcome to an [`Attempt`].
pub fn attempt<T>(result: Result<(), StoreError>, value: T) -> Result<Attempt<T>> {
    match result {
        Ok(()) => Ok(Attempt::Done(value)),
        Err(e) if e.is_conflict() => Ok(Attempt::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Applies `change` to a user's record and writes it back under a version check, re-reading and
/// re-applying on a concurrent change; `change` sees the fresh record each time, so it decides
/// afresh (and may refuse). `None` when the user does not exist (any more).
pub async fn update_user(
    state: &AppState,
    user_id: &str,
    change: impl Fn(&mut User) -> Result<()>,
) -> Result<Option<User>> {
    update_loaded_user(state, user_id, None, change).await
}

/// [`update_user`] starting from a record this request already read (saves a round trip): the
/// write is conditional on its version, so a stale copy only costs a re-read and a retry.
pub async fn update_loaded_user(
    state: &AppState,
    user_id: &str,
    loaded: Option<(User, u64)>,
    change: impl Fn(&mut User) -> Result<()>,
) -> Result<Option<User>> {
    let change = &change;
    let loaded = &std::sync::Mutex::new(loaded);
    retry_on_conflict("user record", || {
        let first = loaded.lock().ok().and_then(|mut l| l.take());
        async move {
            let current = match first {
                Some(first) => Some(first),
                None => load_user(state, user_id).await?,
            };
            let Some((mut user, version)) = current else {
                return Ok(Attempt::Done(None));
            };
            change(&mut user)?;
            user.updated_at = state.clock.now_ms();
            let written = state
                .store
                .put(user_item(&user, version + 1)?, Condition::Version(version))
                .await;
            attempt(written, Some(user))
        }
    })
    .await
}
