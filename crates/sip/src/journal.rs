//! The call journal: every step of every call goes through [`CallJournal::record`], which
//! publishes the step's event, counts it in the metrics and appends its record to an ordered
//! in-memory log — all three derived from the same [`Step`], so they cannot disagree. A writer
//! task ([`write_behind`]) drains the log into the database in batches, one transaction each,
//! in order; the call itself never waits for SQL.
//!
//! When the database is slow or down the log grows and is written when it answers again;
//! [`CallJournal::is_full`] past the configured bound makes admission refuse new calls (503)
//! so a node without its database stays up. What the log holds when the process dies is lost:
//! at most the bound's worth of steps.

use crate::metrics::SipMetrics;
use centrale_core::calls::{
    CallFact, CallOutcome, NewCall, NewTransfer, OfferResult, Party, TransferResult,
};
use centrale_core::events::{
    CallAnswered, CallEnded, CallHold, CallOffered, CallQueued, CallTransfer, CallerHistory, Event,
    ScreenPop,
};
use centrale_core::ports::{EventSink, Store};
use centrale_core::transfer::{Destination, TransferMode};
use centrale_core::{CallId, ClientId, Error, StaffId};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// At most this many steps go into one transaction.
const BATCH: usize = 256;
/// The writer's pause after a failed write, doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// One step of a call, with what its event needs besides the record.
pub(crate) enum Step {
    /// Arrived and queued.
    Queued {
        call: NewCall,
        client_name: String,
        queue_length: usize,
    },
    /// Rings at an operator; the pop goes to her console.
    Offered {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
        pop: Option<Box<ScreenPop>>,
    },
    /// That offer ended.
    OfferEnded {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
        result: OfferResult,
    },
    /// The operator answered after the caller waited `wait_ms`.
    Answered {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
        wait_ms: i64,
    },
    /// A talking call was put on hold by `by`'s side, or taken off it.
    Hold {
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        held: bool,
        by: Party,
    },
    /// The operator put the caller through to `to` (`result` none), or that leg ended.
    Transfer {
        client: ClientId,
        call: CallId,
        operator: StaffId,
        to: Destination,
        mode: TransferMode,
        at: DateTime<Utc>,
        result: Option<TransferResult>,
    },
    /// Over.
    Ended {
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        outcome: CallOutcome,
        ended_by: Party,
        wait_ms: i64,
        queue_length: usize,
        rtp_packets: u64,
    },
}

/// The ordered log of steps not yet written, with their sequence numbers.
#[derive(Default)]
struct Log {
    pending: VecDeque<(u64, CallFact)>,
    /// The sequence number the next step gets.
    next: u64,
    /// The last pending step of each call, so a note can wait for its call's record.
    last_of_call: HashMap<CallId, u64>,
}

/// See the module documentation.
pub struct CallJournal {
    log: Mutex<Log>,
    /// Wakes the writer.
    work: Notify,
    /// Every step with a sequence number below this is written.
    written: watch::Sender<u64>,
    bound: usize,
    events: Arc<dyn EventSink>,
    metrics: Arc<SipMetrics>,
}

impl CallJournal {
    /// A journal that holds up to `bound` unwritten steps before admission refuses calls.
    pub fn new(bound: usize, events: Arc<dyn EventSink>, metrics: Arc<SipMetrics>) -> Arc<Self> {
        Arc::new(Self {
            log: Mutex::default(),
            work: Notify::new(),
            written: watch::Sender::new(0),
            bound,
            events,
            metrics,
        })
    }

    /// Records a step: its event is published and its metrics counted now, its record is
    /// written soon.
    pub(crate) fn record(&self, step: Step) {
        let (fact, event) = self.derive(step);
        {
            let mut log = self.log();
            let seq = log.next;
            log.next += 1;
            log.last_of_call.insert(fact.call(), seq);
            log.pending.push_back((seq, fact));
            self.metrics.set_journal_backlog(log.pending.len());
        }
        self.work.notify_one();
        if let Some(event) = event {
            self.events.publish(event);
        }
    }

    /// Publishes what follows a step without being one: the caller's earlier notes.
    pub(crate) fn caller_history(&self, history: CallerHistory) {
        self.events.publish(Event::CallerHistory(history));
    }

    /// Publishes what follows a step without being one: a consulted destination answered
    /// (`consulting`, no result yet).
    pub(crate) fn consulting(&self, transfer: CallTransfer) {
        self.events.publish(Event::CallTransfer(transfer));
    }

