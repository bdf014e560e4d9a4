//! Switching a second factor on or off: the authenticator (TOTP) and SMS login.
//!
//! Changed from the original CosyncJWT service, on purpose:
//! - Enabling the authenticator returns the secret, its QR code and ten recovery codes once; the
//!   secret is never mailed (the original emailed it with the QR attached) and is stored sealed.
//! - Disabling a factor needs proof: the current password, or a current code (TOTP or recovery
//!   code for the authenticator; an SMS code for phone login). Both directions end every other
//!   session and mail the user a notice.
//! - Switching a factor on needs a recent login or the password ([`RECENT_LOGIN_SECS`]): the
//!   original needed nothing, so a stolen access token alone could plant the thief's factor (and
//!   receive the TOTP secret) and lock the owner out, since `resetPassword` keeps factors. The
//!   Cosync SDKs switch a factor on right after logging in and send only `twoFactor`, which a
//!   recent login still allows. The notice of a factor switched on carries a "this wasn't me"
//!   link ([`crate::domain::factors::undo`]) for the case that was not enough.
//! - Anonymous accounts cannot have a factor (608): `loginAnonymous` would never ask for it.

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller::{self, Caller};
use crate::domain::common::limits;
use crate::domain::common::one_time_code;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::factors::notice;
use crate::domain::factors::record;
use crate::domain::factors::sms_code;
use crate::domain::factors::sms_code::CODE_TTL_SECS;
use crate::domain::factors::totp;
use crate::domain::factors::undo;
use crate::domain::ports::AppState;
use crate::domain::records::app::TwoFactor;
use crate::domain::records::context::{ClientAddress, RequestContext};
use crate::domain::records::phone_number::Phone;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Error, Result};
use crate::store::Condition;

/// A request to switch a factor on or off, as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SetTwoFactor {
    /// `twoFactor`: `true` / `"true"` / `false` / `"false"`.
    pub two_factor: String,
    /// The current password (client MD5): proof for disabling, and for enabling without a
    /// recent login.
    pub password: Option<Redacted>,
    /// A current code, proof for disabling.
    pub code: Option<Redacted>,
}

/// Parses the `twoFactor` switch (602 for anything but true/false).
fn switch(raw: &str) -> Result<bool> {
    match raw.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::invalid("twoFactor must be true or false")),
    }
}

/// What enabling the authenticator hands the user, once. Its `Debug` shows none of it.
#[derive(Clone)]
pub struct GoogleEnabled {
    /// Base32 TOTP secret.
    pub secret_base32: String,
    /// `data:image/png;base64,...` QR code of the `otpauth://` URI.
    pub qr_data_url: String,
    /// Ten single-use recovery codes.
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for GoogleEnabled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoogleEnabled(..)")
    }
}

/// Refuses (608, account not verified, as for invites) a second factor on an anonymous account:
/// its `ANON_` handle is its whole credential and `loginAnonymous` asks for nothing more, so a
/// factor there would protect nothing while looking as if it did.
pub fn refuse_anonymous(caller: &Caller) -> Result<()> {
    if caller.user.anonymous {
        return Err(Error::AccountNotVerified);
    }
    Ok(())
}

/// How recent the login behind an access token must be for it to switch a factor on without
/// the password: 10 minutes, enough for the SDK flow (log in, then enable; or set and verify a
/// phone whose code lives 10 minutes, then enable), and short for a token that leaked later
/// (from a device, a log or a backup). The time is the token's signed `auth_time`.
pub const RECENT_LOGIN_SECS: i64 = 10 * 60;

/// The proof switching a factor on needs (else a stolen access token alone could plant the
/// thief's factor): the current `password` when the request sends one (checked like any
/// password try, so a wrong one is 600), else a session whose holder proved themselves within
/// [`RECENT_LOGIN_SECS`]; a request with neither is 403 for `password`.
async fn prove_enable(
    state: &AppState,
    caller: &Caller,
    req: &SetTwoFactor,
    client: &ClientAddress,
) -> Result<()> {
    if let Some(password) = &req.password {
        return password_check::require_password(state, &caller.user, password.expose(), client)
            .await;
    }
    if recent_login(state, caller) {
        Ok(())
    } else {
        Err(Error::MissingParam("password"))
    }
}

/// Whether the caller's session comes from a login at most [`RECENT_LOGIN_SECS`] old (its signed
/// `auth_time`; a token without one, or from the future, is not recent): the one rule by which a
/// fresh session stands in for the password, shared by every change that accepts it (switching
/// a factor on, removing a passkey).
pub fn recent_login(state: &AppState, caller: &Caller) -> bool {
    let now = state.clock.now_secs();
    caller
        .auth_time
        .is_some_and(|at| at <= now && now - at <= RECENT_LOGIN_SECS)
}

