//! Wiring of the delivery worker: the channels the settings name (SMTP, or a Maildir in the
//! data directory; an SMS log file), announced at start, and the worker's pacing; SMS
//! delivery receipts are written back to the outbox (`delivered` / `failed`).

use crate::Settings;
use centrale_core::ports::{
    DigestStore, MailStore, OutboxStore, PortalMailStore, PrivacyStore, Store,
};
use centrale_delivery::EmailChannel;
use centrale_delivery::email::{MaildirEmail, SmtpConfig, SmtpEmail};
use centrale_delivery::retention::Purge;
use centrale_delivery::sms::{self, Receipt, SmsChannel, SmsConfig};
use centrale_delivery::worker::{Worker, WorkerConfig};
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The e-mail channel: SMTP when `smtp_url` is set, else `DATA_DIR/maildir`.
fn email_channel(settings: &Settings) -> anyhow::Result<Arc<dyn EmailChannel>> {
    if settings.smtp_url.trim().is_empty() {
        let dir = settings.data_dir().join("maildir");
        let maildir = MaildirEmail::new(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create the mail drop {}: {e}", dir.display()))?;
        tracing::warn!(maildir = %dir.display(), "no smtp_url set: call notes are e-mailed into this Maildir, not sent");
        return Ok(Arc::new(maildir));
    }
    let config = SmtpConfig::parse(&settings.smtp_url).map_err(anyhow::Error::msg)?;
    tracing::info!(smtp = %config, "call notes are e-mailed over SMTP");
    Ok(Arc::new(
        SmtpEmail::new(&config).map_err(anyhow::Error::msg)?,
    ))
}

/// The SMS channel `sms_url` names (SMPP, HTTP gateway), else a log file in the data
/// directory. Its delivery receipts go to `receipts`.
fn sms_channel(
    settings: &Settings,
    receipts: mpsc::UnboundedSender<Receipt>,
) -> anyhow::Result<Arc<dyn SmsChannel>> {
    let config =
        SmsConfig::parse(&settings.sms_url, settings.data_dir()).map_err(anyhow::Error::msg)?;
    if let SmsConfig::LogFile(path) = &config {
        std::fs::create_dir_all(settings.data_dir())?;
        tracing::warn!(file = %path.display(), "no sms_url set: SMS are written to this file, not sent");
    }
    Ok(sms::channel_with_receipts(config, receipts))
}

/// How often, and after which pauses, a receipt that matches no sent delivery is tried
/// again: the SMSC may report before the worker has marked the delivery sent.
const RECEIPT_RETRIES: [Duration; 5] = [
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
];

/// Writes each receipt to the outbox until `stop` is cancelled or the channel is gone.
async fn apply_receipts(
    outbox: Arc<dyn OutboxStore>,
    mut receipts: mpsc::UnboundedReceiver<Receipt>,
    stop: CancellationToken,
) {
    loop {
        let receipt = tokio::select! {
            () = stop.cancelled() => break,
            receipt = receipts.recv() => match receipt {
                Some(receipt) => receipt,
                None => break,
            },
        };
        if !apply_receipt(outbox.as_ref(), &receipt).await {
            tokio::spawn(retry_receipt(outbox.clone(), receipt, stop.clone()));
        }
    }
}

/// Records one receipt; false when no sent delivery has its reference (yet). A receipt that
/// cannot be written is logged (the delivery stays `sent`).
async fn apply_receipt(outbox: &dyn OutboxStore, receipt: &Receipt) -> bool {
    match outbox
        .delivery_receipt(&receipt.reference, receipt.delivered, Utc::now())
        .await
    {
        Ok(matched) => {
            if matched {
                tracing::debug!(reference = %receipt.reference, delivered = receipt.delivered, "SMS receipt recorded");
            }
            matched
        }
        Err(e) => {
            tracing::warn!(reference = %receipt.reference, error = %e, "cannot record an SMS receipt");
            true
        }
    }
}

/// A receipt that overtook the worker's mark: tried again a few times, then dropped.
async fn retry_receipt(outbox: Arc<dyn OutboxStore>, receipt: Receipt, stop: CancellationToken) {
    for pause in RECEIPT_RETRIES {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        if apply_receipt(outbox.as_ref(), &receipt).await {
            return;
        }
    }
    tracing::info!(reference = %receipt.reference, "SMS receipt for no sent delivery; ignored");
}

/// The worker the settings describe (not yet running). SMS receipts are applied from now
/// until `stop` is cancelled, by a task of their own (receipts keep arriving whether or not
/// the worker loop runs in this process). Call it inside a Tokio runtime.
pub fn worker(
    settings: &Settings,
    store: Arc<dyn Store>,
    stop: &CancellationToken,
) -> anyhow::Result<Arc<Worker>> {
    let digests: Arc<dyn DigestStore> = store.clone();
    let portal_mails: Arc<dyn PortalMailStore> = store.clone();
    let mails: Arc<dyn MailStore> = store.clone();
    let privacy: Arc<dyn PrivacyStore> = store.clone();
    let outbox: Arc<dyn OutboxStore> = store;
    let email = email_channel(settings)?;
    let (receipts, received) = mpsc::unbounded_channel();
    let sms = sms_channel(settings, receipts)?;
    tokio::spawn(apply_receipts(outbox.clone(), received, stop.clone()));
    let config = WorkerConfig {
        interval: Duration::from_millis(settings.delivery_interval_ms.max(1)),
        lease: Duration::from_secs(settings.delivery_lease_secs),
        ..WorkerConfig::default()
    };
    let fallback = |used: bool, name: &str| used.then(|| settings.data_dir().join(name));
    let purge = Purge::new(
        privacy,
        settings.retention().map_err(anyhow::Error::msg)?,
        chrono_tz::Europe::Amsterdam,
    )
    .with_fallbacks(
        fallback(settings.smtp_url.trim().is_empty(), "maildir"),
        fallback(settings.sms_url.trim().is_empty(), "sms.log"),
    );
    Ok(Arc::new(
        Worker::new(outbox, email, sms, config)
            .with_digests(digests)
            .with_portal_mails(portal_mails)
            .with_mails(mails)
            .with_purge(purge),
    ))
}
