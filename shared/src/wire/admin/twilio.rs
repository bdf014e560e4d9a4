//! `PUT /admin/apps/{appId}/twilio`: the developer's Twilio account in, and back without its
//! token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::admin::twilio;
use crate::domain::records::app::TwilioInfo;

/// The request body `{accountSid, authToken, phoneNumber}`.
// No `Debug`: it holds the auth token (the domain's request type prints it redacted).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TwilioRequest {
    /// `AC` followed by 32 hex characters.
    account_sid: String,
    /// The account's auth token (32 hex characters).
    auth_token: String,
    /// The sender number, E.164.
    phone_number: String,
}

convert!(TwilioRequest => twilio::TwilioRequest {
    account_sid,
    auth_token,
    phone_number,
});

/// `PUT /admin/apps/{appId}/twilio`: the account, never its token.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwilioSet {
    /// Account SID.
    account_sid: String,
    /// Sender number.
    phone_number: String,
    /// Always `true`: the token is stored and never shown.
    auth_token_set: bool,
}

impl From<TwilioInfo> for TwilioSet {
    fn from(info: TwilioInfo) -> Self {
        let TwilioInfo {
            account_sid,
            phone_number,
        } = info;
        Self {
            account_sid,
            phone_number,
            auth_token_set: true,
        }
    }
}
