//! SMS codes: every text is counted before it is sent, because texts cost the developer money
//! and SMS pumping is the main attack on SMS login (615 with `Retry-After` past any limit; a
//! number whose calling code is not in `smsAllowedCountries` is refused, 602).
//!
//! Texts are of two kinds, with limits that fit each:
//! - **Enrolment** (`setPhone`, to a number not yet the user's): 3 per number and 5 per user an
//!   hour, and at most half of `smsDailyLimit` a day ([`ENROLMENT_SHARE_PERCENT`]), so
//!   strangers who enrol numbers can never spend what login texts need.
//! - **To the user's verified number** (the login code, the code that switches SMS login off):
//!   10 per number an hour ([`VERIFIED_PER_PHONE`]). Each needs the right password or a session,
//!   and the number is the user's alone, so a tight cap would only stop the owner logging in
//!   a few times an hour (the old 3 an hour did, counting the verification text too).
//!
//! Both kinds count on the client address (the app's `addressSendsPerHour` and
//! `addressTextsPerHour`) and on the app's `smsDailyLimit` per UTC day (sharded).

use crate::domain::common::limits::{self, AddressFlow, Channel, Limit};
use crate::domain::common::phone_claim::phone_digest;
use crate::domain::common::templates::{self, TemplateName, Values};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::ClientAddress;
use crate::domain::records::phone_number::Phone;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Context, Error, ErrorContext, Result};
use crate::secrets::SecretStore as _;
use crate::sms::{SmsAccount, SmsError};

/// Login tokens and SMS codes live 10 minutes.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Enrolment texts one phone number may receive per hour: nobody proved it is theirs yet, so a
/// stranger's `setPhone` must not turn it into a target.
pub const SMS_PER_PHONE: Limit = Limit {
    max: 3,
    window_secs: 3600,
};
/// Enrolment texts one user may trigger per hour, so one account cannot pump many numbers.
pub const SMS_PER_USER: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// Texts a user's verified number may receive per hour (login and disable codes): enough for
/// ten logins, since each needs the password and the number is the user's alone.
pub const VERIFIED_PER_PHONE: Limit = Limit {
    max: 10,
    window_secs: 3600,
};
/// The part of `smsDailyLimit` enrolment texts may spend; the rest is kept for texts to
/// verified numbers.
pub const ENROLMENT_SHARE_PERCENT: i64 = 50;

/// What a text is for, which decides its limits (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A verification code for a number being set (`setPhone`).
    Enrolment,
    /// A code to the user's own verified number (login, switching SMS login off).
    VerifiedPhone,
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
/// every limit of its kind: a text to the user's verified number is a
/// [`TextKind::VerifiedPhone`], any other an [`TextKind::Enrolment`].
pub async fn send_code(
    state: &AppState,
    app: &App,
    user: &User,
    phone: &Phone,
    code: &str,
    client: &ClientAddress,
) -> Result<()> {
    let f = &user.two_factor;
    let kind = if f.phone_verified && f.phone.as_deref() == Some(phone.as_str()) {
        TextKind::VerifiedPhone
    } else {
        TextKind::Enrolment
    };
    count_text(state, app, user, phone, client, kind).await?;
    deliver(state, app, user, phone, code).await
}

/// Counts one text of `kind` to `phone` on every limit of its kind, before anything is sent or
/// learned: the number, the user (enrolment), the client address, then the app's day (the
/// enrolment share first). `setPhone` counts a number verified already the same way, so its
/// answer cannot tell such numbers apart.
pub async fn count_text(
    state: &AppState,
    app: &App,
    user: &User,
    phone: &Phone,
    client: &ClientAddress,
    kind: TextKind,
) -> Result<()> {
    check_country(app, phone)?;
    let digest = phone_digest(state, phone.as_str());
    match kind {
        TextKind::Enrolment => {
            let number = table_keys::sms_by_phone(&app.app_id, &digest);
            limits::hit(state, &number, SMS_PER_PHONE).await?;
            limits::hit(state, &table_keys::sms_by_user(&user.user_id), SMS_PER_USER).await?;
        }
        TextKind::VerifiedPhone => {
            let number = table_keys::verified_sms_by_phone(&app.app_id, &digest);
            limits::hit(state, &number, VERIFIED_PER_PHONE).await?;
        }
    }
    limits::hit_address(state, app, client, AddressFlow::Messages).await?;
    limits::hit_address(state, app, client, AddressFlow::Texts).await?;
    let daily = i64::from(app.settings.sms_daily_limit);
    if kind == TextKind::Enrolment {
        let share = daily * ENROLMENT_SHARE_PERCENT / 100;
        limits::spend_daily_budget(state, &app.app_id, Channel::SmsEnrolment, share).await?;
    }
    limits::spend_daily_budget(state, &app.app_id, Channel::Sms, daily).await
}

/// Texts `code` to `phone` (counted already, see [`count_text`]) and records how long that took
/// here (`sms_pace`), for the requests that must take as long without texting.
pub async fn deliver(
    state: &AppState,
    app: &App,
    user: &User,
    phone: &Phone,
    code: &str,
) -> Result<()> {
    let started = std::time::Instant::now();
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
    let sent = state
        .sms
        .send(account.as_ref(), phone.as_str(), &message.text)
        .await;
    state.sms_pace.record(started.elapsed());
    match sent {
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
