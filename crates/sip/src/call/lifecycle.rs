//! The life of an admitted call: queue, rings, conversation, end — each step recorded, published
//! and counted by the call journal.

use super::admission::Admitted;
use super::ring::{Rung, ring};
use super::screen_pop;
use crate::board::CallCommand;
use crate::journal::Step;
use crate::media::MediaSession;
use crate::telephony::Telephony;
use centrale_core::acd::Missed;
use centrale_core::calls::{CallOutcome, NewCall, OfferResult, Party};
use centrale_core::{CallId, StaffId};
use chrono::{DateTime, Utc};
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::StatusCode;
use rsipstack::sip::headers::make_header;
use std::sync::Arc;

/// What ringing needs to know about the call.
pub struct CallContext<'a> {
    pub id: CallId,
    pub client_name: &'a str,
    pub caller_number: Option<&'a str>,
    pub media: &'a MediaSession,
    /// Whether the caller's silence ends the call before it is bridged (see [`watches_rtp`]).
    pub watch_rtp: bool,
}

/// How the waiting ended.
enum Waited {
    Answered(StaffId, InviteDialog, DialogStateReceiver),
    Abandoned {
        ringing: bool,
    },
    /// The caller sent no RTP for the silence timeout: a ghost (gone without a CANCEL or BYE,
    /// or never there), not a caller.
    Silent,
}

/// Whether a waiting call must prove it is alive by its RTP. Carriers send RTP all the time,
/// comfort noise included, once they have our answer; a caller that sends none for the silence
/// timeout is gone. Not so where it cannot or need not: a late offer has no address of ours to
/// send to before the 200, and a leg with comfort noise (`CN`) may suppress silence. Those
/// calls would prove liveness by session-timer refreshes (RFC 4028), a later issue; until then
/// the caps on trunk calls and queue length bound them.
fn watches_rtp(call: &Admitted) -> bool {
    call.answer.is_some() && !call.media.caller_suppresses_silence()
}

/// Runs the call to its end.
pub async fn run(
    telephony: Arc<Telephony>,
    mut call: Admitted,
    arrived: DateTime<Utc>,
    caller: InviteDialog,
    mut caller_states: DialogStateReceiver,
) {
    let id = CallId::new();
    let client_id = call.card.client.id;
    let journal = &telephony.journal;
    let pop = screen_pop::pop(&call, arrived).map(Box::new);

    // Early media while queued; a late offer only hears ringing.
    let sdp = || Some(vec![make_header("Content-Type", "application/sdp".into())]);
    let early = match &call.answer {
        Some(answer) => caller.ringing(sdp(), Some(answer.clone())),
        None => caller.ringing(None, None),
    };
    if early.is_err() {
        tracing::debug!(%id, "caller left before the call could be queued");
    }
    if call.answer.is_some() {
        call.media.start_announcement();
    }

    let (commands, mut command_receiver) = tokio::sync::mpsc::unbounded_channel();
    let queue_length = telephony.board.enqueue(id, arrived, commands);
    journal.record(Step::Queued {
        call: NewCall {
            id,
            client_id,
            caller: call.caller.clone(),
            dialled: call.number.draft.number.clone(),
            original: call.original.clone(),
            arrived_at: arrived,
        },
        client_name: call.card.client.draft.name.clone(),
        queue_length,
    });

    let caller_number = call.caller.number.as_ref().map(|n| n.as_str().to_owned());
    let context = CallContext {
        id,
        client_name: &call.card.client.draft.name,
        caller_number: caller_number.as_deref(),
        media: &call.media,
        watch_rtp: watches_rtp(&call),
    };
    let waited = loop {
        tokio::select! {
            state = caller_states.recv() => {
                if matches!(state, Some(DialogState::Terminated(..)) | None) {
                    break Waited::Abandoned { ringing: false };
                }
            }
            () = call.media.silent(), if context.watch_rtp => break Waited::Silent,
            command = command_receiver.recv() => {
                let Some(CallCommand::Offer(operator)) = command else { break Waited::Abandoned { ringing: false } };
                journal.record(Step::Offered { client: client_id, call: id, operator, at: Utc::now(), pop: pop.clone() });
                screen_pop::send_history(&telephony, &call, id, operator);
                let rung = ring(&telephony, &context, operator, &mut caller_states).await;
                let offer_ended = |result| journal.record(Step::OfferEnded { client: client_id, call: id, operator, at: Utc::now(), result });
                match rung {
                    Rung::Answered(leg, leg_states) => {
                        offer_ended(OfferResult::Answered);
                        break Waited::Answered(operator, leg, leg_states);
                    }
                    Rung::Missed(result) => {
                        offer_ended(result);
                        // A phone that refused (busy, unreachable) is left alone for a while
                        // (`core::acd`); one that rang out pauses its operator.
                        let missed = if result == OfferResult::Timeout { Missed::NoAnswer } else { Missed::Refused };
                        telephony.board.offer_failed(id, operator, missed);
                    }
                    Rung::CallerGone => {
                        offer_ended(OfferResult::Cancelled);
                        break Waited::Abandoned { ringing: true };
                    }
                    Rung::CallerSilent => {
                        offer_ended(OfferResult::Cancelled);
                        break Waited::Silent;
                    }
                }
            }
        }
    };

    let ended = match waited {
        Waited::Abandoned { ringing } => {
            telephony.board.abandoned(id);
            let outcome = if ringing {
                CallOutcome::AbandonedRinging
            } else {
                CallOutcome::AbandonedQueued
            };
            (outcome, Party::Caller, None, None)
        }
        Waited::Silent => {
            tracing::info!(%id, "no RTP from the waiting caller: ending the call");
            telephony.board.abandoned(id);
            hang_up_waiting(&caller);
            (CallOutcome::Failed, Party::System, None, None)
        }
        Waited::Answered(operator, leg, leg_states) => {
            // Talking, the call no longer counts against the queue's cap.
            call.queue_place = None;
            let (answered_at, party) = converse(
                &telephony,
                &call,
                id,
                arrived,
                operator,
                &caller,
                caller_states,
                &leg,
                leg_states,
            )
            .await;
            telephony.dialogs.remove_dialog(&leg.id());
            (
                CallOutcome::Answered,
                party,
                Some(operator),
                Some(answered_at),
            )
        }
    };
    let (outcome, ended_by, operator, answered_at) = ended;
    let at = Utc::now();
    call.media.close();
    telephony.dialogs.remove_dialog(&caller.id());
    journal.record(Step::Ended {
        client: client_id,
        call: id,
        at,
        outcome,
        ended_by,
        // The caller waited until an operator answered, or until they gave up.
        wait_ms: waited_ms(arrived, answered_at.unwrap_or(at)),
        queue_length: telephony.board.queue_length(),
        rtp_packets: call.media.stats().packets(),
    });
    if let Some(operator) = operator {
        telephony.board.call_finished(operator);
    }
}

