//! Consulting (ruggespraak): the caller waits on hold (the hold music) while Centrale rings
//! the destination on the media's consult leg through the outbound gateway and, once it
//! answers, the operator talks with it. Then she completes (the caller and the destination
//! are bridged, she is free), returns (the destination's leg ends, she has the caller back),
//! or the destination hangs up (she has the caller back). Her phone hanging up completes the
//! transfer, as in common PBXs; before the destination answered it rings on as a blind
//! transfer would: answered, the caller is put through; not reached, her phone rings again.
//! The caller hanging up leaves her talking with the destination (`ConsultOnly`) until one
//! of them hangs up. Only an order [`super::outbound`] let through gets here.

use super::ended::hang_up;
use super::ringing::{FarAnswer, cancel, far_answer};
use super::talking::Holds;
use super::{Call, in_dialog, outbound};
use crate::board::CallCommand;
use crate::config::Outbound;
use crate::media::Side;
use centrale_core::call_state::{CallState, Move};
use centrale_core::calls::{Party, TransferResult};
use centrale_core::events::CallTransfer;
use centrale_core::transfer::{ConsultStep, Destination, TransferError, TransferMode};
use chrono::Utc;
use rsipstack::dialog::dialog::DialogState;

/// Runs the ruggespraak until it is completed, returned from, or the caller leaves; the
/// caller's wait is recorded as a hold by the operator's side.
pub async fn consult(call: &mut Call) -> Move {
    let context = call.context.clone();
    let (CallState::Consulting(operator), Some(gateway), Some(to)) = (
        call.state,
        &context.gateway,
        call.transfer.as_ref().map(|t| t.to.clone()),
    ) else {
        return Move::Return(TransferResult::Failed);
    };
    let holds = Holds {
        journal: context.journal.clone(),
        client: call.admitted.card.client.id,
        call: call.id,
        far: Party::Operator,
    };
    call.admitted.media.consult();
    holds.record(None, Some(Side::Operator));
    let by = ring_and_talk(call, operator, &gateway.config, &to).await;
    holds.record(Some(Side::Operator), None);
    by
}

/// Not reached: back to the caller, or — her phone gone meanwhile — her phone rings again.
fn not_reached(operator_gone: bool, result: TransferResult) -> Move {
    if operator_gone {
        Move::NotReached(result)
    } else {
        Move::Return(result)
    }
}

