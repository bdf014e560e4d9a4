//! The SMS port: every text message (phone verification, login codes) leaves through here.
//!
//! Production sends through the developer's own Twilio account ([`twilio::TwilioSms`]); the
//! local runner writes the outbox (`kind: "sms"`) and prints one console line, like mail.
//!
//! # Contract (every adapter MUST)
//! - Send `body` to `to` (an E.164 number) from the app's account, or return an [`SmsError`];
//!   never panic on a provider answer.
//! - Return [`SmsError::InvalidNumber`] when the provider says the recipient cannot receive
//!   texts (Twilio 21211, 21214, 21217, 21401, 21407, 21408, 21610, 21612, 21614): the client
//!   fixes that (602).
//! - Return [`SmsError::NotConfigured`] when it needs an account and none is given.
//! - Keep the provider's text, the auth token and the message body out of every error (errors
//!   end up in logs, and the body holds a live code).

pub mod outbox;
pub mod twilio;

use async_trait::async_trait;

/// An app's Twilio account: where texts are sent from. The token is a secret: never logged.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsAccount {
    /// Twilio account SID (`AC` + 32 hex).
    pub account_sid: String,
    /// Twilio auth token.
    pub auth_token: String,
    /// The sender number (E.164).
    pub phone_number: String,
}

impl std::fmt::Debug for SmsAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsAccount")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"..")
            .field("phone_number", &self.phone_number)
            .finish()
    }
}

/// Why a text was not sent, translated at the adapter seam.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The recipient number cannot receive texts (provider error code kept for logs).
    #[error("recipient cannot receive texts (provider code {0})")]
    InvalidNumber(u32),
    /// The app has no SMS account configured.
    #[error("no SMS account configured for this app")]
    NotConfigured,
    /// The provider refused for another reason (credentials, balance, sender): the developer's
    /// problem, not the user's.
    #[error("provider refused (status {status}, code {code:?})")]
    Rejected {
        /// HTTP status of the provider's answer.
        status: u16,
        /// The provider's error code, when it gave one.
        code: Option<u32>,
    },
    /// The provider could not be reached or answered nonsense.
    #[error("sms transport: {0}")]
    Transport(String),
}

/// Sends texts.
#[async_trait]
pub trait Sms: Send + Sync {
    /// Delivers `body` to `to` from `account` (adapters that need none may ignore it).
    async fn send(
        &self,
        account: Option<&SmsAccount>,
        to: &str,
        body: &str,
    ) -> Result<(), SmsError>;
}
