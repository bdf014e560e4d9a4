//! The mailer port: every email (and, locally, every SMS) leaves through here.
//!
//! Production sends through SES ([`ses::SesMailer`]); the local runner writes an outbox
//! ([`outbox::Outbox`]) and prints one console line per message so a developer sees the code or
//! link without a mail server.

pub mod outbox;
pub mod ses;

use async_trait::async_trait;

/// Whether a message is an email or a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// An email with subject, text and HTML parts.
    Email,
    /// An SMS (subject and HTML empty).
    Sms,
}

/// One outgoing message, already rendered and escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Email or SMS.
    pub channel: Channel,
    /// Recipient address or E.164 number.
    pub to: String,
    /// Subject line (emails).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (emails).
    pub html: String,
}

/// Failures of a mail transport, translated at the seam.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The provider refused or could not be reached; the message holds no body text.
    #[error("mail transport: {0}")]
    Transport(String),
}

/// Sends rendered messages.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers one message or reports why it could not.
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}
