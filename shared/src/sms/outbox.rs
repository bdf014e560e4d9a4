//! The local runner's [`Sms`]: texts go to the same outbox as mail (`kind: "sms"`), with one
//! console line each, so a developer needs no Twilio account to try phone login.

use async_trait::async_trait;

use super::{Sms, SmsAccount, SmsError};
use crate::mail::outbox::Outbox;
use crate::mail::{Channel, Mailer, Message};

#[async_trait]
impl Sms for Outbox {
    async fn send(
        &self,
        _account: Option<&SmsAccount>,
        to: &str,
        body: &str,
    ) -> Result<(), SmsError> {
        let message = Message {
            channel: Channel::Sms,
            to: to.to_owned(),
            subject: String::new(),
            text: body.to_owned(),
            html: String::new(),
        };
        Mailer::send(self, &message)
            .await
            .map_err(|e| SmsError::Transport(e.to_string()))
    }
}
