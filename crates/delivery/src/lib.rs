//! Delivery of call notes: a note that does not arrive is the one failure a bureau cannot
//! explain, so every delivery is a durable outbox row (written with the note) that a worker
//! sends at least once, retrying with backoff until it is sent or fails for good.
//!
//! Key types: [`Outcome`] (what one attempt came to), the channels [`EmailChannel`] and
//! [`sms::SmsChannel`] with their messages, [`worker::Worker`] (claims, sends, marks),
//! [`email::SmtpEmail`] and [`email::MaildirEmail`], and [`compose`] (nl/en texts).
//!
//! May depend on: `centrale-core` (types and ports), never on the store or the web.

pub mod agenda;
pub mod compose;
pub mod email;
/// The parsers of untrusted input, for the fuzz targets in `fuzz/` and the regression tests;
/// not an API.
#[doc(hidden)]
pub mod fuzzing;
pub mod retention;
pub mod sms;
pub mod worker;

use async_trait::async_trait;
use centrale_core::EmailAddress;

/// What one attempt to send came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the next hop; `reference` is its id for the message, if it gave one
    /// (SMPP message id, gateway reference), to match delivery receipts later.
    Sent { reference: Option<String> },
    /// Not now (server down, 4xx, timeout): try again later.
    Retry(String),
    /// Never (invalid address, permanent 5xx): mark failed and show supervisors.
    Permanent(String),
}

/// One e-mail for one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailMessage {
    /// Stable per delivery (`<delivery-id@host>`), so a retry is recognisably the same mail.
    pub message_id: String,
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends e-mail.
#[async_trait]
pub trait EmailChannel: Send + Sync {
    async fn send(&self, message: &EmailMessage) -> Outcome;
}
