//! The outbox worker: claims due deliveries, composes and sends each once per attempt, and
//! marks the outcome. At least once: a delivery is marked sent only after the next hop
//! accepted it, so a crash in between sends it again (same Message-ID) after the lease.
//!
//! With a [`DigestStore`] ([`Worker::with_digests`]) each tick also runs the daily digest
//! ([`Worker::run_digests`]): it decides the digests due (once per client and day, the
//! store's key deciding between workers) and sends the queued ones the same way. With a
//! [`Purge`] ([`Worker::with_purge`]) it also runs the daily retention purge, and with a
//! [`PortalMailStore`] ([`Worker::with_portal_mails`]) it sends the portal's password links.

use crate::retention::{Purge, PurgeStep};
use crate::sms::SmsChannel;
use crate::{EmailChannel, EmailMessage, Outcome, compose};
use centrale_core::digest::{self, DigestItem};
use centrale_core::mail::QueuedMail;
use centrale_core::notes::{Channel, OutboxItem};
use centrale_core::portal::PortalMail;
use centrale_core::ports::{DigestStore, MailStore, OutboxStore, PortalMailStore};
use centrale_core::{EmailAddress, PhoneNumber};
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The e-mail carrying a portal password link; its Message-ID is the same on every attempt.
fn portal_message(mail: &PortalMail) -> EmailMessage {
    let (subject, text) = mail.render();
    let html = format!("<pre>{}</pre>", compose::escape_html(&text));
    EmailMessage {
        message_id: format!("<portal-{}@centrale>", mail.id),
        to: mail.recipient.clone(),
        subject,
        text,
        html,
    }
}

/// A mail of the general outbox; its Message-ID is the same on every attempt.
fn outbox_message(mail: &QueuedMail) -> EmailMessage {
    EmailMessage {
        message_id: format!("<mail-{}@centrale>", mail.id),
        to: mail.draft.to.clone(),
        subject: mail.draft.subject.clone(),
        text: mail.draft.body.clone(),
        html: format!("<pre>{}</pre>", compose::escape_html(&mail.draft.body)),
    }
}

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

