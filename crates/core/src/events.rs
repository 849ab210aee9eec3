//! Live events: what happened to calls and operators, for consoles and wallboards.
//!
//! Published by telephony on an in-process bus (carried between nodes later) and served as
//! Server-Sent Events. An operator sees the queue and the calls offered to them; a
//! supervisor sees everything ([`Event::audience`]).

use crate::acd::OperatorState;
use crate::calls::{CallOutcome, CallerId, Party};
use crate::notes::NoteSummary;
use crate::{CallId, ClientId, Contact, Employee, InstructionSet, PhoneNumber, StaffId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// One live event; serialised with `"type": "call.queued"` etc.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "call.queued")]
    CallQueued(CallQueued),
    #[serde(rename = "call.offered")]
    CallOffered(Box<CallOffered>),
    #[serde(rename = "call.caller_history")]
    CallerHistory(CallerHistory),
    #[serde(rename = "call.answered")]
    CallAnswered(CallAnswered),
    #[serde(rename = "call.held")]
    CallHeld(CallHold),
    #[serde(rename = "call.resumed")]
    CallResumed(CallHold),
    #[serde(rename = "call.transfer")]
    CallTransfer(CallTransfer),
    #[serde(rename = "call.ended")]
    CallEnded(CallEnded),
    #[serde(rename = "operator.state")]
    OperatorState(OperatorStateChanged),
    #[serde(rename = "client.signed_up")]
    ClientSignedUp(ClientSignedUp),
}

/// Who besides supervisors may see an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Every member of staff.
    Everyone,
    /// The one operator it concerns.
    Operator(StaffId),
    /// Nobody else: supervisors (and admins) only.
    Supervisors,
}

impl Event {
    /// The event's name, as used for SSE `event:` lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CallQueued(_) => "call.queued",
            Self::CallOffered(_) => "call.offered",
            Self::CallerHistory(_) => "call.caller_history",
            Self::CallAnswered(_) => "call.answered",
            Self::CallHeld(_) => "call.held",
            Self::CallResumed(_) => "call.resumed",
            Self::CallTransfer(_) => "call.transfer",
            Self::CallEnded(_) => "call.ended",
            Self::OperatorState(_) => "operator.state",
            Self::ClientSignedUp(_) => "client.signed_up",
        }
    }

    /// Who besides supervisors may see it. A screen pop carries a client's data and goes only
    /// to the operator it is offered to; a sign-up is the bureau's business.
    pub fn audience(&self) -> Audience {
        match self {
            Self::CallOffered(offer) => Audience::Operator(offer.operator_id),
            Self::CallerHistory(history) => Audience::Operator(history.operator_id),
            Self::CallTransfer(transfer) => Audience::Operator(transfer.operator_id),
            Self::ClientSignedUp(_) => Audience::Supervisors,
            _ => Audience::Everyone,
        }
    }
}

/// A call entered the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallQueued {
    pub call_id: CallId,
    pub client_id: ClientId,
    pub client_name: String,
    pub caller: CallerId,
    pub at: DateTime<Utc>,
    /// Calls waiting now, this one included.
    pub queue_length: usize,
}

/// Whether the instructions shown are the standard or a temporary set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstructionsKind {
    Standard,
    Temporary,
}

/// Everything the operator's screen shows when the phone rings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScreenPop {
    pub client_id: ClientId,
    pub client_name: String,
    /// What to say: the set's greeting override, else the client's greeting.
    pub greeting: String,
    pub instructions_kind: InstructionsKind,
    pub instructions: InstructionSet,
    /// The forwarding number dialled and its label ("Sales line").
    pub dialled: PhoneNumber,
    pub dialled_label: Option<String>,
    /// The client's own number the caller dialled, when the carrier said.
    pub original: Option<String>,
    pub caller: CallerId,
    /// The known caller matching the number, if any.
    pub contact: Option<Contact>,
    pub employees: Vec<Employee>,
    /// The employees whose shared agenda says they are busy now, until when.
    pub busy: Vec<crate::agenda::BusyNow>,
    /// Where the operator may put the caller through, in order: the reachable employees'
    /// numbers, then the emergency procedure's ([`crate::transfer::listed`], as the rules
    /// let an operator call them).
    pub destinations: Vec<crate::transfer::Destination>,
}

/// A call rings at an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallOffered {
    pub call_id: CallId,
    pub operator_id: StaffId,
    pub at: DateTime<Utc>,
    pub pop: ScreenPop,
}

/// The earlier notes of the caller of a call offered to an operator, sent after the pop
/// (they come from the database, which the pop never waits for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallerHistory {
    pub call_id: CallId,
    pub operator_id: StaffId,
    /// The caller's latest notes for this client, newest first.
    pub last_notes: Vec<NoteSummary>,
}

/// An operator answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallAnswered {
    pub call_id: CallId,
    pub client_id: ClientId,
    pub operator_id: StaffId,
    pub at: DateTime<Utc>,
    pub wait_ms: i64,
}

/// A talking call was put on hold (`call.held`: the other side hears the hold music) or
/// taken off it (`call.resumed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallHold {
    pub call_id: CallId,
    pub client_id: ClientId,
    /// Whose side holds (or held): the caller's or the operator's phone.
    pub by: Party,
    pub at: DateTime<Utc>,
}

/// A transfer's progress (`call.transfer`), for the operator who put the caller through
/// (and supervisors): the destination rings — or, consulted, talks with her — (`result`
/// none); the caller was put through (`connected`: she is free); or not (a blind transfer not
/// reached rings her phone again; a ruggespraak ended gives her the caller back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallTransfer {
    pub call_id: CallId,
    pub client_id: ClientId,
    pub operator_id: StaffId,
    pub to: crate::transfer::Destination,
    pub mode: crate::transfer::TransferMode,
    /// The consulted destination answered: the operator talks with it now (the ruggespraak).
    pub consulting: bool,
    pub result: Option<crate::calls::TransferResult>,
    pub at: DateTime<Utc>,
}

/// A call is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallEnded {
    pub call_id: CallId,
    pub client_id: ClientId,
    pub at: DateTime<Utc>,
    pub outcome: CallOutcome,
    pub ended_by: Party,
    pub wait_ms: i64,
    pub queue_length: usize,
}

/// A business signed up on the public form: active with its number, or waiting for one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClientSignedUp {
    pub signup_id: crate::SignupId,
    pub company: String,
    /// The client it became; none while it waits for a number.
    pub client_id: Option<ClientId>,
    pub number: Option<PhoneNumber>,
    pub at: DateTime<Utc>,
}

/// An operator's state or phone registration changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OperatorStateChanged {
    pub operator_id: StaffId,
    pub state: OperatorState,
    pub registered: bool,
    pub at: DateTime<Utc>,
}
