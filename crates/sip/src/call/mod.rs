//! One inbound call, top to bottom, as the states of [`CallState`] (`core::call_state`):
//! admitted ([`admission`]) → queued with early media ([`queued`]) → ringing an operator
//! ([`ringing`]) → talking ([`talking`]) → ended ([`ended`]); from talking, the operator may
//! put the caller through ([`outbound`] checks her order, [`transferring`] rings the
//! destination; answered, the caller talks with it; not reached, her phone rings again). Each state's file does what
//! the state needs and says which [`Move`] ended it; [`Call::go`] alone changes the state,
//! and records the step in the journal.
//!
//! Each call is one task that owns its caller leg, its media and at most one operator leg.
//! It holds only a [`CallContext`], never the telephony or the store.

mod admission;
mod caps;
mod consulting;
pub(crate) mod context;
mod early;
mod ended;
mod in_dialog;
mod live;
mod outbound;
mod queued;
mod refer;
pub(crate) mod reliable;
mod ringing;
mod screen_pop;
mod talking;
mod transferring;

pub(crate) use admission::admit;
pub(crate) use caps::Caps;
pub(crate) use context::CallContext;
pub(crate) use early::EarlyDialogs;
pub(crate) use live::LiveCalls;
pub(crate) use outbound::{ConsultOrder, Gateway, HoldOrder, TransferOrder, TransferRequest};

use crate::board::CallCommand;
use crate::journal::Step;
use crate::media::Side;
use crate::session_timer::SessionClock;
pub(crate) use admission::Admitted;
use centrale_core::acd::Missed;
use centrale_core::call_state::{CallState, Move};
use centrale_core::calls::{CallOutcome, NewCall, OfferResult, Party, TransferResult};
use centrale_core::events::ScreenPop;
use centrale_core::{CallId, StaffId};
use chrono::{DateTime, Utc};
use rsipstack::dialog::dialog::DialogStateReceiver;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::StatusCode;
use rsipstack::transaction::transaction::Transaction;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// A call in progress: its legs, media and state.
pub(crate) struct Call {
    id: CallId,
    context: Arc<CallContext>,
    admitted: Admitted,
    arrived: DateTime<Utc>,
    state: CallState,
    caller: InviteDialog,
    caller_states: DialogStateReceiver,
    /// Offers from the board, orders from the web.
    commands: UnboundedReceiver<CallCommand>,
    /// Where they come in, for queueing the call again.
    commands_in: UnboundedSender<CallCommand>,
    /// The far leg and its states: the operator's phone once she answered, or the
    /// destination the caller is put through to.
    far_leg: Option<(InviteDialog, DialogStateReceiver)>,
    /// Where the far leg's media is: the operator side, or the consult side once a
    /// ruggespraak was completed.
    far_side: Side,
    /// The consulted destination's leg, when the caller left during the ruggespraak.
    consult_leg: Option<(InviteDialog, DialogStateReceiver)>,
    /// Who answered, and when.
    answered: Option<(StaffId, DateTime<Utc>)>,
    /// What each operator it is offered to sees, as at its arrival.
    pop: Option<Box<ScreenPop>>,
    /// The session timer the far leg set in its 200, if any (RFC 4028).
    far_clock: Option<SessionClock>,
    /// The caller's session timer, from our 200 on.
    caller_clock: Option<SessionClock>,
    /// Whether our 200 went to the caller.
    caller_accepted: bool,
    /// A late offer's answer is still to come in the ACK of our 200.
    awaiting_caller_answer: bool,
    /// The transfer under way or connected.
    transfer: Option<outbound::OutboundLeg>,
    /// The operator was freed by a connected transfer (her wrap-up began then).
    operator_freed: bool,
    /// Our reliable 183 (RFC 3262), whose PRACK must come before our 200.
    prack: Option<reliable::Awaited>,
}

