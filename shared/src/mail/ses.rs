//! SES adapter: production's [`Mailer`] for email.
//!
//! Uses SES v1 `SendEmail` with a plain-text and an HTML part, both UTF-8. The sender must be a
//! verified identity (SES answers `MessageRejected` otherwise, which surfaces as
//! [`MailError::Transport`]). SMS never goes through SES; it has its own transport.

use async_trait::async_trait;
use aws_sdk_ses::Client;
use aws_sdk_ses::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_ses::types::{Body, Content, Destination, Message as SesMessage};

use super::{Channel, MailError, Mailer, Message};

/// [`Mailer`] over Amazon SES, sending every email from one configured address.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    from: String,
}

impl SesMailer {
    /// Wraps a client built once at cold start; `from` is the verified sender (`KEYTURN_MAIL_FROM`),
    /// the same identity the template's `ses:FromAddress` condition allows.
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        if message.channel == Channel::Sms {
            return Err(MailError::Transport("SES sends email only".into()));
        }
        let mut body = Body::builder().text(utf8(&message.text)?);
        if !message.html.is_empty() {
            body = body.html(utf8(&message.html)?);
        }
        let content = SesMessage::builder()
            .subject(utf8(&message.subject)?)
            .body(body.build())
            .build();
        self.client
            .send_email()
            .source(&self.from)
            .destination(Destination::builder().to_addresses(&message.to).build())
            .message(content)
            .send()
            .await
            .map_err(|err| {
                // Code and message only: SES errors never echo the body, and neither do we.
                let detail = match err.code() {
                    Some(code) => format!("{code}: {}", err.message().unwrap_or("no message")),
                    None => DisplayErrorContext(&err).to_string(),
                };
                MailError::Transport(format!("SES SendEmail: {detail}"))
            })?;
        Ok(())
    }
}

fn utf8(data: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Transport(format!("SES message: {e}")))
}
