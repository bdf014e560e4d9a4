//! A mailer as slow as a real one, and the timing loop of the suites that prove an answer takes
//! as long for an unknown handle as for a known one.

use std::sync::Arc;
use std::time::Instant;

use keyturn::mail::outbox::Outbox;

use super::app::{Resp, TestApp};

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

/// Sends `n` pairs, `known(i)` then `unknown(i)`, timing each; asserts each pair is answered
/// alike and prints the two medians as `names` (printed, not asserted: wall time on a shared
/// machine is no test oracle). The one loop of the "takes as long" tests.
pub async fn answer_alike_in_time(
    what: &str,
    names: [&str; 2],
    n: usize,
    known: impl AsyncFn(usize) -> Resp,
    unknown: impl AsyncFn(usize) -> Resp,
) {
    let (mut known_secs, mut unknown_secs) = (Vec::new(), Vec::new());
    for i in 0..n {
        let started = Instant::now();
        let k = known(i).await;
        known_secs.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let u = unknown(i).await;
        unknown_secs.push(started.elapsed().as_secs_f64());
        assert_eq!((k.status, k.text), (u.status, u.text));
    }
    known_secs.sort_by(f64::total_cmp);
    unknown_secs.sort_by(f64::total_cmp);
    let (k, u) = (known_secs[n / 2], unknown_secs[n / 2]);
    let [kn, un] = names;
    println!(
        "{what} over a 25 ms mailer, {n} calls each: median {kn} {:.1} ms, {un} {:.1} ms, \
         ratio {kn}/{un} {:.2}",
        k * 1e3,
        u * 1e3,
        k / u
    );
}