/// Runs an admitted INVITE as a call until it ends. `arrived` is when the INVITE reached us.
pub(crate) async fn run(
    context: Arc<CallContext>,
    mut tx: Transaction,
    admitted: Admitted,
    arrived: DateTime<Utc>,
) {
    let (states, caller_states) = context.dialogs.new_dialog_state_channel();
    let caller = match context.dialogs.get_or_create_server_invite(
        &tx,
        states.clone(),
        None,
        Some(context.contact()),
    ) {
        Ok(dialog) => dialog,
        Err(e) => {
            tracing::warn!(error = %e, "cannot create the caller's dialog");
            let status = StatusCode::ServerInternalError;
            crate::reply::reply_with(&context.metrics, &mut tx, status, vec![]).await;
            return;
        }
    };
    context.early.open(caller.id().call_id.clone(), states);
    let mut transaction_owner = caller.clone();
    tokio::spawn(async move {
        if let Err(e) = transaction_owner.handle(&mut tx).await {
            tracing::debug!(error = %e, "caller INVITE transaction ended with an error");
        }
    });
    let (commands, command_receiver) = tokio::sync::mpsc::unbounded_channel();
    let id = CallId::new();
    context.live.open(id, commands.clone());
    let mut call = Call {
        pop: screen_pop::pop(&admitted, arrived).map(Box::new),
        id,
        context,
        admitted,
        arrived,
        state: CallState::Arrived,
        caller,
        caller_states,
        commands: command_receiver,
        commands_in: commands.clone(),
        far_leg: None,
        far_side: Side::Operator,
        consult_leg: None,
        answered: None,
        far_clock: None,
        caller_clock: None,
        caller_accepted: false,
        awaiting_caller_answer: false,
        transfer: None,
        operator_freed: false,
        prack: None,
    };
    call.enter_queue(commands);
    while !matches!(call.state, CallState::Ended(_)) {
        let by = match call.state {
            CallState::Queued => queued::wait(&mut call).await,
            CallState::Ringing(operator) => ringing::ring(&mut call, operator).await,
            CallState::Talking(_) => talking::talk(&mut call).await,
            CallState::Transferring(_) => transferring::put_through(&mut call).await,
            CallState::Recalling(operator) => ringing::ring(&mut call, operator).await,
            CallState::PutThrough => talking::converse(&mut call, Party::Destination).await,
            CallState::Consulting(_) => consulting::consult(&mut call).await,
            CallState::ConsultOnly(_) => consulting::talk_on(&mut call).await,
            CallState::Arrived | CallState::Ended(_) => unreachable!("entered the queue"),
        };
        call.go(by);
    }
    ended::clean_up(call);
}

impl Call {
    /// Early media, in a 183 sent reliably when the caller asks (a late offer only hears
    /// ringing, unless it asks for reliability: then our 183 carries our offer), then the queue.
    fn enter_queue(&mut self, commands: tokio::sync::mpsc::UnboundedSender<CallCommand>) {
        let headers = vec![crate::headers::sdp_content_type()];
        let reliable = &self.context.reliable;
        let reliable_wanted = crate::extensions::named(&self.caller.initial_request(), "100rel");
        match &self.admitted.answer {
            Some(answer) => {
                self.prack = reliable.send_183(&self.caller, headers, answer.clone());
            }
            // RFC 3262 §5: without an offer in the INVITE, a reliable 183 carries ours and
            // the caller answers in its PRACK (then it hears the announcement).
            None if reliable_wanted => {
                let offer = self.admitted.media.offer_to_caller();
                self.prack = reliable.send_183(&self.caller, headers, offer);
            }
            None => {
                if self.caller.ringing(None, None).is_err() {
                    tracing::debug!(id = %self.id, "caller left before the call could be queued");
                }
            }
        }
        if self.admitted.answer.is_some() {
            self.admitted.media.start_announcement();
        }
        let queue_length = self.context.board.enqueue(self.id, self.arrived, commands);
        self.go(Move::Queue { queue_length });
    }

    /// Who ended the caller's leg before the answer: the caller, unless Centrale refused the
    /// INVITE (a reliable 183 never PRACKed).
    fn caller_leg_ended_by(&self) -> Party {
        match &self.prack {
            Some(prack) if prack.given_up() => Party::System,
            _ => Party::Caller,
        }
    }

    /// The far leg answered our INVITE: it is the call's from now on, its early states
    /// drained so the next phase sees only what follows, with the session timer its 200 set.
    fn far_leg_answered(
        &mut self,
        leg: InviteDialog,
        mut states: DialogStateReceiver,
        response: &rsipstack::sip::Response,
    ) {
        while states.try_recv().is_ok() {}
        self.far_leg = Some((leg, states));
        self.far_clock = crate::session_timer::granted(response);
    }

