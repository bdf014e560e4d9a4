//! A mailer as slow as a real one, for timing tests.

use std::sync::Arc;

use keyturn::mail::outbox::Outbox;

use super::app::TestApp;

/// A mailer as slow as a real one (SES answers in tens of milliseconds), in front of the outbox.
pub struct SlowMailer(pub Arc<Outbox>);

#[async_trait::async_trait]
impl keyturn::mail::Mailer for SlowMailer {
    async fn send(&self, m: &keyturn::mail::Message) -> Result<(), keyturn::mail::MailError> {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        self.0.send(m).await
    }
}

impl TestApp {
    /// The same stack (store, secrets, outbox, clock) with every mail taking 25 ms.
    pub async fn with_slow_mail(self) -> Self {
        let outbox = self.outbox.clone();
        self.with_ports(|ports| ports.mailer = Arc::new(SlowMailer(outbox)))
            .await
    }
}
