//! What every second-factor step shares, below the use cases: the sealed factor record, code
//! checks that consume what they accept, SMS codes with their anti-pumping limits, the login
//! challenge `login` hands out, and the change notice.
//!
//! - **TOTP secrets** are sealed (AES-256-GCM, the user id as associated data) in the `2FA` item
//!   of the user's partition, never on the indexed user record. The item also remembers the last
//!   TOTP step accepted; accepting a code and advancing the step is one compare-and-swap, so two
//!   requests racing with one code cannot both win (no replay).
//! - **Recovery codes** (10, shown once) are stored as keyed hashes; using one removes it under
//!   the same compare-and-swap, so each works once.
//! - **SMS** cost the developer money and SMS pumping is the main attack on SMS login, so every
//!   text is counted before it is sent: 3 per phone number per hour, 5 per user per hour, 10 per
//!   client address per hour (on top of the address's message limit), and `smsDailyLimit` per
//!   app per UTC day from the app's sharded SMS budget (615 with `Retry-After`), and refused when
//!   the number's calling code is not in `smsAllowedCountries` (602).
//! - Every code check (login, disabling a factor) counts as a password try (the same per handle
//!   and address lockout), so a password holder cannot guess codes faster than passwords.

use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::crypto::service_token::ServiceTokens;
use crate::domain::app::{App, TwoFactor};
use crate::domain::context::ClientAddress;
use crate::domain::limits::{self, AddressFlow, Limit};
use crate::domain::phone_number::Phone;
use crate::domain::repo::{Attempt, retry_on_conflict};
use crate::domain::templates::{self, TemplateName, Values};
use crate::domain::totp;
use crate::domain::user::User;
use crate::domain::{keys, one_time_code, password_guard, repo};
use crate::error::{Context, Error, ErrorContext, Result};
use crate::mail::{Channel, Message};
use crate::secrets::SecretStore as _;
use crate::sms::{SmsAccount, SmsError};
use crate::store::{Condition, StoreError};

/// Login tokens and SMS codes live 10 minutes (DESIGN §4).
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Recovery codes handed out with each authenticator enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Texts one phone number may receive per hour.
pub const SMS_PER_PHONE: Limit = Limit {
    max: 3,
    window_secs: 3600,
};
/// Texts one user may trigger per hour.
pub const SMS_PER_USER: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// Texts one client address may trigger per app per hour.
pub const SMS_PER_ADDRESS: Limit = Limit {
    max: 10,
    window_secs: 3600,
};

/// The `2FA` item: the sealed TOTP secret, recovery-code hashes and the last accepted step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Factors {
    /// AES-256-GCM sealed TOTP secret ([`crate::crypto::seal`]).
    #[serde(default)]
    pub sealed_totp_secret: Option<String>,
    /// Keyed hashes of the unused recovery codes.
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
    /// The last TOTP step accepted (replay refusal).
    #[serde(default)]
    pub last_step: Option<u64>,
}

fn recovery_context(user: &User) -> String {
    format!("{}/recovery/{}", user.app_id, user.user_id)
}

/// Recovery codes as typed: lower-cased, spaces and dashes dropped.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The factor record and its version.
async fn load_factors(state: &AppState, user_id: &str) -> Result<Option<(Factors, u64)>> {
    match state.store.get(&keys::factors(user_id)).await? {
        Some(item) => Ok(Some((repo::record(&item)?, item.version))),
        None => Ok(None),
    }
}

/// A fresh TOTP secret and recovery codes for `user`, written over any previous ones. Returns
/// the secret's bytes and the recovery codes in clear, to be shown once.
pub async fn enrol_totp(state: &AppState, user: &User) -> Result<(Vec<u8>, Vec<String>)> {
    let secret =
        hex::decode(state.codes.random_hex(totp::SECRET_BYTES)).context("random secret")?;
    let context = recovery_context(user);
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = state.codes.random_hex(5);
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect();
    let factors = Factors {
        sealed_totp_secret: Some(state.sealer.seal(&user.user_id, &secret)?),
        recovery_hashes: codes
            .iter()
            .map(|c| state.code_hasher.hash(&context, &normalise_recovery(c)))
            .collect(),
        last_step: None,
    };
    state
        .store
        .put(
            repo::item(keys::factors(&user.user_id), &factors, 1)?,
            Condition::Any,
        )
        .await?;
    Ok((secret, codes))
}

/// Forgets the user's TOTP secret and recovery codes.
pub async fn forget_factors(state: &AppState, user_id: &str) -> Result<()> {
    state
        .store
        .delete(&keys::factors(user_id), Condition::Any)
        .await?;
    Ok(())
}