/// The answered call: 200 to the caller, media bridged, until someone hangs up or the
/// media dies. Returns when it was answered and who ended it.
#[allow(clippy::too_many_arguments)] // one call's legs and states; grouping them adds nothing
async fn converse(
    telephony: &Telephony,
    call: &Admitted,
    id: CallId,
    arrived: DateTime<Utc>,
    operator: StaffId,
    caller: &InviteDialog,
    mut caller_states: DialogStateReceiver,
    leg: &InviteDialog,
    mut leg_states: DialogStateReceiver,
) -> (DateTime<Utc>, Party) {
    let answered_at = Utc::now();
    telephony.board.answered(id, operator);
    telephony.journal.record(Step::Answered {
        client: call.card.client.id,
        call: id,
        operator,
        at: answered_at,
        wait_ms: waited_ms(arrived, answered_at),
    });
    let body = call
        .answer
        .clone()
        .unwrap_or_else(|| call.media.offer_to_caller());
    if caller
        .accept(
            Some(vec![make_header("Content-Type", "application/sdp".into())]),
            Some(body),
        )
        .is_err()
    {
        hang_up(leg);
        return (answered_at, Party::Caller);
    }
    call.media.bridge();
    loop {
        tokio::select! {
            state = caller_states.recv() => match state {
                Some(DialogState::Confirmed(..)) if call.answer.is_none() => {
                    // Late offer: the caller's answer came in the ACK.
                    if let Some(ack) = caller.last_remote_ack()
                        && let Err(e) = call.media.caller_answer(&ack.body)
                    {
                        tracing::warn!(%id, error = %e, "caller's answer unusable");
                    }
                }
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(leg);
                    return (answered_at, Party::Caller);
                }
                _ => {}
            },
            state = leg_states.recv() => {
                if matches!(state, Some(DialogState::Terminated(..)) | None) {
                    hang_up(caller);
                    return (answered_at, Party::Operator);
                }
            }
            () = call.media.silent() => {
                tracing::info!(%id, "no RTP for too long: ending the call");
                hang_up(leg);
                hang_up(caller);
                return (answered_at, Party::System);
            }
        }
    }
}

/// Ends a caller leg that was never answered: 480 to its INVITE (it only had a 18x).
fn hang_up_waiting(caller: &InviteDialog) {
    if let Err(e) = caller.reject(Some(StatusCode::TemporarilyUnavailable), None) {
        tracing::debug!(error = %e, "final response to a silent caller not sent");
    }
}

/// Sends BYE on a leg without waiting for its answer: a slow or vanished phone must not hold
/// up the call's end, its record or the operator's wrap-up (the transaction retransmits and
/// times out on its own).
fn hang_up(leg: &InviteDialog) {
    let leg = leg.clone();
    tokio::spawn(async move {
        if let Err(e) = leg.bye().await {
            tracing::debug!(error = %e, "BYE not completed");
        }
    });
}

fn waited_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_milliseconds()
}