/// What one digest step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DigestStep {
    /// Days decided by this step (queued, or recorded as without calls).
    pub decided: usize,
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The delivery worker; [`Worker::run_once`] is one step, [`Worker::spawn`] the loop.
pub struct Worker {
    store: Arc<dyn OutboxStore>,
    digests: Option<Arc<dyn DigestStore>>,
    portal_mails: Option<Arc<dyn PortalMailStore>>,
    mails: Option<Arc<dyn MailStore>>,
    purge: Option<Purge>,
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
            digests: None,
            portal_mails: None,
            mails: None,
            purge: None,
            email,
            sms,
            config,
        }
    }

    /// Also runs the daily digest from `digests` each tick.
    pub fn with_digests(mut self, digests: Arc<dyn DigestStore>) -> Self {
        self.digests = Some(digests);
        self
    }

    /// Also sends the portal's password-link e-mails each tick.
    pub fn with_portal_mails(mut self, mails: Arc<dyn PortalMailStore>) -> Self {
        self.portal_mails = Some(mails);
        self
    }

    /// Sends the portal mails due at `now` and marks each; returns how many were sent.
    /// Without a portal mail store, nothing.
    pub async fn run_portal_mails(&self, now: DateTime<Utc>) -> centrale_core::Result<usize> {
        let Some(store) = &self.portal_mails else {
            return Ok(0);
        };
        let mails = store
            .claim_portal_mails(now, self.config.batch, chrono_duration(self.config.lease))
            .await?;
        let mut sent = 0;
        for mail in mails {
            let marked = match self.email.send(&portal_message(&mail)).await {
                Outcome::Sent { .. } => {
                    sent += 1;
                    store.portal_mail_sent(mail.id, Utc::now()).await
                }
                Outcome::Permanent(reason) => {
                    tracing::warn!(mail = %mail.id, %reason, "portal mail failed for good");
                    store.portal_mail_failed(mail.id, &reason, Utc::now()).await
                }
                Outcome::Retry(reason) => {
                    // A link lives a day; a mail still failing after that is of no use.
                    if now - mail.created_at
                        > chrono::Duration::hours(centrale_core::portal::PASSWORD_LINK_HOURS)
                    {
                        store.portal_mail_failed(mail.id, &reason, Utc::now()).await
                    } else {
                        let next = now + chrono_duration(self.config.backoff(mail.attempts));
                        store.portal_mail_retry(mail.id, next, &reason).await
                    }
                }
            };
            if let Err(e) = marked {
                tracing::warn!(mail = %mail.id, error = %e, "cannot mark a portal mail; it will be tried again");
            }
        }
        Ok(sent)
    }

    /// Also sends the general outbox's mails (welcome, confirmation, alerts) each tick.
    pub fn with_mails(mut self, mails: Arc<dyn MailStore>) -> Self {
        self.mails = Some(mails);
        self
    }

    /// Sends the general outbox's mails due at `now` and marks each; returns how many were
    /// sent. A mail still failing after a day is given up (its links have expired by then).
    pub async fn run_mails(&self, now: DateTime<Utc>) -> centrale_core::Result<usize> {
        let Some(store) = &self.mails else {
            return Ok(0);
        };
        let mails = store
            .claim_mails(now, self.config.batch, chrono_duration(self.config.lease))
            .await?;
        let mut sent = 0;
        for mail in mails {
            let marked = match self.email.send(&outbox_message(&mail)).await {
                Outcome::Sent { .. } => {
                    sent += 1;
                    store.mail_sent(mail.id, Utc::now()).await
                }
                Outcome::Retry(reason) if now - mail.created_at <= chrono::Duration::days(1) => {
                    let next = now + chrono_duration(self.config.backoff(mail.attempts));
                    store.mail_retry(mail.id, next, &reason).await
                }
                Outcome::Permanent(reason) | Outcome::Retry(reason) => {
                    tracing::warn!(mail = %mail.id, %reason, "mail failed for good");
                    store.mail_failed(mail.id, &reason, Utc::now()).await
                }
            };
            if let Err(e) = marked {
                tracing::warn!(mail = %mail.id, error = %e, "cannot mark a mail; it will be tried again");
            }
        }
        Ok(sent)
    }

    /// Also runs the daily retention purge each tick.
    pub fn with_purge(mut self, purge: Purge) -> Self {
        self.purge = Some(purge);
        self
    }

    /// The retention purge of `now`'s day, unless done already; without a purge, nothing.
    pub async fn run_purge(&self, now: DateTime<Utc>) -> centrale_core::Result<PurgeStep> {
        match &self.purge {
            Some(purge) => purge.run(now).await,
            None => Ok(PurgeStep::default()),
        }
    }

    /// The daily digest at `now`: decides every digest due (see [`digest::digest_due`]),
    /// then claims the queued ones, sends each to the client's general addresses and marks
    /// it. Without a digest store, nothing.
    pub async fn run_digests(&self, now: DateTime<Utc>) -> centrale_core::Result<DigestStep> {
        let Some(store) = &self.digests else {
            return Ok(DigestStep::default());
        };
        let mut step = DigestStep::default();
        for schedule in store.digest_schedules().await? {
            let Some(day) = digest::digest_due(
                &schedule.settings,
                schedule.time_zone,
                now,
                schedule.last_day,
            ) else {
                continue;
            };
            let window = digest::digest_window(day, schedule.settings.send_at, schedule.time_zone);
            if store
                .decide_digest(
                    schedule.client_id,
                    day,
                    window,
                    schedule.settings.include_empty,
                    now,
                )
                .await?
            {
                step.decided += 1;
            }
        }
        let items = store
            .claim_digests(now, self.config.batch, chrono_duration(self.config.lease))
            .await?;
        step.claimed = items.len();
        for item in items {
            let (client, day) = (item.client_id, item.day);
            let marked = match self.send_digest(&item).await {
                Outcome::Sent { .. } => {
                    step.sent += 1;
                    store.digest_sent(client, day, Utc::now()).await
                }
                Outcome::Permanent(reason) => {
                    step.failed += 1;
                    tracing::warn!(%client, %day, %reason, "digest failed for good");
                    store.digest_failed(client, day, &reason, Utc::now()).await
                }
                Outcome::Retry(reason) => {
                    if now - item.created_at > chrono_duration(self.config.give_up_after) {
                        step.failed += 1;
                        let reason = format!("given up after {} attempts: {reason}", item.attempts);
                        tracing::warn!(%client, %day, %reason, "digest failed for good");
                        store.digest_failed(client, day, &reason, Utc::now()).await
                    } else {
                        step.retried += 1;
                        let next = now + chrono_duration(self.config.backoff(item.attempts));
                        tracing::info!(%client, %day, %reason, next = %next, "digest will be retried");
                        store.digest_retry(client, day, next, &reason).await
                    }
                }
            };
            if let Err(e) = marked {
                tracing::warn!(%client, %day, error = %e, "cannot mark a digest; it will be tried again");
            }
        }
        Ok(step)
    }

    /// One attempt at a digest: the same message (and Message-ID) to each general address.
    /// Retried as a whole when any address should be tried again; failed when every one
    /// refused it for good.
    async fn send_digest(&self, item: &DigestItem) -> Outcome {
        if item.emails.is_empty() {
            return Outcome::Permanent("the client has no general e-mail address".into());
        }
        let content = digest::render(
            item.language,
            &item.client_name,
            item.time_zone,
            item.day,
            &item.notes,
        );
        let mut retry = None;
        let mut refused = Vec::new();
        for to in &item.emails {
            let message = EmailMessage {
                message_id: digest::message_id(item.client_id, item.day),
                to: to.clone(),
                subject: content.subject.clone(),
                text: content.text.clone(),
                html: content.html.clone(),
            };
            match self.email.send(&message).await {
                Outcome::Sent { .. } => {}
                Outcome::Retry(reason) => retry = Some(reason),
                Outcome::Permanent(reason) => {
                    tracing::warn!(client = %item.client_id, %to, %reason, "digest refused for an address");
                    refused.push(reason);
                }
            }
        }
        if let Some(reason) = retry {
            Outcome::Retry(reason)
        } else if refused.len() == item.emails.len() {
            Outcome::Permanent(refused.join("; "))
        } else {
            Outcome::Sent { reference: None }
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
                if let Err(e) = self.run_digests(Utc::now()).await {
                    tracing::warn!(error = %e, "delivery worker cannot run the daily digest");
                }
                if let Err(e) = self.run_portal_mails(Utc::now()).await {
                    tracing::warn!(error = %e, "delivery worker cannot send the portal's mails");
                }
                if let Err(e) = self.run_mails(Utc::now()).await {
                    tracing::warn!(error = %e, "delivery worker cannot send the outbox's mails");
                }
                if let Err(e) = self.run_purge(Utc::now()).await {
                    tracing::warn!(error = %e, "delivery worker cannot run the retention purge");
                }
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
