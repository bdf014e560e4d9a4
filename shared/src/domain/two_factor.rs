//! Two-factor login: switching the authenticator (TOTP) or SMS factor on and off, and
//! `loginComplete`, the second step of a login that answered `{"login-token"}`.
//!
//! Changed from the original (reference §5.4, §5.10, §5.11), on purpose:
//! - Enabling the authenticator returns the secret, its QR code and ten recovery codes once; the
//!   secret is never mailed (the original emailed it with the QR attached) and is stored sealed.
//! - Disabling a factor needs proof: the current password, or a current code (TOTP or recovery
//!   code for the authenticator; an SMS code for phone login). Both directions end every other
//!   session and mail the user a notice.
//! - `loginComplete` always checks a code, under a purpose-bound, 10-minute, single-use login
//!   token; a TOTP step is accepted once (no replay); five tries per login token, then 614, and
//!   each failure counts toward the handle's password lockout.

use crate::AppState;
use crate::crypto::service_token::{LoginClaims, Purpose};
use crate::domain::app::{App, AppStatus, TwoFactor};
use crate::domain::audit::{self, Event, Kind};
use crate::domain::auth::{self, Caller};
use crate::domain::context::{ClientAddress, RequestContext};
use crate::domain::limits;
use crate::domain::phone_number::Phone;
use crate::domain::second_factor::{self, CODE_TTL_SECS, PendingLogin};
use crate::domain::session::Session;
use crate::domain::totp;
use crate::domain::user::{User, UserStatus};
use crate::domain::{keys, one_time_code, password_guard, repo, session};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError};

/// Tries a login token gets before it is dead (614).
pub const LOGIN_TRIES: i64 = 5;

/// A request to switch a factor on or off, as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SetTwoFactor {
    /// `twoFactor`: `true` / `"true"` / `false` / `"false"`.
    pub two_factor: String,
    /// The current password (client MD5), proof for disabling.
    pub password: Option<String>,
    /// A current code, proof for disabling.
    pub code: Option<String>,
    /// The client's address (password and SMS limits).
    pub client: ClientAddress,
}

/// Parses the `twoFactor` switch (602 for anything but true/false).
fn switch(raw: &str) -> Result<bool> {
    match raw.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::invalid("twoFactor must be true or false")),
    }
}

/// What enabling the authenticator hands the user, once.
#[derive(Debug, Clone)]
pub struct GoogleEnabled {
    /// Base32 TOTP secret.
    pub secret_base32: String,
    /// `data:image/png;base64,...` QR code of the `otpauth://` URI.
    pub qr_data_url: String,
    /// Ten single-use recovery codes.
    pub recovery_codes: Vec<String>,
}

/// Revokes every session but the caller's and applies `change` to the caller's record.
async fn change_and_revoke_others(
    state: &AppState,
    caller: &Caller,
    change: impl Fn(&mut User) -> Result<()>,
) -> Result<User> {
    let (sid, epoch) = (caller.sid.clone(), caller.epoch);
    auth::update_caller(state, caller, |user| {
        change(user)?;
        user.revoke_sessions(Some((&sid, epoch)));
        Ok(())
    })
    .await
}

/// The proof a change of the authenticator factor needs: the current password, or a current
/// TOTP or recovery code (consumed), each counted like a password try.
async fn prove_authenticator(state: &AppState, caller: &Caller, req: &SetTwoFactor) -> Result<()> {
    match (&req.password, &req.code) {
        (Some(password), _) => {
            second_factor::require_password(state, &caller.user, password, &req.client).await
        }
        (None, Some(code)) => {
            second_factor::guarded_code_check(
                state,
                &caller.user,
                &req.client,
                second_factor::consume_authenticator_code(state, &caller.user, code),
            )
            .await
        }
        (None, None) => Err(Error::MissingParam("password")),
    }
}

