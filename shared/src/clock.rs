//! The clock port: time is injected so expiry is tested by moving a clock, never by sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Current time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Whole seconds since the Unix epoch (the unit of `expires_at` and JWT claims).
    fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock tests move by hand; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock stopped at `now_ms`.
    pub fn at(now_ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now_ms)))
    }

    /// Moves time forward by `secs` seconds.
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Formats epoch milliseconds the way the Cosync clients parse dates: `2024-01-24T10:00:00.000Z`.
pub fn iso_millis(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_milliseconds_and_z() {
        assert_eq!(iso_millis(1_706_090_400_123), "2024-01-24T10:00:00.123Z");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at(5_000);
        assert_eq!(c.now_secs(), 5);
        c.advance_secs(10);
        assert_eq!(c.now_secs(), 15);
    }
}

/// A running estimate of how long one kind of work takes in this process (an exponentially
/// weighted mean), so a path that skips the work can take as long as one that does it.
///
/// `forgotPassword` uses it: for a known handle it sends a mail, for an unknown one it waits the
/// estimate instead, so response times do not tell accounts apart. Waiting before answering
/// (not after) holds in Lambda too, where work after the response is frozen.
#[derive(Debug, Default)]
pub struct Pace {
    micros: std::sync::atomic::AtomicU64,
}

impl Pace {
    /// Folds one measured duration into the estimate (weight 1/8).
    pub fn record(&self, took: std::time::Duration) {
        let sample = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let _ = self
            .micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(if old == 0 {
                    sample
                } else {
                    old - old / 8 + sample / 8
                })
            });
    }

    /// The current estimate (zero until something was recorded).
    pub fn estimate(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.micros.load(Ordering::Relaxed))
    }

    /// Waits as long as the work is estimated to take. The timer wheel rounds up to whole
    /// milliseconds, so a shorter estimate is waited out by yielding to other tasks instead.
    pub async fn wait(&self) {
        let estimate = self.estimate();
        if estimate >= std::time::Duration::from_millis(2) {
            tokio::time::sleep(estimate).await;
            return;
        }
        let started = std::time::Instant::now();
        while started.elapsed() < estimate {
            tokio::task::yield_now().await;
        }
    }
}