/// Accepts `code` as a current TOTP code of a step not used before, or as an unused recovery
/// code, and consumes it (advances the step, or removes the recovery code) in one
/// compare-and-swap. `false` when it is neither.
pub async fn consume_authenticator_code(state: &AppState, user: &User, code: &str) -> Result<bool> {
    let context = recovery_context(user);
    let recovery = normalise_recovery(code);
    let (context, recovery) = (&context, &recovery);
    // A conflict means someone else used a code meanwhile: decide again on the fresh record (a
    // replay of the same step then fails).
    retry_on_conflict("factor record", || async move {
        let Some((mut factors, version)) = load_factors(state, &user.user_id).await? else {
            return Ok(Attempt::Done(false));
        };
        let secret = factors
            .sealed_totp_secret
            .as_deref()
            .and_then(|s| state.sealer.open(&user.user_id, s));
        let step = secret.as_deref().and_then(|secret| {
            totp::accepted_step(secret, code, state.clock.now_secs(), factors.last_step)
        });
        if let Some(step) = step {
            factors.last_step = Some(step);
        } else if let Some(i) = factors
            .recovery_hashes
            .iter()
            .position(|h| state.code_hasher.verify(context, recovery, h))
        {
            factors.recovery_hashes.remove(i);
        } else {
            return Ok(Attempt::Done(false));
        }
        let item = repo::item(keys::factors(&user.user_id), &factors, version + 1)?;
        repo::attempt(
            state.store.put(item, Condition::Version(version)).await,
            true,
        )
    })
    .await
}

/// Checks the current password for a sensitive change, counted like a login try (615 once
/// locked); a wrong one is 600.
pub async fn require_password(
    state: &AppState,
    user: &User,
    raw: &str,
    client: &ClientAddress,
) -> Result<()> {
    guarded_code_check(state, user, client, async {
        Ok(password_guard::proves(state, user, raw).await)
    })
    .await
}

/// Checks a second-factor code with `check`, counted like a password try (615 once locked): a
/// success ends the lockout of this handle and address as a right password does; a failure is
/// 600.
pub async fn guarded_code_check<F>(
    state: &AppState,
    user: &User,
    client: &ClientAddress,
    check: F,
) -> Result<()>
where
    F: std::future::Future<Output = Result<bool>>,
{
    let guard = password_guard::enter(state, &user.app_id, &user.handle, client).await?;
    if check.await? {
        guard.passed(state).await?;
        Ok(())
    } else {
        Err(guard.failed(state, Error::InvalidCredentials).await)
    }
}

/// The keyed hash that stands for a phone number in keys.
pub fn phone_digest(state: &AppState, phone: &str) -> String {
    state.code_hasher.hash("phone", phone)
}

/// The app's Twilio account, if the developer set one.
async fn sms_account(state: &AppState, app_id: &str) -> Result<Option<SmsAccount>> {
    let raw = state
        .secrets
        .get(&state.config.twilio_secret_name(app_id))
        .await
        .context("twilio secret")?;
    match raw {
        Some(raw) => serde_json::from_str(&raw)
            .map(Some)
            .map_err(|_| Error::internal("twilio secret is malformed")),
        None => Ok(None),
    }
}

/// Refuses (602) a phone whose calling code the app does not allow.
pub fn check_country(app: &App, phone: &Phone) -> Result<()> {
    let allowed = &app.settings.sms_allowed_countries;
    if allowed.is_empty() || allowed.contains(&phone.calling_code()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "phone numbers of this country are not accepted by this app",
        ))
    }
}

/// Sends `code` by SMS (the app's `sms` template in the user's locale) after counting it on
/// every SMS limit: the phone, the user, the client address, then the app's day.
pub async fn send_code(
    state: &AppState,
    app: &App,
    user: &User,
    phone: &Phone,
    code: &str,
    client: &ClientAddress,
) -> Result<()> {
    check_country(app, phone)?;
    let digest = phone_digest(state, phone.as_str());
    limits::hit(
        state,
        &keys::sms_by_phone(&app.app_id, &digest),
        SMS_PER_PHONE,
    )
    .await?;
    limits::hit(state, &keys::sms_by_user(&user.user_id), SMS_PER_USER).await?;
    limits::hit_address(state, &app.app_id, client, AddressFlow::Messages).await?;
    limits::hit(
        state,
        &keys::address_limit(&app.app_id, client.as_str(), "SMS"),
        SMS_PER_ADDRESS,
    )
    .await?;
    limits::spend_daily_budget(
        state,
        &app.app_id,
        limits::Channel::Sms,
        i64::from(app.settings.sms_daily_limit),
    )
    .await?;
    let account = sms_account(state, &app.app_id).await?;
    let message = templates::message(
        state,
        app,
        &user.locale,
        TemplateName::Sms,
        phone.as_str(),
        Values {
            handle: &user.handle,
            code,
            ..Values::default()
        },
    )
    .await?;
    match state
        .sms
        .send(account.as_ref(), phone.as_str(), &message.text)
        .await
    {
        Ok(()) => Ok(()),
        Err(SmsError::InvalidNumber(provider_code)) => {
            tracing::info!(app_id = %app.app_id, provider_code, "sms refused: recipient");
            Err(Error::invalid(
                "this phone number cannot receive text messages",
            ))
        }
        Err(e) => Err(e.context("sms")),
    }
}