async fn ring_and_talk(
    call: &mut Call,
    operator: centrale_core::StaffId,
    outbound: &Outbound,
    to: &Destination,
) -> Move {
    let Some((operator_leg, mut operator_states)) = call.far_leg.take() else {
        return Move::End(Party::System);
    };
    let media = &call.admitted.media;
    let put_back = |call: &mut Call, operator_states| {
        call.far_leg = Some((operator_leg.clone(), operator_states));
    };
    if let Err(e) = media.open_consult(&call.context.media).await {
        tracing::warn!(error = %e, "no RTP port for a ruggespraak");
        put_back(call, operator_states);
        return Move::Return(TransferResult::Failed);
    }
    let Some(address) = outbound::resolve(outbound).await else {
        tracing::warn!(host = %outbound.host, "the outbound gateway's address cannot be resolved");
        put_back(call, operator_states);
        return Move::Return(TransferResult::Failed);
    };
    media.set_peer(Side::Consult, address.ip());
    let offer = media.offer_to_consult();
    let started = outbound::invite(call, outbound, address, to, offer).map(|option| {
        let (states, consult_states) = call.context.dialogs.new_dialog_state_channel();
        (
            call.context.dialogs.do_invite_async(option, states),
            consult_states,
        )
    });
    let (consult_leg, invite, mut consult_states) = match started {
        Some((Ok((leg, invite)), consult_states)) => (leg, invite, consult_states),
        _ => {
            tracing::warn!("cannot send the ruggespraak's INVITE");
            put_back(call, operator_states);
            return Move::Return(TransferResult::Failed);
        }
    };
    let mut invite = std::pin::pin!(invite);
    let timeout = tokio::time::sleep(outbound.timeout);
    tokio::pin!(timeout);
    let (mut answered, mut operator_gone) = (false, false);
    let mut consult_clock = None;
    let by = loop {
        tokio::select! {
            result = &mut invite, if !answered => {
                let response = match far_answer(result, media, Side::Consult) {
                    FarAnswer::Taken(response) => response,
                    FarAnswer::Refused(status) => {
                        break not_reached(operator_gone, outbound::refusal(status.code()));
                    }
                    FarAnswer::Unusable => {
                        hang_up(&consult_leg);
                        break not_reached(operator_gone, TransferResult::Failed);
                    }
                    FarAnswer::Failed => break not_reached(operator_gone, TransferResult::Failed),
                };
                consult_clock = crate::session_timer::granted(&response);
                answered = true;
                if operator_gone {
                    break Move::Connect;
                }
                call.context.journal.consulting(CallTransfer {
                    call_id: call.id,
                    client_id: call.admitted.card.client.id,
                    operator_id: operator,
                    to: to.clone(),
                    mode: TransferMode::Consult,
                    consulting: true,
                    result: None,
                    at: Utc::now(),
                });
            }
            () = &mut timeout, if !answered => {
                cancel(&consult_leg, &mut invite).await;
                break not_reached(operator_gone, TransferResult::NoAnswer);
            }
            state = call.caller_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    if answered {
                        break Move::CallerLeft;
                    }
                    cancel(&consult_leg, &mut invite).await;
                    if !operator_gone {
                        hang_up(&operator_leg);
                    }
                    break Move::End(Party::Caller);
                }
                Some(request) => {
                    in_dialog::answer(media, Side::Caller, &mut call.caller_clock, request).await;
                }
            },
            state = operator_states.recv(), if !operator_gone => match state {
                Some(DialogState::Terminated(..)) | None => {
                    operator_gone = true;
                    if answered {
                        break Move::Connect;
                    }
                }
                Some(request) => {
                    in_dialog::answer(media, Side::Operator, &mut call.far_clock, request).await;
                }
            },
            Some(state) = consult_states.recv() => match state {
                DialogState::Terminated(..) if answered => {
                    break Move::Return(TransferResult::DestinationHungUp);
                }
                request if answered => {
                    in_dialog::answer(media, Side::Consult, &mut consult_clock, request).await;
                }
                // Its early states mean nothing here.
                _ => {}
            },
            Some(command) = call.commands.recv() => match command {
                CallCommand::Consult(order) if order.by == operator => {
                    let _ = order.reply.send(Ok(()));
                    match order.step {
                        ConsultStep::Complete if answered => break Move::Connect,
                        // Before the answer: she leaves it ringing, as a blind transfer.
                        ConsultStep::Complete => {
                            if !operator_gone {
                                hang_up(&operator_leg);
                                operator_gone = true;
                            }
                        }
                        ConsultStep::Return => {
                            if answered {
                                hang_up(&consult_leg);
                            } else {
                                cancel(&consult_leg, &mut invite).await;
                            }
                            break Move::Return(TransferResult::Returned);
                        }
                    }
                }
                CallCommand::Consult(order) => {
                    let _ = order.reply.send(Err(TransferError::NotYours));
                }
                other => other.refuse(TransferError::NotTalking),
            },
        }
    };
    match by {
        Move::Connect => {
            if !operator_gone {
                hang_up(&operator_leg);
            }
            call.far_leg = Some((consult_leg, consult_states));
            call.far_side = Side::Consult;
            call.far_clock = consult_clock;
        }
        Move::CallerLeft => {
            call.far_leg = Some((operator_leg, operator_states));
            call.consult_leg = Some((consult_leg, consult_states));
        }
        Move::Return(_) => call.far_leg = Some((operator_leg, operator_states)),
        _ => {}
    }
    by
}

/// The caller left during the ruggespraak: the operator and the destination talk on (nothing
/// goes to the caller any more) until one of them hangs up.
pub async fn talk_on(call: &mut Call) -> Move {
    let media = &call.admitted.media;
    media.forget(Side::Caller);
    let (Some((operator_leg, operator_states)), Some((consult_leg, consult_states))) =
        (call.far_leg.as_mut(), call.consult_leg.as_mut())
    else {
        return Move::End(Party::System);
    };
    let mut consult_clock = None;
    loop {
        tokio::select! {
            state = operator_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(consult_leg);
                    return Move::End(Party::Operator);
                }
                Some(request) => {
                    in_dialog::answer(media, Side::Operator, &mut call.far_clock, request).await;
                }
            },
            state = consult_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(operator_leg);
                    return Move::End(Party::Destination);
                }
                Some(request) => {
                    in_dialog::answer(media, Side::Consult, &mut consult_clock, request).await;
                }
            },
            Some(command) = call.commands.recv() => command.refuse(TransferError::NotTalking),
        }
    }
}