/// Applies `change` to the caller's record and ends every other session, then tells the audit
/// trail (`kind`) and the user (the `notice` line, with the "this wasn't me" link `undo_link`
/// when a factor was switched on): the same steps for every switch, on or off.
async fn switch_factor(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddress,
    (kind, notice, undo_link): (Kind, &str, Option<&str>),
    change: impl Fn(&mut User) -> Result<()>,
) -> Result<User> {
    let (sid, epoch) = (caller.sid.clone(), caller.epoch);
    let user = caller::update_caller(state, caller, |user| {
        change(user)?;
        user.revoke_sessions(Some((&sid, epoch)));
        Ok(())
    })
    .await?;
    let app = &caller.app;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, event = ?kind, "2fa: switched");
    audit::record(state, client, Event::new(app, kind).user(&user.user_id)).await;
    notice::notify_change(state, app, &user, notice, undo_link).await;
    Ok(user)
}

/// The proof a change of the authenticator factor needs: the current password, or a current
/// TOTP or recovery code (consumed), each counted like a password try.
async fn prove_authenticator(
    state: &AppState,
    caller: &Caller,
    req: &SetTwoFactor,
    client: &ClientAddress,
) -> Result<()> {
    match (&req.password, &req.code) {
        (Some(password), _) => {
            password_check::require_password(state, &caller.user, password.expose(), client).await
        }
        (None, Some(code)) => {
            password_check::guarded_code_check(
                state,
                &caller.user,
                client,
                record::consume_authenticator_code(state, &caller.user, code.expose()),
            )
            .await
        }
        (None, None) => Err(Error::MissingParam("password")),
    }
}

/// `POST /setTwoFactorGoogleVerification`: `Some` with the enrolment when enabling, `None` once
/// disabled. Enabling needs a recent login ([`RECENT_LOGIN_SECS`]) or the password; enabling
/// again replaces the secret and recovery codes, and, since that retires the factor in use,
/// needs the same proof as disabling (else a stolen access token could move the factor to the
/// thief's authenticator and lock the owner out).
pub async fn set_google(
    state: &AppState,
    req: SetTwoFactor,
    ctx: &RequestContext,
) -> Result<Option<GoogleEnabled>> {
    let caller = &caller::user_from_access(state, ctx).await?;
    let client = &ctx.client;
    let app = &caller.app;
    if app.settings.two_factor_verification != TwoFactor::Google {
        return Err(Error::GoogleTwoFactorDisabled);
    }
    if switch(&req.two_factor)? {
        refuse_anonymous(caller)?;
        if caller.user.two_factor.google {
            prove_authenticator(state, caller, &req, client).await?;
        } else {
            prove_enable(state, caller, &req, client).await?;
        }
        let (secret, recovery_codes) = record::enrol_totp(state, &caller.user).await?;
        let link = undo::issue_link(state, &caller.user, TwoFactor::Google, &ctx.base_url).await?;
        let issuer = app
            .settings
            .google_app_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| app.name.clone());
        let enrolment = totp::enrolment(&secret, &issuer, &caller.user.handle)?;
        let on = (
            Kind::AuthenticatorEnabled,
            "Authenticator login was turned on",
            Some(link.as_str()),
        );
        switch_factor(state, caller, client, on, |user| {
            user.two_factor.google = true;
            Ok(())
        })
        .await?;
        return Ok(Some(GoogleEnabled {
            secret_base32: enrolment.secret_base32,
            qr_data_url: enrolment.qr_data_url,
            recovery_codes,
        }));
    }
    prove_authenticator(state, caller, &req, client).await?;
    let off = (
        Kind::AuthenticatorDisabled,
        "Authenticator login was turned off",
        None,
    );
    let user = switch_factor(state, caller, client, off, |user| {
        user.two_factor.google = false;
        Ok(())
    })
    .await?;
    // After the switch: a failure here leaves the factor off and a retry finishes the job.
    record::forget_factors(state, &user.user_id).await?;
    Ok(None)
}

fn disable_context(user: &User) -> String {
    format!("{}/2fa-disable/{}", user.app_id, user.user_id)
}

/// A pending disable code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DisableCode {
    code_hash: String,
    expires_at: i64,
}

/// `POST /setTwoFactorPhoneVerification`. Enabling needs a verified phone (410) and a recent
/// login ([`RECENT_LOGIN_SECS`]) or the password. Disabling needs the password or an SMS code: a
/// request with neither texts a code to the verified phone (the SMS limits apply) and answers
/// 403, and the client repeats it with `code`.
pub async fn set_phone_login(
    state: &AppState,
    req: SetTwoFactor,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = &caller::user_from_access(state, ctx).await?;
    if caller.app.settings.two_factor_verification != TwoFactor::Phone {
        return Err(Error::PhoneTwoFactorDisabled);
    }
    if switch(&req.two_factor)? {
        refuse_anonymous(caller)?;
        enable_phone_login(state, caller, &req, ctx).await
    } else {
        let code = prove_phone_disable(state, caller, &req, &ctx.client).await?;
        disable_phone_login(state, caller, &ctx.client).await?;
        // Spent after the switch, not before: a failure between the two would otherwise leave
        // the code spent and the factor on, and the client's retry a 602 (the fault matrix's
        // `TwoFactorPhoneOff` column found it).
        match code {
            Some(version) => spend_disable_code(state, &caller.user, version).await,
            None => Ok(()),
        }
    }
}