    /// Takes the call from its state by `by`, records the step and tells the board (in that
    /// order, so an operator's offers never overlap in the records); a move its state does
    /// not allow is a fault of ours: the call ends as failed rather than go on in a wrong state.
    fn go(&mut self, by: Move) {
        let from = self.state;
        let (by, to) = match from.after(by) {
            Ok(to) => (by, to),
            Err(refused) => {
                tracing::error!(id = %self.id, %refused, "ending the call");
                let by = Move::End(Party::System);
                (
                    by,
                    from.after(by)
                        .unwrap_or(CallState::Ended(CallOutcome::Failed)),
                )
            }
        };
        self.state = to;
        let (journal, board) = (&self.context.journal, &self.context.board);
        let (client, call, at) = (self.admitted.card.client.id, self.id, Utc::now());
        let offer_ended = |operator, result| Step::OfferEnded {
            client,
            call,
            operator,
            at,
            result,
        };
        // A transfer's steps, from its leg (`outbound::take` starts one; it is kept until
        // the transfer's record ends).
        let record_transfer = |operator, leg: Option<&outbound::OutboundLeg>, result| {
            if let Some(leg) = leg {
                journal.record(Step::Transfer {
                    client,
                    call,
                    operator,
                    to: leg.to.clone(),
                    mode: leg.mode,
                    at,
                    result,
                });
            }
        };
        match (from, by, to) {
            (_, Move::Queue { queue_length }, _) => journal.record(Step::Queued {
                call: NewCall {
                    id: call,
                    client_id: client,
                    caller: self.admitted.caller.clone(),
                    dialled: self.admitted.number.draft.number.clone(),
                    original: self.admitted.original.clone(),
                    arrived_at: self.arrived,
                },
                client_name: self.admitted.card.client.draft.name.clone(),
                queue_length,
            }),
            (_, Move::Offer(operator), _) => {
                journal.record(Step::Offered {
                    client,
                    call,
                    operator,
                    at,
                    pop: self.pop.clone(),
                });
                screen_pop::send_history(&self.context, &self.admitted, call, operator);
            }
            (CallState::Talking(operator), Move::Transfer | Move::Consult, _) => {
                record_transfer(operator, self.transfer.as_ref(), None);
            }
            (
                CallState::Transferring(operator) | CallState::Consulting(operator),
                Move::Connect,
                _,
            ) => {
                let connected = Some(TransferResult::Connected);
                record_transfer(operator, self.transfer.as_ref(), connected);
                // Put through, the caller no longer needs her.
                board.call_finished(operator);
                self.operator_freed = true;
            }
            (
                CallState::Transferring(operator) | CallState::Consulting(operator),
                Move::NotReached(result) | Move::Return(result),
                _,
            ) => {
                record_transfer(operator, self.transfer.as_ref(), Some(result));
                self.transfer = None;
            }
            (CallState::Consulting(operator), Move::CallerLeft, _) => {
                let left = Some(TransferResult::CallerLeft);
                record_transfer(operator, self.transfer.as_ref(), left);
            }
            (CallState::Recalling(operator), Move::Missed(_), _) => {
                let commands = self.commands_in.clone();
                board.recall_missed(call, operator, self.arrived, commands);
            }
            (CallState::Ringing(operator), Move::Missed(result), _) => {
                journal.record(offer_ended(operator, result));
                // A phone that refused (busy, unreachable) is left alone for a while
                // (`core::acd`); one that rang out or cannot take the media pauses its
                // operator: her phone needs a look before she takes calls again.
                let missed = match result {
                    OfferResult::Timeout | OfferResult::Incompatible => Missed::NoAnswer,
                    _ => Missed::Refused,
                };
                board.offer_failed(call, operator, missed);
            }
            (CallState::Ringing(operator), Move::Answer, _) => {
                journal.record(offer_ended(operator, OfferResult::Answered));
                board.answered(call, operator);
                self.answered = Some((operator, at));
                journal.record(Step::Answered {
                    client,
                    call,
                    operator,
                    at,
                    wait_ms: waited_ms(self.arrived, at),
                });
            }
            (_, Move::End(ended_by), CallState::Ended(outcome)) => {
                if let CallState::Ringing(operator) = from {
                    journal.record(offer_ended(operator, OfferResult::Cancelled));
                }
                if let CallState::Transferring(operator) | CallState::Consulting(operator) = from {
                    let result = match ended_by {
                        Party::Caller => TransferResult::CallerLeft,
                        _ => TransferResult::Failed,
                    };
                    record_transfer(operator, self.transfer.as_ref(), Some(result));
                }
                if matches!(
                    from,
                    CallState::Arrived | CallState::Queued | CallState::Ringing(_)
                ) {
                    board.abandoned(call);
                }
                journal.record(Step::Ended {
                    client,
                    call,
                    at,
                    outcome,
                    ended_by,
                    // The caller waited until an operator answered, or until they gave up.
                    wait_ms: waited_ms(self.arrived, self.answered.map_or(at, |(_, at)| at)),
                    queue_length: board.queue_length(),
                    rtp_packets: self.admitted.media.stats().packets(),
                });
            }
            // Every allowed move is matched above.
            _ => {}
        }
    }
}

fn waited_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_milliseconds()
}