/// `POST /setTwoFactorGoogleVerification`: `Some` with the enrolment when enabling, `None` once
/// disabled. Enabling again replaces the secret and recovery codes, and, since that retires the
/// factor in use, needs the same proof as disabling (else a stolen access token could move the
/// factor to the thief's authenticator and lock the owner out).
pub async fn set_google(
    state: &AppState,
    caller: &Caller,
    req: SetTwoFactor,
) -> Result<Option<GoogleEnabled>> {
    let app = &caller.app;
    if app.settings.two_factor_verification != TwoFactor::Google {
        return Err(Error::GoogleTwoFactorDisabled);
    }
    if switch(&req.two_factor)? {
        if caller.user.two_factor.google {
            prove_authenticator(state, caller, &req).await?;
        }
        let (secret, recovery_codes) = second_factor::enrol_totp(state, &caller.user).await?;
        let issuer = app
            .settings
            .google_app_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| app.name.clone());
        let enrolment = totp::enrolment(&secret, &issuer, &caller.user.handle)?;
        let user = change_and_revoke_others(state, caller, |user| {
            user.two_factor.google = true;
            Ok(())
        })
        .await?;
        tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "2fa: authenticator enabled");
        audit::record(
            state,
            &req.client,
            Event::new(app, Kind::AuthenticatorEnabled).user(&user.user_id),
        )
        .await;
        second_factor::notify_change(state, app, &user, "Authenticator login was turned on").await;
        return Ok(Some(GoogleEnabled {
            secret_base32: enrolment.secret_base32,
            qr_data_url: enrolment.qr_data_url,
            recovery_codes,
        }));
    }
    prove_authenticator(state, caller, &req).await?;
    let user = change_and_revoke_others(state, caller, |user| {
        user.two_factor.google = false;
        Ok(())
    })
    .await?;
    second_factor::forget_factors(state, &user.user_id).await?;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "2fa: authenticator disabled");
    audit::record(
        state,
        &req.client,
        Event::new(app, Kind::AuthenticatorDisabled).user(&user.user_id),
    )
    .await;
    second_factor::notify_change(state, app, &user, "Authenticator login was turned off").await;
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

/// `POST /setTwoFactorPhoneVerification`. Enabling needs a verified phone (410). Disabling needs
/// the password or an SMS code: a request with neither texts a code to the verified phone (the
/// SMS limits apply) and answers 403, and the client repeats it with `code`.
pub async fn set_phone_login(state: &AppState, caller: &Caller, req: SetTwoFactor) -> Result<()> {
    let app = &caller.app;
    if app.settings.two_factor_verification != TwoFactor::Phone {
        return Err(Error::PhoneTwoFactorDisabled);
    }
    let user = &caller.user;
    if switch(&req.two_factor)? {
        if !user.two_factor.phone_verified || user.two_factor.phone.is_none() {
            return Err(Error::NoVerifiedPhone);
        }
        let user = change_and_revoke_others(state, caller, |user| {
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
            .delete(&keys::phone_verification(&user.user_id), Condition::Any)
            .await?;
        tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "2fa: phone login enabled");
        audit::record(
            state,
            &req.client,
            Event::new(app, Kind::PhoneLoginEnabled).user(&user.user_id),
        )
        .await;
        second_factor::notify_change(state, app, &user, "Text-message login was turned on").await;
        return Ok(());
    }
    match (&req.password, &req.code) {
        (Some(password), _) => {
            second_factor::require_password(state, user, password, &req.client).await?
        }
        (None, Some(code)) => {
            let code = one_time_code::parse(code)?;
            let guard =
                password_guard::enter(state, &user.app_id, &user.handle, &req.client).await?;
            let Some(stored) = state.store.get(&keys::disable_code(&user.user_id)).await? else {
                return Err(guard.failed(state, one_time_code::wrong_code()).await);
            };
            let pending: DisableCode = repo::record(&stored)?;
            match one_time_code::check(
                state,
                &disable_context(user),
                &code,
                &pending.code_hash,
                pending.expires_at,
                &keys::disable_code_tries(&user.user_id),
            )
            .await
            {
                Ok(()) => guard.passed(state).await?,
                Err(e) => {
                    return Err(guard.failed(state, e).await);
                }
            }
            // Single use: only the request that deletes this very record goes on.
            match state
                .store
                .delete(
                    &keys::disable_code(&user.user_id),
                    Condition::Version(stored.version),
                )
                .await
            {
                Ok(()) => {}
                Err(e) if e.is_conflict() => return Err(Error::invalid("wrong code")),
                Err(e) => return Err(e.into()),
            }
        }
        (None, None) => {
            let phone = match (&user.two_factor.phone, user.two_factor.phone_verified) {
                (Some(p), true) => Phone::parse(p)?,
                _ => return Err(Error::MissingParam("password")),
            };
            let issued = one_time_code::issue(state, &disable_context(user));
            let expires_at = state.clock.now_secs() + CODE_TTL_SECS;
            second_factor::send_code(state, app, user, &phone, &issued.code, &req.client).await?;
            let record = DisableCode {
                code_hash: issued.hash,
                expires_at,
            };
            state
                .store
                .put(
                    repo::item(keys::disable_code(&user.user_id), &record, 1)?
                        .expiring_at(expires_at),
                    Condition::Any,
                )
                .await?;
            limits::clear(state, &keys::disable_code_tries(&user.user_id)).await;
            return Err(Error::MissingParam("code (sent by SMS)"));
        }
    }
    let user = change_and_revoke_others(state, caller, |user| {
        user.two_factor.phone_login = false;
        Ok(())
    })
    .await?;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "2fa: phone login disabled");
    audit::record(
        state,
        &req.client,
        Event::new(app, Kind::PhoneLoginDisabled).user(&user.user_id),
    )
    .await;
    second_factor::notify_change(state, app, &user, "Text-message login was turned off").await;
    Ok(())
}