/// Switches SMS login on for a caller with a verified phone (410 without), once proven.
async fn enable_phone_login(
    state: &AppState,
    caller: &Caller,
    req: &SetTwoFactor,
    ctx: &RequestContext,
) -> Result<()> {
    let (user, client) = (&caller.user, &ctx.client);
    if !user.two_factor.phone_verified || user.two_factor.phone.is_none() {
        return Err(Error::NoVerifiedPhone);
    }
    prove_enable(state, caller, req, client).await?;
    let link = undo::issue_link(state, user, TwoFactor::Phone, &ctx.base_url).await?;
    let on = (
        Kind::PhoneLoginEnabled,
        "Text-message login was turned on",
        Some(link.as_str()),
    );
    let user = switch_factor(state, caller, client, on, |user| {
        if !user.two_factor.phone_verified {
            return Err(Error::NoVerifiedPhone);
        }
        user.two_factor.phone_login = true;
        Ok(())
    })
    .await?;
    // A number set while the factor was off would otherwise replace the factor's phone
    // without the password setPhone now asks for.
    state
        .store
        .delete(
            &table_keys::phone_verification(&user.user_id),
            Condition::Any,
        )
        .await?;
    Ok(())
}

/// The proof switching SMS login off needs: the password, or the SMS code a first request
/// without either texted (that first request answers 403 for `code`). A code's proof is the
/// version of its pending record, which [`spend_disable_code`] deletes once the switch is made.
async fn prove_phone_disable(
    state: &AppState,
    caller: &Caller,
    req: &SetTwoFactor,
    client: &ClientAddress,
) -> Result<Option<u64>> {
    let user = &caller.user;
    match (&req.password, &req.code) {
        (Some(password), _) => {
            password_check::require_password(state, user, password.expose(), client).await?;
            Ok(None)
        }
        (None, Some(code)) => check_disable_code(state, user, code, client)
            .await
            .map(Some),
        (None, None) => {
            text_disable_code(state, caller, client).await?;
            Err(Error::MissingParam("code (sent by SMS)"))
        }
    }
}

/// Checks the pending disable code, counted like a password try; returns its record's version.
async fn check_disable_code(
    state: &AppState,
    user: &User,
    code: &Redacted,
    client: &ClientAddress,
) -> Result<u64> {
    let code = one_time_code::parse(code.expose())?;
    let guard = password_check::enter(state, &user.app_id, &user.handle, client).await?;
    let Some(stored) = state
        .store
        .get(&table_keys::disable_code(&user.user_id))
        .await?
    else {
        return Err(guard.failed(state, one_time_code::wrong_code()).await);
    };
    let pending: DisableCode = repo::record(&stored)?;
    match one_time_code::check(
        state,
        &disable_context(user),
        &code,
        &pending.code_hash,
        pending.expires_at,
        &table_keys::disable_code_tries(&user.user_id),
    )
    .await
    {
        Ok(()) => guard.passed(state).await?,
        Err(e) => return Err(guard.failed(state, e).await),
    }
    Ok(stored.version)
}

/// Spends the disable code checked at `version` once SMS login is off. Single use: the record
/// goes; a conflict means a concurrent request with the same code spent it, and the factor is
/// off either way. Until this delete succeeds the code stays valid for its retry, whose only
/// power is to switch off a factor that is already off.
async fn spend_disable_code(state: &AppState, user: &User, version: u64) -> Result<()> {
    match state
        .store
        .delete(
            &table_keys::disable_code(&user.user_id),
            Condition::Version(version),
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(e) if e.is_conflict() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Texts a disable code to the verified phone (the SMS limits apply) and stores its hash.
async fn text_disable_code(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddress,
) -> Result<()> {
    let (app, user) = (&caller.app, &caller.user);
    let phone = match (&user.two_factor.phone, user.two_factor.phone_verified) {
        (Some(p), true) => Phone::parse(p)?,
        _ => return Err(Error::MissingParam("password")),
    };
    let issued = one_time_code::issue(state, &disable_context(user));
    let expires_at = state.clock.now_secs() + CODE_TTL_SECS;
    sms_code::send_code(state, app, user, &phone, &issued.code, client).await?;
    let record = DisableCode {
        code_hash: issued.hash,
        expires_at,
    };
    state
        .store
        .put(
            repo::item(table_keys::disable_code(&user.user_id), &record, 1)?
                .expiring_at(expires_at),
            Condition::Any,
        )
        .await?;
    limits::clear(state, &table_keys::disable_code_tries(&user.user_id)).await;
    Ok(())
}

/// Switches SMS login off, once proven.
async fn disable_phone_login(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddress,
) -> Result<()> {
    let off = (
        Kind::PhoneLoginDisabled,
        "Text-message login was turned off",
        None,
    );
    switch_factor(state, caller, client, off, |user| {
        user.two_factor.phone_login = false;
        Ok(())
    })
    .await?;
    Ok(())
}
