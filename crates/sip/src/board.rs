//! The switchboard: the queue and operators' states ([`Acd`]) behind a lock, the waiting
//! calls' command channels, and the live events that every change publishes.

use centrale_core::acd::{Acd, Missed, OperatorState};
use centrale_core::events::{Event, OperatorStateChanged};
use centrale_core::ports::EventSink;
use centrale_core::{CallId, Error, StaffId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// What the switchboard tells a waiting call.
#[derive(Debug)]
pub enum CallCommand {
    /// Ring this operator now.
    Offer(StaffId),
    /// An operator's order, from the web, to put the caller through.
    Transfer(crate::call::TransferOrder),
    /// An operator's order on her ruggespraak.
    Consult(crate::call::ConsultOrder),
    /// An operator's order to hold her caller from the console, or resume.
    Hold(crate::call::HoldOrder),
}

impl CallCommand {
    /// Refuses an order its call cannot carry out in its state (`error` for a transfer; a
    /// ruggespraak's or a hold's own reason for those); the board's offers come only while a
    /// call waits.
    pub(crate) fn refuse(self, error: centrale_core::transfer::TransferError) {
        use centrale_core::transfer::TransferError;
        match self {
            CallCommand::Transfer(order) => order.refuse(error),
            CallCommand::Consult(order) => {
                let _ = order.reply.send(Err(TransferError::NotConsulting));
            }
            CallCommand::Hold(order) => {
                let _ = order.reply.send(Err(TransferError::NotTalking));
            }
            CallCommand::Offer(operator) => {
                tracing::warn!(%operator, "an offer for a call not waiting");
            }
        }
    }
}

struct Waiting {
    commands: UnboundedSender<CallCommand>,
    arrived: DateTime<Utc>,
}

struct Inner {
    acd: Acd,
    waiting: HashMap<CallId, Waiting>,
    /// When a timer will dispatch again because a refusal's back-off ends.
    retry_at: Option<Instant>,
}

/// The bureau-wide queue and its operators.
pub struct Board {
    inner: Mutex<Inner>,
    events: Arc<dyn EventSink>,
    wrap_up: Duration,
    myself: Weak<Board>,
}

impl Board {
    pub fn new(events: Arc<dyn EventSink>, wrap_up: Duration) -> Arc<Self> {
        Arc::new_cyclic(|myself| Self {
            inner: Mutex::new(Inner {
                acd: Acd::default(),
                waiting: HashMap::new(),
                retry_at: None,
            }),
            events,
            wrap_up,
            myself: myself.clone(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The operator did not answer the recall of a call whose transfer failed: she is paused
    /// (as after any ring nobody answered) and the call waits first in line for the next.
    pub fn recall_missed(
        &self,
        call: CallId,
        operator: StaffId,
        arrived: DateTime<Utc>,
        commands: UnboundedSender<CallCommand>,
    ) {
        {
            let mut inner = self.lock();
            inner
                .acd
                .set_state(operator, OperatorState::Pause, Instant::now());
            inner.acd.enqueue_first(call);
            inner.waiting.insert(call, Waiting { commands, arrived });
        }
        self.publish_state(operator);
        self.dispatch();
    }

    /// A call joins the queue; returns the queue length.
    pub fn enqueue(
        &self,
        call: CallId,
        arrived: DateTime<Utc>,
        commands: UnboundedSender<CallCommand>,
    ) -> usize {
        let length = {
            let mut inner = self.lock();
            inner.acd.enqueue(call);
            inner.waiting.insert(call, Waiting { commands, arrived });
            inner.acd.len()
        };
        self.dispatch();
        length
    }

    /// Number of calls waiting.
    pub fn queue_length(&self) -> usize {
        self.lock().acd.len()
    }

    /// Makes every offer that can be made now, and sets a timer for when a refused call may
    /// go back to the phone that refused it.
    fn dispatch(&self) {
        let mut changed = Vec::new();
        {
            let mut inner = self.lock();
            let now = Instant::now();
            while let Some((call, operator)) = inner.acd.next_offer(now) {
                let delivered = inner
                    .waiting
                    .get(&call)
                    .is_some_and(|w| w.commands.send(CallCommand::Offer(operator)).is_ok());
                if delivered {
                    changed.push(operator);
                } else {
                    // The call's task is gone: take it out so the operator is free again.
                    inner.acd.remove(call, Instant::now());
                    inner.waiting.remove(&call);
                }
            }
            if let Some(retry) = inner.acd.next_retry(now)
                && inner.retry_at.is_none_or(|armed| retry < armed)
            {
                inner.retry_at = Some(retry);
                self.dispatch_at(retry);
            }
        }
        for operator in changed {
            self.publish_state(operator);
        }
    }

    /// Dispatches again at `at`.
    fn dispatch_at(&self, at: Instant) {
        let board = self.myself.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(board) = board.upgrade() {
                {
                    let mut inner = board.lock();
                    if inner.retry_at == Some(at) {
                        inner.retry_at = None;
                    }
                }
                board.dispatch();
            }
        });
    }

    /// The offer failed; the call waits again (see [`Missed`]).
    pub fn offer_failed(&self, call: CallId, operator: StaffId, missed: Missed) {
        self.lock()
            .acd
            .offer_failed(call, operator, missed, Instant::now());
        self.publish_state(operator);
        self.dispatch();
    }

    /// The operator answered the call.
    pub fn answered(&self, call: CallId, operator: StaffId) {
        {
            let mut inner = self.lock();
            inner.acd.answered(call, operator);
            inner.waiting.remove(&call);
        }
        self.publish_state(operator);
    }

    /// The call left without an answer; returns the operator it was ringing at.
    pub fn abandoned(&self, call: CallId) -> Option<StaffId> {
        let operator = {
            let mut inner = self.lock();
            inner.waiting.remove(&call);
            inner.acd.remove(call, Instant::now())
        };
        if let Some(operator) = operator {
            self.publish_state(operator);
        }
        self.dispatch();
        operator
    }

    /// The operator's call ended: wrap-up, then available again unless they chose otherwise.
    pub fn call_finished(&self, operator: StaffId) {
        self.lock()
            .acd
            .set_state(operator, OperatorState::WrapUp, Instant::now());
        self.publish_state(operator);
        let board = self.myself.clone();
        let wrap_up = self.wrap_up;
        tokio::spawn(async move {
            tokio::time::sleep(wrap_up).await;
            if let Some(board) = board.upgrade() {
                board.end_wrap_up(operator);
            }
        });
    }

    fn end_wrap_up(&self, operator: StaffId) {
        let ended = {
            let mut inner = self.lock();
            let in_wrap_up = inner.acd.state(operator) == OperatorState::WrapUp;
            if in_wrap_up {
                inner
                    .acd
                    .set_state(operator, OperatorState::Available, Instant::now());
            }
            in_wrap_up
        };
        if ended {
            self.publish_state(operator);
            self.dispatch();
        }
    }

    /// The operator's phone registered or went away.
    pub fn set_registered(&self, operator: StaffId, registered: bool) {
        self.lock()
            .acd
            .set_registered(operator, registered, Instant::now());
        self.publish_state(operator);
        self.dispatch();
    }

    fn publish_state(&self, operator: StaffId) {
        let (state, registered) = self.operator_status(operator);
        self.events
            .publish(Event::OperatorState(OperatorStateChanged {
                operator_id: operator,
                state,
                registered,
                at: Utc::now(),
            }));
    }
}

/// What the web's [`Switchboard`] asks of the board ([`crate::Telephony`] implements the port:
/// it also holds the registrations).
///
/// [`Switchboard`]: centrale_core::ports::Switchboard
impl Board {
    pub(crate) fn set_operator_state(
        &self,
        operator: StaffId,
        state: OperatorState,
    ) -> centrale_core::Result<()> {
        if matches!(state, OperatorState::OnCall | OperatorState::WrapUp) {
            return Err(Error::invalid(
                "state",
                "choose available, pause or offline",
            ));
        }
        {
            let mut inner = self.lock();
            if inner.acd.state(operator) == OperatorState::OnCall {
                return Err(Error::conflict(
                    "state",
                    "you are on a call; change your state when it has ended",
                ));
            }
            inner.acd.set_state(operator, state, Instant::now());
        }
        self.publish_state(operator);
        self.dispatch();
        Ok(())
    }

    pub(crate) fn operator_status(&self, operator: StaffId) -> (OperatorState, bool) {
        let inner = self.lock();
        (inner.acd.state(operator), inner.acd.is_registered(operator))
    }

    pub(crate) fn queue(&self) -> Vec<(CallId, DateTime<Utc>)> {
        let inner = self.lock();
        inner
            .acd
            .waiting()
            .filter_map(|call| inner.waiting.get(&call).map(|w| (call, w.arrived)))
            .collect()
    }
}
