//! SMS: the channel, its message, and the senders (a log file when nothing is configured).

mod log_file;

pub use log_file::LogFileSms;

use crate::Outcome;
use async_trait::async_trait;
use centrale_core::PhoneNumber;

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
