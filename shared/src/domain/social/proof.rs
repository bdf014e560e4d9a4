//! Proving a social request: the app offers the provider (415/416), the address is under its
//! social and failed-check limits (615), and the ID token verifies for the app (613 otherwise).
//!
//! Every refusal answers 613 alike; the log and the audit trail (`social.login.failed`) get the
//! reason, never the token. A refused token counts as a failed check on the address's counter
//! (the one wrong passwords and codes fill), so guessing costs what it costs elsewhere.

use crate::domain::audit;
use crate::domain::common::limits::{self, AddressFlow};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::social::{AudienceList, Provider};
use crate::domain::records::table_keys;
use crate::domain::social::id_token::{self, Expected, IdClaims, Refusal};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError};

/// Longest raw nonce accepted.
pub const MAX_NONCE_LEN: usize = 256;

/// The audiences `app` accepts for `provider`: 415 (Apple) or 416 (Google) when the provider is
/// off or no audience is configured, so a misconfigured app fails loudly instead of refusing
/// every token as invalid.
pub fn audiences(app: &App, provider: Provider) -> Result<&AudienceList> {
    let s = &app.settings;
    match provider {
        Provider::Apple if s.apple_login_enabled && !s.apple_bundle_id.is_empty() => {
            Ok(&s.apple_bundle_id)
        }
        Provider::Google if s.google_login_enabled && !s.google_client_id.is_empty() => {
            Ok(&s.google_client_id)
        }
        Provider::Apple => Err(Error::AppleLoginDisabled),
        Provider::Google => Err(Error::GoogleLoginDisabled),
    }
}

/// What a social request carries to be proven.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The provider named by the request.
    pub provider: Provider,
    /// The ID token.
    pub token: &'a Redacted,
    /// The raw nonce, when the client sent one.
    pub nonce: Option<&'a str>,
    /// The route, for the log and the audit trail (`socialLogin`, `socialSignup`).
    pub step: &'static str,
}

/// Verifies `presented` for `app` (see the module comment): the token's claims, its nonce spent.
pub async fn verify(
    state: &AppState,
    app: &App,
    presented: Presented<'_>,
    ctx: &RequestContext,
) -> Result<IdClaims> {
    let audiences = audiences(app, presented.provider)?;
    limits::hit_address(state, app, &ctx.client, AddressFlow::Social).await?;
    limits::hit_address(state, app, &ctx.client, AddressFlow::FailedChecks).await?;
    match check(state, app, audiences, presented).await {
        Ok(claims) => {
            limits::give_back_address(state, app, &ctx.client, AddressFlow::FailedChecks).await;
            Ok(claims)
        }
        Err(Checked::Failed(e)) => Err(e),
        Err(Checked::Refused(Refusal(reason))) => {
            tracing::warn!(app_id = %app.app_id, provider = presented.provider.as_str(), step = presented.step, reason, "social: token refused");
            let event = audit::Event::new(app, audit::Kind::SocialLoginFailed)
                .detail("step", presented.step)
                .detail("provider", presented.provider.as_str())
                .detail("reason", reason);
            audit::record(state, &ctx.client, event).await;
            Err(Error::InvalidSocialToken)
        }
    }
}

enum Checked {
    /// 613, with the reason for the log.
    Refused(Refusal),
    /// Not the token's fault (no keys at all, a store outage).
    Failed(Error),
}

impl From<Refusal> for Checked {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<Error> for Checked {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

async fn check(
    state: &AppState,
    app: &App,
    audiences: &AudienceList,
    presented: Presented<'_>,
) -> std::result::Result<IdClaims, Checked> {
    let token = id_token::parse(presented.token.expose().trim())?;
    let now = state.clock.now_secs();
    let key = state
        .social_keys
        .key(presented.provider, &token.kid, now)
        .await?
        .ok_or(Refusal("kid not in the provider's JWKS"))?;
    let expected = Expected {
        provider: presented.provider,
        audiences,
        authorized_parties: &app.settings.google_authorized_parties,
        now,
    };
    let expected = match presented.provider {
        Provider::Google => expected,
        // `googleAuthorizedParties` is Google's; Apple tokens carry no meaningful azp.
        Provider::Apple => Expected {
            authorized_parties: &EMPTY,
            ..expected
        },
    };
    let claims = id_token::verify(&token, &key, expected)?;
    match presented.nonce.map(str::trim).filter(|n| !n.is_empty()) {
        Some(raw) => {
            if raw.len() > MAX_NONCE_LEN {
                return Err(Refusal("nonce too long").into());
            }
            let hash = id_token::nonce_hash(raw);
            if claims.nonce.as_deref() != Some(hash.as_str()) {
                return Err(Refusal("nonce does not match the token").into());
            }
            spend_nonce(state, app, &hash, claims.exp).await?;
        }
        // A token carrying a nonce the request does not is accepted: GoogleSignIn-iOS adds its
        // own and the Cosync Swift SDK cannot send it. Apple's `nonce_supported: false` says the
        // platform could not carry one.
        None if app.settings.social_nonce_required && claims.nonce_supported != Some(false) => {
            return Err(Refusal("nonce required").into());
        }
        None => {}
    }
    Ok(claims)
}

static EMPTY: AudienceList = AudienceList::EMPTY;

/// Records the nonce as used until the token could no longer pass (its expiry plus leeway), so
/// the same token and nonce cannot be presented twice.
async fn spend_nonce(
    state: &AppState,
    app: &App,
    hash: &str,
    exp: i64,
) -> std::result::Result<(), Checked> {
    let item = repo::item(
        table_keys::social_nonce(&app.app_id, hash),
        &serde_json::json!({}),
        1,
    )?
    .expiring_at(exp + id_token::LEEWAY_SECS);
    match state.store.put(item, Condition::Absent).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(Refusal("nonce already used").into()),
        Err(e) => Err(Checked::Failed(e.into())),
    }
}
