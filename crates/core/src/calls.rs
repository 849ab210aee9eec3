//! Calls as recorded: who called which client, who answered, how it ended.

use crate::transfer::{Destination, LineKind, TransferMode};
use crate::{CallId, ClientId, PhoneNumber, StaffId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who a caller says they are; both parts may be missing (anonymous callers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallerId {
    /// E.164 when the network gave a usable number.
    pub number: Option<PhoneNumber>,
    /// Display name, as signalled.
    pub name: Option<String>,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Answered,
    AbandonedQueued,
    AbandonedRinging,
    /// Refused before queueing (e.g. no common codec).
    Rejected,
    Failed,
}

/// Who ended a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Caller,
    Operator,
    /// The one the caller was put through to.
    Destination,
    /// Centrale itself (dead media, shutdown, failure).
    System,
}

/// How one offer of a call to an operator ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferResult {
    Answered,
    /// The phone refused (486, 603, …).
    Rejected,
    /// Nobody picked up within the ring timeout.
    Timeout,
    /// The caller gave up while it rang.
    Cancelled,
    /// The phone could not be reached.
    Failed,
    /// The phone took no media we could give it (488, or an answer without G.711): like a
    /// phone nobody answers, it pauses its operator, and the call goes to the next at once.
    Incompatible,
}

/// A call arriving: what is known before anyone answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewCall {
    pub id: CallId,
    pub client_id: ClientId,
    pub caller: CallerId,
    /// The forwarding number dialled.
    pub dialled: PhoneNumber,
    /// The number the caller dialled before the client forwarded (Diversion / History-Info).
    pub original: Option<String>,
    pub arrived_at: DateTime<Utc>,
}

/// One step of a call's record, as the call journal writes it: in order per call, in
/// batches. Each names the call's client, as every query on calls matches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallFact {
    /// The call arrived for a client (it is queued from now on).
    Arrived(NewCall),
    /// It rings at an operator.
    Offered {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
    },
    /// That offer ended, with or without an answer.
    OfferEnded {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
        result: OfferResult,
    },
    /// The operator answered.
    Answered {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
    },
    /// A talking call was put on hold, or taken off it (`held: false`).
    Hold {
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        held: bool,
    },
    /// The operator put the caller through: an outbound leg to `to` begins.
    TransferStarted {
        client: ClientId,
        call: CallId,
        transfer: NewTransfer,
    },
    /// The call's outbound leg ended: connected (a usage event, priced as the price list
    /// says at `at`), or not.
    TransferEnded {
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        result: TransferResult,
    },
    /// The call is over; the waiting time is derived from arrival and answer (or end).
    Ended {
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        ended_by: Party,
        outcome: CallOutcome,
    },
}

impl CallFact {
    /// The call it is about.
    pub fn call(&self) -> CallId {
        match self {
            Self::Arrived(call) => call.id,
            Self::Offered { call, .. }
            | Self::OfferEnded { call, .. }
            | Self::Answered { call, .. }
            | Self::Hold { call, .. }
            | Self::TransferStarted { call, .. }
            | Self::TransferEnded { call, .. }
            | Self::Ended { call, .. } => *call,
        }
    }
}

/// One offer of a call to an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Offer {
    pub operator_id: StaffId,
    pub offered_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub result: Option<OfferResult>,
}

/// An outbound leg beginning: who put the caller through, to what, how, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTransfer {
    pub operator: StaffId,
    pub to: Destination,
    pub mode: TransferMode,
    pub at: DateTime<Utc>,
}

/// How an outbound leg of a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferResult {
    /// The destination answered and the caller was put through: billed.
    Connected,
    /// Nobody answered within the transfer timeout.
    NoAnswer,
    /// Busy or declined.
    Busy,
    /// The gateway refused it or could not be reached.
    Failed,
    /// The caller hung up before being put through.
    CallerLeft,
    /// Consulted, the operator went back to the caller (not put through).
    Returned,
    /// Consulted, the destination hung up: the operator has the caller back.
    DestinationHungUp,
}

/// One outbound leg of a call, as recorded: who put the caller through, to what, and how it
/// ended. A connected one carries its price (euro cents, excluding VAT).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// None once that staff member was deleted.
    pub operator_id: Option<StaffId>,
    pub number: PhoneNumber,
    pub line: LineKind,
    pub name: Option<String>,
    pub mode: TransferMode,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub result: Option<TransferResult>,
    pub price_cents: Option<i64>,
}

/// A billable transfer: a caller put through, priced as the price list said at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageEvent {
    pub call_id: CallId,
    pub client_id: ClientId,
    pub number: PhoneNumber,
    pub line: LineKind,
    /// Euro cents, excluding VAT.
    pub price_cents: i64,
    pub at: DateTime<Utc>,
}

/// A call as recorded, with its offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallRecord {
    #[serde(flatten)]
    pub call: NewCall,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The operator who answered (who was rung is in `offers`).
    pub operator_id: Option<StaffId>,
    pub ended_by: Option<Party>,
    pub outcome: Option<CallOutcome>,
    /// Milliseconds from arrival to answer, or to the end for an unanswered call.
    pub wait_ms: Option<i64>,
    /// Times the call was put on hold while talking.
    pub holds: i64,
    /// Milliseconds it spent on hold, all holds together (up to now for a call held now).
    pub held_ms: i64,
    pub offers: Vec<Offer>,
    /// Its outbound legs, in order.
    #[serde(default)]
    pub transfers: Vec<Transfer>,
}

/// Calls counted over a period, bureau-wide (for the supervisors' wallboard).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallStats {
    /// Calls that arrived (in progress ones included).
    pub offered: i64,
    pub answered: i64,
    /// Callers who hung up before an answer, in the queue or while it rang.
    pub abandoned: i64,
    /// Answered calls whose wait was within the target.
    pub answered_within_target: i64,
    /// Sum of the waits of answered calls, ms.
    pub answered_wait_ms: i64,
}
