//! Talking: the 200 to the caller, the media bridged, until someone hangs up, the media
//! dies, or the operator puts the caller through (the same bridge then joins the caller and
//! the destination: [`converse`]). Meanwhile either leg may refresh the session, move its media or hold the call
//! ([`super::in_dialog`]); a hold is recorded and the other side hears the hold music. When
//! a leg's peer left the refreshing to Centrale (RFC 4028: the caller naming it `uas`, the
//! phone's 200 naming it `uac` or no one), it refreshes with a re-INVITE every half interval;
//! a session its peer stopped refreshing ends.

use super::Call;
use super::ended::hang_up;
use super::in_dialog;
use super::{outbound, refer};
use crate::board::CallCommand;
use crate::extensions;
use crate::headers;
use crate::journal::{CallJournal, Step};
use crate::media::Side;
use crate::session_timer::SessionClock;
use centrale_core::call_state::CallState;
use centrale_core::call_state::Move;
use centrale_core::calls::Party;
use centrale_core::transfer::{TransferError, TransferMode};
use centrale_core::{CallId, ClientId};
use chrono::Utc;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::invite_dialog::InviteDialog;
use std::sync::Arc;

/// Answers the caller (the first time), then talks until the call ends or its operator puts
/// the caller through; returns that move.
pub async fn talk(call: &mut Call) -> Move {
    if !call.caller_accepted {
        if let Err(ended) = answer_caller(call).await {
            return ended;
        }
        call.caller_accepted = true;
    }
    converse(call, Party::Operator).await
}

/// The 200 to the caller: after the PRACK of a reliable 183, with the session timer it asked
/// for. Err when the caller is gone (the operator's leg is then hung up).
async fn answer_caller(call: &mut Call) -> Result<(), Move> {
    let offered_early = call.offered_early();
    let admitted = &mut call.admitted;
    // Talking, the call no longer counts against the queue's cap.
    admitted.queue_place = None;
    let media = &admitted.media;
    // RFC 3262 §3: our 183 carried our answer (or our offer), so its PRACK comes before our
    // 200. An offer of ours in the 183 was answered in the PRACK: the 200 carries no SDP.
    if let Some(prack) = &mut call.prack {
        prack.acknowledged().await;
        if offered_early && let Some(answer) = prack.take_answer() {
            super::early::take_caller_answer(media, &answer);
        }
    }
    let body = match &admitted.answer {
        Some(answer) => Some(answer.clone()),
        None => (!offered_early).then(|| media.offer_to_caller()),
    };
    let mut headers = vec![extensions::supported()];
    if body.is_some() {
        headers.push(headers::sdp_content_type());
    }
    if let Some((asked, answer)) = &admitted.session_timer {
        headers.extend(answer.iter().cloned());
        call.caller_clock = Some(SessionClock::answered(*asked));
    }
    // From our 200 on, the caller's dialog is the stack's to serve.
    call.context.early.close(&call.caller.id().call_id);
    if call.caller.accept(Some(headers), body).is_err() {
        if let Some((leg, _)) = &call.far_leg {
            hang_up(leg);
        }
        return Err(Move::End(Party::Caller));
    }
    // Late offer: the caller's answer comes in the ACK of our 200 (not of a later re-INVITE).
    call.awaiting_caller_answer = admitted.answer.is_none() && !offered_early;
    Ok(())
}

