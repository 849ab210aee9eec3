//! SMS: the channel, its message, and the senders — a log file when nothing is configured,
//! an SMSC over SMPP, or an HTTP gateway (Kannel `sendsms`).
//!
//! Build one from the configured URL: `sms::channel(SmsConfig::parse(url, data_dir)?)`, or
//! [`channel_with_receipts`] to be told what became of each SMS: every final delivery
//! receipt arrives as a [`Receipt`] whose `reference` is the one the send returned in
//! [`Outcome::Sent`]. Texts are encoded by [`encoding`]: GSM-7 when they fit, else UCS-2,
//! split into concatenated parts when long.

pub mod config;
pub mod encoding;
mod http;
mod log_file;
pub(crate) mod receipts;
pub(crate) mod smpp;

pub use config::{HttpConfig, SmppConfig, SmsConfig};
pub use http::HttpSms;
pub use log_file::LogFileSms;
pub use receipts::{Receipt, ReceiptSender, kannel_dlr_delivered};
pub use smpp::SmppSms;

use crate::Outcome;
use async_trait::async_trait;
use centrale_core::PhoneNumber;
use std::sync::Arc;

/// One SMS for one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsMessage {
    /// Stable per delivery; used as the gateway's reference where it takes one.
    pub reference: String,
    pub to: PhoneNumber,
    pub text: String,
}

/// Sends SMS.
#[async_trait]
pub trait SmsChannel: Send + Sync {
    async fn send(&self, message: &SmsMessage) -> Outcome;
}

/// The channel for `config`, with receipts logged and dropped. SMPP starts its session
/// task here, so call it inside a Tokio runtime.
pub fn channel(config: SmsConfig) -> Arc<dyn SmsChannel> {
    build(config, None)
}

/// The channel for `config`; final delivery receipts go to `receipts` (SMPP only: an
/// HTTP gateway calls the `dlr-url` in its template instead, see [`kannel_dlr_delivered`]).
/// Call it inside a Tokio runtime.
pub fn channel_with_receipts(config: SmsConfig, receipts: ReceiptSender) -> Arc<dyn SmsChannel> {
    build(config, Some(receipts))
}

fn build(config: SmsConfig, receipts: Option<ReceiptSender>) -> Arc<dyn SmsChannel> {
    tracing::info!("SMS via {}", config.redacted());
    match config {
        SmsConfig::LogFile(path) => Arc::new(LogFileSms::new(path)),
        SmsConfig::Smpp(smpp) => Arc::new(SmppSms::start(smpp, receipts)),
        SmsConfig::Http(http) => Arc::new(HttpSms::new(http)),
    }
}
