//! Signing-key rotation in three steps, so no consumer ever meets a token signed by a key it
//! has not fetched, and no token stops verifying before it expires:
//!
//! 1. `rotate` stages a new key: it is in the JWKS at once but signs nothing;
//! 2. `activate` (after consumers' JWKS caches have refreshed) makes it sign new tokens; the
//!    key it replaces stays published;
//! 3. `retire` (after the longest user-JWT lifetime) unpublishes the replaced keys and forgets
//!    their private halves.
//!
//! The private keys live in the app's key ring (secrets port); the app record names which kid
//! signs and which is staged, and lists the published public keys. Each step writes the ring
//! first and the record second, and every step can simply run again after an interruption:
//! signers pick the kid the record names from the ring, so a ring ahead of its record changes
//! nothing a client sees.
//!
//! Each step leaves an audit entry once its record is written (`admin.signing-key.rotated`,
//! `…activated`, `…retired`), naming the kids it moved and never a private half: when a
//! consumer reports a token it cannot verify, the trail says which key changed when, and who
//! changed it.

use super::app_update::update_app;
use crate::crypto::signing_key::{self, Bits, KeyRing};
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::error::{Context, Error, Result};
use crate::secrets::SecretStore as _;

/// The app's keys by kid after a step: the one signing, the staged one, the replaced ones
/// still published, so the operator can see which step comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysView {
    /// The kid that signs new user JWTs.
    pub current_kid: String,
    /// The kid published but not yet signing, between `rotate` and `activate`.
    pub staged_kid: Option<String>,
    /// Replaced kids still published (tokens they signed still verify) until `retire`.
    pub previous_kids: Vec<String>,
}

impl KeysView {
    fn of(app: &App) -> Self {
        let current = app.signing_kid().unwrap_or_default().to_owned();
        let previous_kids = app
            .public_keys
            .iter()
            .map(|k| k.kid.clone())
            .filter(|k| *k != current && Some(k) != app.staged_kid.as_ref())
            .collect();
        Self {
            current_kid: current,
            staged_kid: app.staged_kid.clone(),
            previous_kids,
        }
    }
}

/// The app's key ring as stored now (never the process cache: another instance may have
/// changed it).
async fn fresh_ring(state: &AppState, app_id: &str) -> Result<KeyRing> {
    let name = state.config.app_key_secret_name(app_id);
    let raw = state
        .secrets
        .get_fresh(&name)
        .await
        .context(format!("read the key ring of app {app_id}"))?
        .ok_or_else(|| Error::internal(format!("key ring of app {app_id} missing")))?;
    KeyRing::from_secret(&raw)
}

async fn store_ring(state: &AppState, app_id: &str, ring: &KeyRing) -> Result<()> {
    state
        .secrets
        .put(
            &state.config.app_key_secret_name(app_id),
            &ring.to_secret()?,
        )
        .await
        .context(format!("store the key ring of app {app_id}"))
}

/// `GET /admin/apps/{appId}/keys`: the app's keys as stored now (read fresh, not from the
/// settings cache, since a step may just have run on another instance), so the console can
/// show which step of the runbook comes next without taking one.
pub async fn view(state: &AppState, app_id: &str) -> Result<KeysView> {
    let (app, _) = repo::existing_app_fresh(state, app_id).await?;
    Ok(KeysView::of(&app))
}