/// The caller and the far leg (`far`: the operator's phone, or the destination the caller
/// was put through to) bridged until one hangs up, the media dies, a session timer runs
/// out, or — talking with the operator — she puts the caller through.
pub async fn converse(call: &mut Call, far: Party) -> Move {
    let Some((leg, leg_states)) = call.far_leg.as_mut() else {
        return Move::End(Party::System);
    };
    let holds = Holds {
        journal: call.context.journal.clone(),
        client: call.admitted.card.client.id,
        call: call.id,
        far,
    };
    let media = &call.admitted.media;
    let far_side = call.far_side;
    media.bridge_to(far_side);
    let mut holder = None;
    let the_end = loop {
        tokio::select! {
            state = call.caller_states.recv() => match state {
                Some(DialogState::Confirmed(..)) if call.awaiting_caller_answer => {
                    call.awaiting_caller_answer = false;
                    if let Some(ack) = call.caller.last_remote_ack()
                        && let Err(e) = media.caller_answer(&ack.body)
                    {
                        tracing::warn!(id = %call.id, error = %e, "caller's answer unusable");
                    }
                }
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(leg);
                    break Move::End(Party::Caller);
                }
                Some(request) => {
                    in_dialog::answer(media, Side::Caller, &mut call.caller_clock, request).await;
                }
            },
            state = leg_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(&call.caller);
                    break Move::End(far);
                }
                // Her desk phone's own transfer key.
                Some(DialogState::Refer(_, request, handle)) if far == Party::Operator => {
                    let rules = call.admitted.card.client.draft.transfers;
                    let pop = call.pop.as_deref();
                    let context = &call.context;
                    let leg = (&*leg, &mut *leg_states);
                    let taken = refer::take(&request, handle, leg, call.state, context, pop, rules);
                    if let Some(transfer) = taken.await {
                        call.transfer = Some(transfer);
                        break Move::Transfer;
                    }
                }
                Some(request) => {
                    in_dialog::answer(media, far_side, &mut call.far_clock, request).await;
                }
            },
            Some(command) = call.commands.recv() => match command {
                CallCommand::Transfer(order) => {
                    let rules = call.admitted.card.client.draft.transfers;
                    let pop = call.pop.as_deref();
                    if let Some(transfer) = outbound::take(order, call.state, &call.context, pop, rules) {
                        let by = match transfer.mode {
                            TransferMode::Blind => Move::Transfer,
                            TransferMode::Consult => Move::Consult,
                        };
                        call.transfer = Some(transfer);
                        break by;
                    }
                }
                // F8: she holds her caller (or resumes) from the console.
                CallCommand::Hold(order) => {
                    let answer = match call.state {
                        CallState::Talking(operator) if operator == order.by => {
                            media.hold_from_console(order.held);
                            Ok(())
                        }
                        CallState::Talking(_) => Err(TransferError::NotYours),
                        _ => Err(TransferError::NotTalking),
                    };
                    let _ = order.reply.send(answer);
                }
                other => other.refuse(TransferError::NotConsulting),
            },
            () = due(call.caller_clock) => {
                let sdp = || media.current_sdp(Side::Caller);
                if !keep_alive(&mut call.caller_clock, &call.caller, sdp) {
                    tracing::info!(id = %call.id, "the caller stopped refreshing the session");
                    break end_both(leg, &call.caller);
                }
            }
            () = due(call.far_clock) => {
                let sdp = || media.current_sdp(far_side);
                if !keep_alive(&mut call.far_clock, leg, sdp) {
                    tracing::info!(id = %call.id, "the far side stopped refreshing the session");
                    break end_both(leg, &call.caller);
                }
            }
            () = media.silent() => {
                tracing::info!(id = %call.id, "no RTP for too long: ending the call");
                break end_both(leg, &call.caller);
            }
        }
        let now_held = media.held_by();
        if now_held != holder {
            holds.record(holder, now_held);
            holder = now_held;
        }
    };
    // A hold going on when the caller is put through ends here (at the call's end the
    // record's end closes it).
    if matches!(the_end, Move::Transfer | Move::Consult) {
        holds.record(holder, None);
    }
    the_end
}

/// Centrale ends the call: BYE on both legs.
fn end_both(operator: &InviteDialog, caller: &InviteDialog) -> Move {
    hang_up(operator);
    hang_up(caller);
    Move::End(Party::System)
}

/// Where a call's holds are recorded; `far` is who holds on the far leg.
pub(super) struct Holds {
    pub journal: Arc<CallJournal>,
    pub client: ClientId,
    pub call: CallId,
    pub far: Party,
}

impl Holds {
    /// Records a hold that ended and one that began (both when it passed to the other side).
    pub(super) fn record(&self, before: Option<Side>, after: Option<Side>) {
        let at = Utc::now();
        let step = |held, side| Step::Hold {
            client: self.client,
            call: self.call,
            at,
            held,
            by: match side {
                Side::Caller => Party::Caller,
                Side::Operator | Side::Consult => self.far,
            },
        };
        if let Some(side) = before {
            self.journal.record(step(false, side));
        }
        if let Some(side) = after {
            self.journal.record(step(true, side));
        }
    }
}

/// Waits until the session timer needs something; never without one.
async fn due(clock: Option<SessionClock>) {
    match clock {
        Some(clock) => tokio::time::sleep_until(clock.due()).await,
        None => std::future::pending().await,
    }
}

/// Refreshes the session when Centrale is the refresher (a re-INVITE with our SDP as it was,
/// not awaited); false when the peer was to refresh and did not: the session is over.
fn keep_alive(
    clock: &mut Option<SessionClock>,
    leg: &InviteDialog,
    sdp: impl FnOnce() -> Vec<u8>,
) -> bool {
    let Some(running) = clock else {
        return true;
    };
    if !running.ours() {
        return false;
    }
    running.refreshed();
    let mut headers = running.refresh_headers();
    headers.push(headers::sdp_content_type());
    let (leg, body) = (leg.clone(), sdp());
    tokio::spawn(async move {
        if let Err(e) = leg.reinvite(Some(headers), Some(body)).await {
            tracing::debug!(error = %e, "session refresh not answered");
        }
    });
    true
}
