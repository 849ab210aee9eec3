//! The outbox worker: claims due deliveries, composes and sends each once per attempt, and
//! marks the outcome. At least once: a delivery is marked sent only after the next hop
//! accepted it, so a crash in between sends it again (same Message-ID) after the lease.

use crate::sms::SmsChannel;
use crate::{EmailChannel, Outcome, compose};
use centrale_core::notes::{Channel, OutboxItem};
use centrale_core::ports::OutboxStore;
use centrale_core::{EmailAddress, PhoneNumber};
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// How long to wait when nothing was due.
    pub interval: Duration,
    /// Deliveries claimed per step.
    pub batch: u32,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// How long a claim holds; must exceed the slowest send (the SMTP timeout).
    pub lease: Duration,
    /// First retry after this, doubling per attempt…
    pub retry_base: Duration,
    /// …up to this.
    pub retry_cap: Duration,
    /// A delivery still failing this long after the note was saved is given up.
    pub give_up_after: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            batch: 32,
            concurrency: 8,
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(15 * 60),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

impl WorkerConfig {
    /// The wait before the next attempt after `attempts` failed ones: base · 2^(attempts−1),
    /// capped.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.retry_base
            .saturating_mul(1 << doublings)
            .min(self.retry_cap)
    }
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The delivery worker; [`Worker::run_once`] is one step, [`Worker::spawn`] the loop.
pub struct Worker {
    store: Arc<dyn OutboxStore>,
    email: Arc<dyn EmailChannel>,
    sms: Arc<dyn SmsChannel>,
    config: WorkerConfig,
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Worker {
    pub fn new(
        store: Arc<dyn OutboxStore>,
        email: Arc<dyn EmailChannel>,
        sms: Arc<dyn SmsChannel>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            store,
            email,
            sms,
            config,
        }
    }

    /// Claims what is due at `now`, sends it and marks each outcome; retries are scheduled
    /// from `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> centrale_core::Result<Step> {
        let items = self
            .store
            .claim_deliveries(now, self.config.batch, chrono_duration(self.config.lease))
            .await?;
        let mut step = Step {
            claimed: items.len(),
            ..Step::default()
        };
        let mut outcomes = futures_util::stream::iter(items)
            .map(|item| async move {
                let outcome = self.attempt(&item).await;
                (item, outcome)
            })
            .buffer_unordered(self.config.concurrency.max(1));
        while let Some((item, outcome)) = outcomes.next().await {
            let id = item.delivery.id;
            let marked = match outcome {
                Outcome::Sent { reference } => {
                    step.sent += 1;
                    self.store
                        .delivery_sent(id, reference.as_deref(), Utc::now())
                        .await
                }
                Outcome::Permanent(reason) => {
                    step.failed += 1;
                    tracing::warn!(delivery = %id, to = %item.delivery.recipient, %reason, "delivery failed for good");
                    self.store.delivery_failed(id, &reason, Utc::now()).await
                }
                Outcome::Retry(reason) => {
                    let attempts = item.delivery.attempts;
                    if now - item.note.created_at > chrono_duration(self.config.give_up_after) {
                        step.failed += 1;
                        let reason = format!("given up after {attempts} attempts: {reason}");
                        tracing::warn!(delivery = %id, %reason, "delivery failed for good");
                        self.store.delivery_failed(id, &reason, Utc::now()).await
                    } else {
                        step.retried += 1;
                        let next = now + chrono_duration(self.config.backoff(attempts));
                        tracing::info!(delivery = %id, attempts, %reason, next = %next, "delivery will be retried");
                        self.store.delivery_retry(id, attempts, next, &reason).await
                    }
                }
            };
            // Unmarked, the delivery stays claimed and comes back when the lease runs out.
            if let Err(e) = marked {
                tracing::warn!(delivery = %id, error = %e, "cannot mark a delivery; it will be tried again");
            }
        }
        Ok(step)
    }

    /// One attempt: compose for the channel, send.
    async fn attempt(&self, item: &OutboxItem) -> Outcome {
        let to = &item.delivery.recipient;
        match item.delivery.channel {
            Channel::Email => match EmailAddress::parse(to) {
                Ok(address) => self.email.send(&compose::email(item, address)).await,
                Err(e) => Outcome::Permanent(format!("invalid e-mail address {to}: {e}")),
            },
            Channel::Sms => match PhoneNumber::parse(to) {
                Ok(number) => self.sms.send(&compose::sms(item, number)).await,
                Err(e) => Outcome::Permanent(format!("invalid phone number {to}: {e}")),
            },
        }
    }

    /// Runs steps until `stop` is cancelled: at once again after a full batch, else after the
    /// interval. A step under way finishes (its sends are bounded by the channel timeouts).
    pub fn spawn(self: Arc<Self>, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let busy = match self.run_once(Utc::now()).await {
                    Ok(step) => step.claimed >= self.config.batch as usize,
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery worker cannot read the outbox");
                        false
                    }
                };
                if stop.is_cancelled() {
                    break;
                }
                if !busy {
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(self.config.interval) => {}
                    }
                }
            }
            tracing::info!("delivery worker stopped");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = WorkerConfig::default();
        let secs: Vec<u64> = (1..=9).map(|n| c.backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(c.backoff(0).as_secs(), 10);
        assert_eq!(c.backoff(u32::MAX).as_secs(), 900);
    }
}