/// A login waiting for its second factor, in the user's partition (one at a time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingLogin {
    /// The login token's id.
    pub jti: String,
    /// The factor asked for.
    pub factor: TwoFactor,
    /// Keyed hash of the SMS code (phone factor).
    #[serde(default)]
    pub code_hash: Option<String>,
}

/// A login token (purpose `login`): a bearer secret, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginToken(pub String);

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginToken(..)")
    }
}

/// The one-time-code context of a login's SMS code.
pub fn login_code_context(user: &User, jti: &str) -> String {
    format!("{}/2fa-login/{}/{jti}", user.app_id, user.user_id)
}

/// The factor `login` must ask `user` for under the app's mode, if any: the authenticator when
/// the app is in `google` mode and the user enrolled; SMS when the app is in `phone` mode and the
/// user switched it on with a verified phone.
pub fn factor_due(app: &App, user: &User) -> Option<TwoFactor> {
    let f = &user.two_factor;
    match app.settings.two_factor_verification {
        TwoFactor::Google if f.google => Some(TwoFactor::Google),
        TwoFactor::Phone if f.phone_login && f.phone_verified && f.phone.is_some() => {
            Some(TwoFactor::Phone)
        }
        _ => None,
    }
}

/// After a proven password, when `factor` is due (see [`factor_due`]): records a pending login
/// (replacing any earlier one and its tries), sends the SMS code in phone mode, and returns the
/// login token (purpose `login`, 10 minutes, bound to the user and token epoch).
pub async fn login_challenge(
    state: &AppState,
    app: &App,
    user: &User,
    factor: TwoFactor,
    client: &ClientAddress,
) -> Result<LoginToken> {
    let jti = state.codes.random_hex(16);
    let now = state.clock.now_secs();
    let code_hash = match factor {
        TwoFactor::Phone => {
            let phone = Phone::parse(user.two_factor.phone.as_deref().unwrap_or(""))?;
            let issued = one_time_code::issue(state, &login_code_context(user, &jti));
            send_code(state, app, user, &phone, &issued.code, client).await?;
            Some(issued.hash)
        }
        _ => None,
    };
    let pending = PendingLogin {
        jti: jti.clone(),
        factor,
        code_hash,
    };
    let item = repo::item(keys::pending_login(&user.user_id), &pending, 1)?
        .expiring_at(now + CODE_TTL_SECS);
    state.store.put(item, Condition::Any).await?;
    match state
        .store
        .delete(&keys::pending_login_tries(&user.user_id), Condition::Any)
        .await
    {
        Ok(()) | Err(StoreError::Conflict { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let token = state.tokens.issue(&ServiceTokens::login_claims(
        &app.app_id,
        &user.user_id,
        user.token_epoch,
        &jti,
        now,
        CODE_TTL_SECS,
    ))?;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, factor = ?factor, "login: second factor asked");
    Ok(LoginToken(token))
}

/// Mails the user that a second factor changed (best effort: a lost notice never fails the
/// change). Carries no secret: the TOTP secret is never mailed.
pub async fn notify_change(state: &AppState, app: &App, user: &User, what: &str) {
    let name = crate::domain::html::escape(&app.name);
    let text = format!(
        "{what} for your {} account {}. If this was not you, reset your password and contact the \
         app's support.",
        app.name, user.handle
    );
    let html = format!(
        "<p>{} for your {name} account {}.</p><p>If this was not you, reset your password and \
         contact the app's support.</p>",
        crate::domain::html::escape(what),
        crate::domain::html::escape(&user.handle)
    );
    let message = Message {
        channel: Channel::Email,
        to: user.handle.clone(),
        subject: format!("Two-factor login changed for {}", app.name),
        text,
        html,
    };
    if let Err(e) = state.mailer.send(&message).await {
        tracing::warn!(error = %e, "two-factor notice not sent");
    }
}
