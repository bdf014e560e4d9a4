//! Admin `PUT /admin/apps/{appId}/twilio`: the developer's own Twilio account, which pays for
//! the app's texts.
//!
//! The whole account (SID, auth token, number) goes to the secrets port as
//! `<prefix>/apps/<appId>/twilio`, which only the functions that send SMS may read; the app
//! record keeps the SID and number for the admin view, and never the token.
//!
//! The write is audited (`admin.twilio.set`) with the `accountSid` and `phoneNumber` the admin
//! view shows anyway, never the auth token: when texts start going out from another account or
//! number, the trail says when it changed and who changed it.

use super::app_update::update_app;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::TwilioInfo;
use crate::domain::records::context::RequestContext;
use crate::domain::records::phone_number::Phone;
use crate::error::{Context, Error, Result};
use crate::secrets::SecretStore as _;
use crate::sms::SmsAccount;

/// The request body `{accountSid, authToken, phoneNumber}`.
#[derive(Clone)]
pub struct TwilioRequest {
    /// `AC` followed by 32 hex characters.
    pub account_sid: String,
    /// The account's auth token (32 hex characters).
    pub auth_token: String,
    /// The sender number, E.164.
    pub phone_number: String,
}

impl std::fmt::Debug for TwilioRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioRequest")
            .field("account_sid", &self.account_sid)
            .field("phone_number", &self.phone_number)
            .finish_non_exhaustive()
    }
}

fn hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Validates and stores the account; returns what the admin view shows of it.
pub async fn set_twilio(
    state: &AppState,
    app_id: &str,
    req: TwilioRequest,
    ctx: &RequestContext,
) -> Result<TwilioInfo> {
    let sid = req.account_sid.trim();
    if !(sid.starts_with("AC") && hex32(&sid[2..])) {
        return Err(Error::invalid(
            "accountSid must be AC followed by 32 hex characters",
        ));
    }
    let token = req.auth_token.trim();
    if !hex32(token) {
        return Err(Error::invalid("authToken must be 32 hex characters"));
    }
    let number = Phone::parse(&req.phone_number)
        .map_err(|_| Error::invalid("phoneNumber must be an E.164 number"))?;
    repo::existing_app(state, app_id).await?;
    let account = SmsAccount {
        account_sid: sid.to_owned(),
        auth_token: token.to_owned(),
        phone_number: number.as_str().to_owned(),
    };
    let secret = serde_json::to_string(&account).context("encode twilio account")?;
    state
        .secrets
        .put(&state.config.twilio_secret_name(app_id), &secret)
        .await
        .context("store twilio account")?;
    let info = TwilioInfo {
        account_sid: account.account_sid,
        phone_number: account.phone_number,
    };
    let app = update_app(state, app_id, |app| {
        app.twilio = Some(info.clone());
        Ok(())
    })
    .await?;
    tracing::info!(%app_id, "admin: twilio account set");
    let event = Event::new(&app, Kind::AdminTwilioSet)
        .detail("accountSid", info.account_sid.clone())
        .detail("phoneNumber", info.phone_number.clone());
    audit::record_admin(state, ctx, event).await?;
    Ok(info)
}
