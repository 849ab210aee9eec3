//! Outbound legs. One exists only as the result of an operator's order on her own live call
//! (`POST /api/v1/calls/{id}/transfer`, authenticated by the web): the order reaches the
//! call's task ([`super::live::LiveCalls`]), which checks it — her call, talking now, a
//! gateway configured, a destination the rules allow (`core::transfer`), a place under the
//! caps — before anything is sent. The place is held by the leg ([`OutboundLeg`]) until it
//! ends.

use super::CallContext;
use crate::board::CallCommand;
use crate::config::Outbound;
use centrale_core::call_state::CallState;
use centrale_core::events::ScreenPop;
use centrale_core::transfer::{self, Destination, Ledger, Refusal, TransferError, TransferRules};
use centrale_core::{Role, StaffId};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tokio::sync::oneshot;

/// An operator's order to put a call's caller through to `to` (as she typed or picked it).
#[derive(Debug)]
pub struct TransferOrder {
    pub to: String,
    pub by: StaffId,
    pub role: Role,
    pub reply: oneshot::Sender<Result<Destination, TransferError>>,
}

impl TransferOrder {
    /// Tells the web the order was refused.
    pub fn refuse(self, error: TransferError) {
        let _ = self.reply.send(Err(error));
    }

    /// Whether the web still waits for the answer: an order it gave up on is not carried out
    /// later (a call busy ringing reads it only when it talks again).
    pub fn stale(&self) -> bool {
        self.reply.is_closed()
    }
}

/// The gateway outbound legs go to, with its legs in progress and of the last hour.
pub(crate) struct Gateway {
    pub config: Outbound,
    ledger: Mutex<Ledger>,
}

impl Gateway {
    pub fn new(config: Outbound) -> Arc<Self> {
        Arc::new(Self {
            config,
            ledger: Mutex::default(),
        })
    }

    /// A place for one leg of `operator`, or `TooMany`.
    fn permit(self: &Arc<Self>, operator: StaffId) -> Result<Permit, Refusal> {
        self.ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .start(operator, self.config.caps, Instant::now())?;
        Ok(Permit {
            gateway: self.clone(),
            operator,
        })
    }
}

/// One leg's place under the caps, given back when dropped.
struct Permit {
    gateway: Arc<Gateway>,
    operator: StaffId,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gateway
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ended(self.operator);
    }
}

/// A transfer under way (ringing or connected): where to, and its place under the caps.
pub(crate) struct OutboundLeg {
    pub to: Destination,
    _permit: Permit,
}

/// Carries out what a talking call is told: an order it may carry out becomes its outbound
/// leg (the web is told where to); any other is refused; the board's offers mean nothing now.
pub(crate) fn take(
    command: CallCommand,
    state: CallState,
    context: &CallContext,
    pop: Option<&ScreenPop>,
    rules: TransferRules,
) -> Option<OutboundLeg> {
    let CallCommand::Transfer(order) = command else {
        return None;
    };
    if order.stale() {
        return None;
    }
    match check(&order, state, context, pop, rules) {
        Ok(leg) => {
            let accepted = order.reply.send(Ok(leg.to.clone())).is_ok();
            // The web gave up on the answer meanwhile: nothing is sent.
            accepted.then_some(leg)
        }
        Err(error) => {
            order.refuse(error);
            None
        }
    }
}

/// Checks `order` against the call (in `state`, showing `pop`, for a client with `rules`)
/// and, when it may go ahead, takes its place under the caps.
fn check(
    order: &TransferOrder,
    state: CallState,
    context: &CallContext,
    pop: Option<&ScreenPop>,
    rules: TransferRules,
) -> Result<OutboundLeg, TransferError> {
    let CallState::Talking(operator) = state else {
        return Err(TransferError::NotTalking);
    };
    if order.by != operator {
        return Err(TransferError::NotYours);
    }
    let Some(gateway) = &context.gateway else {
        return Err(TransferError::NoGateway);
    };
    // Without a pop (damaged instructions) the call lists nobody to put through to.
    let pop = pop.ok_or(Refusal::NotListed)?;
    let to = transfer::destination(&order.to, pop, rules, order.role)?;
    let permit = gateway.permit(operator)?;
    Ok(OutboundLeg {
        to,
        _permit: permit,
    })
}
