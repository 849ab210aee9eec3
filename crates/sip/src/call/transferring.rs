//! Transferring (a blind transfer): the operator's phone is let go, the caller hears the
//! ringing tone, and Centrale INVITEs the destination through the outbound gateway (digest
//! 401/407 answered by rsipstack with the configured credential). Answered → the caller is
//! put through (`Connect`); refused, failed, or not answered within the transfer timeout →
//! `NotReached`, and the call rings the same operator again. The caller hanging up cancels
//! the leg. Only an order [`super::outbound::check`] let through gets here.

use super::ended::hang_up;
use super::ringing::{FarAnswer, cancel, far_answer};
use super::{Call, outbound};
use crate::media::Side;
use centrale_core::call_state::Move;
use centrale_core::calls::{Party, TransferResult};
use centrale_core::transfer::TransferError;
use rsipstack::dialog::dialog::DialogState;

/// Rings the destination of the call's transfer until it answers, refuses, times out, or the
/// caller leaves.
pub async fn put_through(call: &mut Call) -> Move {
    let context = call.context.clone();
    let (Some(gateway), Some(to)) = (
        &context.gateway,
        call.transfer.as_ref().map(|t| t.to.clone()),
    ) else {
        return Move::NotReached(TransferResult::Failed);
    };
    let outbound = &gateway.config;
    // Her phone is done with this call; she stays on it until the destination answers.
    if let Some((leg, _)) = call.far_leg.take() {
        hang_up(&leg);
        context.dialogs.remove_dialog(&leg.id());
    }
    call.far_clock = None;
    let media = &call.admitted.media;
    media.ring_back();
    let Some(address) = outbound::resolve(outbound).await else {
        tracing::warn!(host = %outbound.host, "the outbound gateway's address cannot be resolved");
        return Move::NotReached(TransferResult::Failed);
    };
    media.set_peer(Side::Operator, address.ip());
    let offer = media.offer_to_operator();
    let Some(option) = outbound::invite(call, outbound, address, &to, offer) else {
        return Move::NotReached(TransferResult::Failed);
    };
    let (states, mut leg_states) = context.dialogs.new_dialog_state_channel();
    let (leg, invite) = match context.dialogs.do_invite_async(option, states) {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(error = %e, "cannot send the transfer's INVITE");
            return Move::NotReached(TransferResult::Failed);
        }
    };
    let mut invite = std::pin::pin!(invite);
    let timeout = tokio::time::sleep(outbound.timeout);
    tokio::pin!(timeout);
    loop {
        tokio::select! {
            result = &mut invite => return match far_answer(result, media, Side::Operator) {
                FarAnswer::Taken(response) => {
                    call.far_leg_answered(leg, leg_states, &response);
                    Move::Connect
                }
                FarAnswer::Refused(status) => Move::NotReached(outbound::refusal(status.code())),
                FarAnswer::Unusable => {
                    hang_up(&leg);
                    Move::NotReached(TransferResult::Failed)
                }
                FarAnswer::Failed => Move::NotReached(TransferResult::Failed),
            },
            () = &mut timeout => {
                cancel(&leg, &mut invite).await;
                return Move::NotReached(TransferResult::NoAnswer);
            }
            state = call.caller_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    cancel(&leg, &mut invite).await;
                    return Move::End(Party::Caller);
                }
                Some(request) => {
                    super::in_dialog::answer(media, Side::Caller, &mut call.caller_clock, request).await;
                }
            },
            Some(command) = call.commands.recv() => command.refuse(TransferError::NotTalking),
            Some(_) = leg_states.recv() => {}
        }
    }
}