/// `POST /admin/apps/{appId}/keys/rotate`: generates a key and stages it (published in the
/// JWKS, not signing). 409 (632) while another key is staged. Audited as
/// `admin.signing-key.rotated` with the staged `kid`.
pub async fn rotate(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<KeysView> {
    let (app, _) = repo::existing_app_fresh(state, app_id).await?;
    if app.staged_kid.is_some() {
        return Err(Error::KeyAlreadyStaged);
    }
    let (private, public) = tokio::task::spawn_blocking(|| signing_key::generate(Bits::Rsa2048))
        .await
        .context("keygen task")??;
    let mut ring = fresh_ring(state, app_id).await?;
    // An earlier rotation interrupted before its record write left an unpublished key here:
    // it never signed anything, so it is simply replaced.
    ring.next = Some(private);
    store_ring(state, app_id, &ring).await?;
    let app = update_app(state, app_id, |app| {
        if app.staged_kid.is_some() {
            return Err(Error::KeyAlreadyStaged);
        }
        app.public_keys.retain(|k| k.kid != public.kid);
        app.public_keys.push(public.clone());
        app.staged_kid = Some(public.kid.clone());
        Ok(())
    })
    .await?;
    tracing::info!(%app_id, kid = %public.kid, "admin: signing key staged");
    let event = Event::new(&app, Kind::AdminSigningKeyRotated).detail("kid", public.kid.clone());
    audit::record_admin(state, ctx, event).await?;
    Ok(KeysView::of(&app))
}

/// `POST /admin/apps/{appId}/keys/activate`: the staged key signs new tokens from now on
/// (warm instances follow within their app-settings cache time); the key it replaces stays in
/// the JWKS until retired. 409 (631) without a staged key. Audited as
/// `admin.signing-key.activated` with the `kid` now signing and the `replacedKid`.
pub async fn activate(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<KeysView> {
    let (app, _) = repo::existing_app_fresh(state, app_id).await?;
    let staged = app.staged_kid.clone().ok_or(Error::NoStagedKey)?;
    let replaced = app.signing_kid().map(str::to_owned);
    let mut ring = fresh_ring(state, app_id).await?;
    if ring.current.kid != staged {
        let Some(next) = ring.next.take().filter(|k| k.kid == staged) else {
            // Two rotations raced: the ring kept the loser's key, the record the winner's.
            // Unpublish the staged key nobody holds, so a new rotation can start.
            update_app(state, app_id, |app| {
                if app.staged_kid.as_deref() == Some(staged.as_str()) {
                    app.staged_kid = None;
                    app.public_keys.retain(|k| k.kid != staged);
                }
                Ok(())
            })
            .await?;
            tracing::warn!(%app_id, kid = %staged, "admin: staged key missing from the ring, unstaged");
            return Err(Error::NoStagedKey);
        };
        let replaced = std::mem::replace(&mut ring.current, next);
        ring.previous.push(replaced);
        store_ring(state, app_id, &ring).await?;
    }
    let app = update_app(state, app_id, |app| {
        let staged = app.staged_kid.take().ok_or(Error::NoStagedKey)?;
        // The signing key first: `public-key.pem` and older readers take the first key.
        if let Some(at) = app.public_keys.iter().position(|k| k.kid == staged) {
            let key = app.public_keys.remove(at);
            app.public_keys.insert(0, key);
        }
        app.current_kid = Some(staged);
        Ok(())
    })
    .await?;
    tracing::info!(%app_id, kid = %staged, "admin: signing key activated");
    let event = Event::new(&app, Kind::AdminSigningKeyActivated)
        .detail("kid", staged)
        .detail("replacedKid", replaced);
    audit::record_admin(state, ctx, event).await?;
    Ok(KeysView::of(&app))
}

/// `POST /admin/apps/{appId}/keys/retire`: unpublishes every key that neither signs nor is
/// staged, and deletes their private halves; tokens they signed stop verifying. 409 (633) when
/// there is none. Audited as `admin.signing-key.retired` with the `retiredKids`.
pub async fn retire(state: &AppState, app_id: &str, ctx: &RequestContext) -> Result<KeysView> {
    let (app, _) = repo::existing_app_fresh(state, app_id).await?;
    let keep = |app: &App, kid: &str| {
        Some(kid) == app.signing_kid() || Some(kid) == app.staged_kid.as_deref()
    };
    if app.public_keys.iter().all(|k| keep(&app, &k.kid)) {
        return Err(Error::NothingToRetire);
    }
    // The private halves first: a key still published but no longer held signs nothing, while
    // the reverse order could leave a signing key nobody can verify.
    let mut ring = fresh_ring(state, app_id).await?;
    let before = ring.previous.len();
    ring.previous.retain(|k| keep(&app, &k.kid));
    if ring.previous.len() != before {
        store_ring(state, app_id, &ring).await?;
    }
    let published = app;
    let app = update_app(state, app_id, |app| {
        let snapshot = app.clone();
        let before = app.public_keys.len();
        app.public_keys.retain(|k| keep(&snapshot, &k.kid));
        if app.public_keys.len() == before {
            return Err(Error::NothingToRetire);
        }
        Ok(())
    })
    .await?;
    let retired: Vec<String> = published
        .public_keys
        .iter()
        .filter(|k| app.public_keys.iter().all(|kept| kept.kid != k.kid))
        .map(|k| k.kid.clone())
        .collect();
    tracing::info!(%app_id, kids = ?retired, "admin: previous signing keys retired");
    let event = Event::new(&app, Kind::AdminSigningKeyRetired).detail("retiredKids", retired);
    audit::record_admin(state, ctx, event).await?;
    Ok(KeysView::of(&app))
}
