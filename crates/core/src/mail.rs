//! The general outbox: mails composed when they are queued — a new client's welcome, the
//! confirmation of a sign-up's address, supervisors' alerts. Call notes, digests and portal
//! links have outboxes of their own; these share their durability (queued in the transaction
//! that made them, sent by the delivery worker, retried, marked sent or failed).

use crate::{EmailAddress, MailId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a mail is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailPurpose {
    /// A new client's forwarding number, codes and portal link.
    Welcome,
    /// The link that confirms a sign-up's e-mail address.
    ConfirmSignup,
    /// Tells a supervisor of a sign-up (active, or waiting for a number).
    SignupAlert,
}

/// A mail to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailDraft {
    pub purpose: MailPurpose,
    pub to: EmailAddress,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// A queued mail, claimed by the delivery worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: MailId,
    pub draft: MailDraft,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}
