//! SMS codes: every text is counted before it is sent, because texts cost the developer money
//! and SMS pumping is the main attack on SMS login: 3 per phone number per hour, 5 per user per
//! hour, 10 per client address per hour (on top of the address's message limit), and
//! `smsDailyLimit` per app per UTC day from the app's sharded SMS budget (615 with
//! `Retry-After`); a number whose calling code is not in `smsAllowedCountries` is refused (602).

use crate::domain::common::limits::{self, AddressFlow, Limit};
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
        &table_keys::sms_by_phone(&app.app_id, &digest),
        SMS_PER_PHONE,
    )
    .await?;
    limits::hit(state, &table_keys::sms_by_user(&user.user_id), SMS_PER_USER).await?;
    limits::hit_address(state, app, client, AddressFlow::Messages).await?;
    limits::hit_address(state, app, client, AddressFlow::Texts).await?;
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