    /// The record and event of a step; counts it.
    fn derive(&self, step: Step) -> (CallFact, Option<Event>) {
        match step {
            Step::Queued {
                call,
                client_name,
                queue_length,
            } => {
                self.metrics.call_started();
                self.metrics.set_queue_length(queue_length);
                let event = Event::CallQueued(CallQueued {
                    call_id: call.id,
                    client_id: call.client_id,
                    client_name,
                    caller: call.caller.clone(),
                    at: call.arrived_at,
                    queue_length,
                });
                (CallFact::Arrived(call), Some(event))
            }
            Step::Offered {
                client,
                call,
                operator,
                at,
                pop,
            } => {
                let fact = CallFact::Offered {
                    client,
                    call,
                    operator,
                    at,
                };
                // Without a pop (the client has no instructions) the console learns nothing.
                let offered = pop.map(|pop| {
                    Event::CallOffered(Box::new(CallOffered {
                        call_id: call,
                        operator_id: operator,
                        at,
                        pop: *pop,
                    }))
                });
                (fact, offered)
            }
            Step::OfferEnded {
                client,
                call,
                operator,
                at,
                result,
            } => {
                let fact = CallFact::OfferEnded {
                    client,
                    call,
                    operator,
                    at,
                    result,
                };
                (fact, None)
            }
            Step::Answered {
                client,
                call,
                operator,
                at,
                wait_ms,
            } => {
                let event = Event::CallAnswered(CallAnswered {
                    call_id: call,
                    client_id: client,
                    operator_id: operator,
                    at,
                    wait_ms,
                });
                let fact = CallFact::Answered {
                    client,
                    call,
                    operator,
                    at,
                };
                (fact, Some(event))
            }
            Step::Hold {
                client,
                call,
                at,
                held,
                by,
            } => {
                let hold = CallHold {
                    call_id: call,
                    client_id: client,
                    by,
                    at,
                };
                let event = if held {
                    Event::CallHeld(hold)
                } else {
                    Event::CallResumed(hold)
                };
                let fact = CallFact::Hold {
                    client,
                    call,
                    at,
                    held,
                };
                (fact, Some(event))
            }
            Step::Transfer {
                client,
                call,
                operator,
                to,
                mode,
                at,
                result,
            } => {
                let fact = match result {
                    None => CallFact::TransferStarted {
                        client,
                        call,
                        transfer: NewTransfer {
                            operator,
                            to: to.clone(),
                            mode,
                            at,
                        },
                    },
                    Some(result) => CallFact::TransferEnded {
                        client,
                        call,
                        at,
                        result,
                    },
                };
                let event = Event::CallTransfer(CallTransfer {
                    call_id: call,
                    client_id: client,
                    operator_id: operator,
                    to,
                    mode,
                    consulting: false,
                    result,
                    at,
                });
                (fact, Some(event))
            }
            Step::Ended {
                client,
                call,
                at,
                outcome,
                ended_by,
                wait_ms,
                queue_length,
                rtp_packets,
            } => {
                self.metrics.set_queue_length(queue_length);
                self.metrics.call_ended(outcome, wait_ms, rtp_packets);
                let event = Event::CallEnded(CallEnded {
                    call_id: call,
                    client_id: client,
                    at,
                    outcome,
                    ended_by,
                    wait_ms,
                    queue_length,
                });
                let fact = CallFact::Ended {
                    client,
                    call,
                    at,
                    ended_by,
                    outcome,
                };
                (fact, Some(event))
            }
        }
    }

    /// Whether the log holds as many unwritten steps as it may: new calls are refused.
    pub fn is_full(&self) -> bool {
        self.log().pending.len() >= self.bound
    }

    /// Steps not yet written.
    pub fn backlog(&self) -> usize {
        self.log().pending.len()
    }

    /// Resolves once every step of `call` recorded so far is written (at once when none is
    /// pending), or after `patience`: false then.
    pub async fn written(&self, call: CallId, patience: Duration) -> bool {
        let Some(seq) = self.log().last_of_call.get(&call).copied() else {
            return true;
        };
        let mut written = self.written.subscribe();
        tokio::time::timeout(patience, written.wait_for(|&w| w > seq))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The first steps waiting, oldest first, at most `BATCH`.
    fn next_batch(&self) -> Vec<CallFact> {
        let log = self.log();
        log.pending
            .iter()
            .take(BATCH)
            .map(|(_, fact)| fact.clone())
            .collect()
    }

    /// The first `count` steps are written (or given up on).
    fn done(&self, count: usize) {
        let mut log = self.log();
        let mut through = None;
        for _ in 0..count {
            let Some((seq, fact)) = log.pending.pop_front() else {
                break;
            };
            if log.last_of_call.get(&fact.call()) == Some(&seq) {
                log.last_of_call.remove(&fact.call());
            }
            through = Some(seq);
        }
        self.metrics.set_journal_backlog(log.pending.len());
        drop(log);
        if let Some(seq) = through {
            self.written.send_replace(seq + 1);
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock leaves the log as it was between two steps.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Drains the journal into the store until the process ends: a batch per transaction; when
/// the database is down, waits and tries again; a step the database refuses for good (its call
/// is unknown, say) is logged and dropped so it cannot block the steps behind it.
pub async fn write_behind(journal: Arc<CallJournal>, store: Arc<dyn Store>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let batch = journal.next_batch();
        if batch.is_empty() {
            journal.work.notified().await;
            continue;
        }
        match store.record_facts(&batch).await {
            Ok(()) => {
                journal.done(batch.len());
                backoff = MIN_BACKOFF;
            }
            Err(Error::Storage(e)) => {
                tracing::warn!(error = %e, backlog = journal.backlog(), "call records wait: the database does not answer");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(_) => {
                // One step is refused: write them one by one to find it.
                for fact in &batch {
                    match store.record_facts(std::slice::from_ref(fact)).await {
                        Err(Error::Storage(_)) => break,
                        Err(e) => {
                            tracing::error!(error = %e, call = %fact.call(), "call record refused: dropped");
                            journal.done(1);
                        }
                        Ok(()) => journal.done(1),
                    }
                }
            }
        }
    }
}