/// A `loginComplete` request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LoginCompleteRequest {
    /// `loginToken`.
    pub login_token: String,
    /// `code`: TOTP, SMS or recovery code.
    pub code: String,
}

/// The app and user of a genuine login token whose user is still the one who logged in (600
/// otherwise; 402 for a suspended app; 404 for a suspended user).
async fn login_subject(state: &AppState, token: &str) -> Result<(App, User, LoginClaims)> {
    let claims: LoginClaims = state
        .tokens
        .verify(token, Purpose::Login, state.clock.now_secs())
        .ok_or(Error::InvalidCredentials)?;
    let (app, _) = repo::load_app(state, &claims.app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    if app.status != AppStatus::Active {
        return Err(Error::AppSuspended);
    }
    let (user, _) = repo::load_user(state, &claims.sub)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    if user.app_id != app.app_id {
        return Err(Error::InvalidCredentials);
    }
    // The password was proven at login, so a suspension may say so (as login does).
    if user.status == UserStatus::Suspended {
        return Err(Error::UserSuspended);
    }
    if user.token_epoch != claims.epoch {
        return Err(Error::InvalidCredentials);
    }
    Ok((app, user, claims))
}

/// `POST /loginComplete`: the second step of a login. Returns what `login` would have (the user
/// JWT and an access token) once the code is right.
pub async fn login_complete(
    state: &AppState,
    req: LoginCompleteRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let (app, user, claims) = login_subject(state, &req.login_token).await?;
    crate::domain::origins::check_request(&app, ctx)?;
    let pending_key = keys::pending_login(&user.user_id);
    let item = state
        .store
        .get(&pending_key)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    let pending: PendingLogin = repo::record(&item)?;
    if pending.jti != claims.jti {
        // Used already, or replaced by a newer login.
        return Err(Error::InvalidCredentials);
    }
    match state
        .store
        .add(
            &keys::pending_login_tries(&user.user_id),
            1,
            Some(LOGIN_TRIES),
            Some(claims.exp),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::LimitReached) => return Err(Error::CodeExhausted),
        Err(e) => return Err(e.into()),
    }
    let guard = password_guard::enter(state, &app.app_id, &user.handle, &ctx.client).await?;
    let sms_ok = match (&pending.code_hash, pending.factor) {
        (Some(hash), TwoFactor::Phone) => {
            let code = req.code.trim();
            code.len() <= 6
                && !code.is_empty()
                && code.bytes().all(|b| b.is_ascii_digit())
                && state.code_hasher.verify(
                    &second_factor::login_code_context(&user, &claims.jti),
                    &format!("{code:0>6}"),
                    hash,
                )
        }
        _ => false,
    };
    let accepted =
        sms_ok || second_factor::consume_authenticator_code(state, &user, &req.code).await?;
    if !accepted {
        let event = audit::failed_check(
            &app,
            Some(&user.user_id),
            guard.locks_out(),
            "loginComplete",
            "wrong code",
        );
        audit::record(state, &ctx.client, event).await;
        return Err(guard.failed(state, Error::InvalidCredentials).await);
    }
    // Single use: of two requests racing with one login token, only the one that deletes this
    // version of the pending login goes on.
    match state
        .store
        .delete(&pending_key, Condition::Version(item.version))
        .await
    {
        Ok(()) => {}
        Err(e) if e.is_conflict() => return Err(Error::InvalidCredentials),
        Err(e) => return Err(e.into()),
    }
    // The password try login left counted, and this one, end here.
    guard.passed(state).await?;
    limits::clear(state, &keys::pending_login_tries(&user.user_id)).await;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "login: second factor passed");
    session::issue(state, &app, &user, &ctx.base_url).await
}

/// Admin `POST /admin/apps/{appId}/users/{userId}/reset-2fa`: switches both factors off and
/// forgets the TOTP secret and recovery codes (the verified phone stays), for a support desk
/// helping a user who lost their device. The user is mailed a notice.
pub async fn admin_reset(
    state: &AppState,
    app_id: &str,
    user_id: &str,
    ctx: &RequestContext,
) -> Result<()> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    match repo::load_user(state, user_id).await? {
        Some((user, _)) if user.app_id == app_id => user,
        _ => return Err(Error::UserNotFound),
    };
    let user = repo::update_user(state, user_id, |user| {
        user.two_factor.google = false;
        user.two_factor.phone_login = false;
        Ok(())
    })
    .await?
    .ok_or(Error::UserNotFound)?;
    second_factor::forget_factors(state, user_id).await?;
    tracing::info!(%app_id, %user_id, "admin: second factors reset");
    audit::record_admin(
        state,
        ctx,
        Event::new(&app, Kind::AdminTwoFactorReset).user(user_id),
    )
    .await?;
    second_factor::notify_change(
        state,
        &app,
        &user,
        "Two-factor login was reset by the app's support",
    )
    .await;
    Ok(())
}
