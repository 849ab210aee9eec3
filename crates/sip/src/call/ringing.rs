//! Ringing: an INVITE to the operator's registered phone, bounded by the ring timeout,
//! cancelled when the caller gives up. The same ring calls her back when a transfer did not
//! reach its destination (`Recalling`). It goes over the flow the phone registered from; the
//! Contact it registered is only the Request-URI. A missed offer puts the call back in the
//! queue ([`super::Call::go`] tells the board).

use super::ended::hang_up;
use super::reliable::Awaited;
use super::{Call, in_dialog};
use crate::media::{MediaSession, Side};
use crate::{extensions, headers};
use centrale_core::StaffId;
use centrale_core::call_state::Move;
use centrale_core::calls::{OfferResult, Party};
use centrale_core::transfer::TransferError;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Response, StatusCode, StatusCodeKind, Uri, headers::make_header};
use std::time::Duration;

/// Rings `operator` until answer, refusal, timeout or the caller leaving.
pub async fn ring(call: &mut Call, operator: StaffId) -> Move {
    let context = call.context.clone();
    let media = &call.admitted.media;
    let Some(binding) = context.location.lookup(operator) else {
        return Move::Missed(OfferResult::Failed);
    };
    let Ok(callee) = Uri::try_from(binding.contact.as_str()) else {
        return Move::Missed(OfferResult::Failed);
    };
    let caller_number = call.admitted.caller.number.as_ref();
    let caller_user = caller_number.map_or("anonymous", |n| n.as_str());
    let caller =
        Uri::try_from(format!("sip:{caller_user}@{}", context.local).as_str()).unwrap_or_default();
    // The phone's display shows whose line rings. The name is ours to make safe: rsipstack
    // puts it between quotes as it is.
    let display = headers::quoted_text(&call.admitted.card.client.draft.name);
    // Only the phone we ring may latch the operator leg's RTP source.
    media.set_peer(Side::Operator, binding.source.ip());
    let watch_rtp = super::queued::watches_rtp(call);
    let (states, mut leg_states) = context.dialogs.new_dialog_state_channel();
    let option = InviteOption {
        caller_display_name: (!display.is_empty()).then_some(display),
        caller,
        callee,
        // Address and transport of the REGISTER's flow: a Contact naming another host (or
        // transport) must not decide where Centrale sends INVITEs.
        destination: Some(binding.source.sip_addr()),
        contact: context.contact(),
        content_type: Some("application/sdp".into()),
        offer: Some(media.offer_to_operator()),
        call_id: Some(format!("{}-op@centrale", uuid_like())),
        headers: Some(vec![
            make_header("X-Centrale-Call", call.id.to_string()),
            // A phone may then set a session timer in its 200 (kept by `talking`).
            extensions::supported_on_requests(),
        ]),
        ..Default::default()
    };
    let (leg, invite) = match context.dialogs.do_invite_async(option, states) {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(error = %e, %operator, "cannot ring the operator");
            return Move::Missed(OfferResult::Failed);
        }
    };
    let mut invite = std::pin::pin!(invite);
    let timeout = tokio::time::sleep(context.limits.ring_timeout);
    tokio::pin!(timeout);
    loop {
        tokio::select! {
            result = &mut invite => return match far_answer(result, media, Side::Operator) {
                FarAnswer::Taken(response) => {
                    call.far_leg_answered(leg, leg_states, &response);
                    Move::Answer
                }
                FarAnswer::Refused(status) => Move::Missed(refusal(&status)),
                FarAnswer::Unusable => {
                    hang_up(&leg);
                    Move::Missed(OfferResult::Incompatible)
                }
                FarAnswer::Failed => Move::Missed(OfferResult::Failed),
            },
            () = &mut timeout => {
                cancel(&leg, &mut invite).await;
                return Move::Missed(OfferResult::Timeout);
            }
            state = call.caller_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    cancel(&leg, &mut invite).await;
                    return Move::End(call.caller_leg_ended_by());
                }
                // Rung again after a transfer, the caller's dialog is confirmed.
                Some(state) if call.caller_accepted => {
                    in_dialog::answer(media, Side::Caller, &mut call.caller_clock, state).await;
                }
                Some(state) => call.answer_early(state).await,
            },
            Some(command) = call.commands.recv() => command.refuse(TransferError::NotTalking),
            answer = Awaited::answer(&mut call.prack), if call.offered_early() => {
                call.answered_early(answer);
            }
            () = media.silent(), if watch_rtp => {
                cancel(&leg, &mut invite).await;
                return Move::End(Party::System);
            }
            // Early states of the leg are not needed; a closed channel disables this branch
            // instead of spinning the loop.
            Some(_) = leg_states.recv() => {}
        }
    }
}

/// How an INVITE of ours to a far leg (a phone, a transfer's destination) ended.
pub(super) enum FarAnswer {
    /// Answered, and the media took its SDP on the leg's side.
    Taken(Response),
    /// A final response other than 2xx.
    Refused(StatusCode),
    /// Answered with media Centrale cannot take: the leg is to be hung up.
    Unusable,
    /// No final response at all.
    Failed,
}

/// What the INVITE's `result` means, its answer taken by `media` on `side`.
pub(super) fn far_answer<E>(
    result: Result<InviteAsyncResult, E>,
    media: &MediaSession,
    side: Side,
) -> FarAnswer {
    let Ok(Ok((_, Some(response)))) = result else {
        return FarAnswer::Failed;
    };
    if response.status_code.kind() != StatusCodeKind::Successful {
        return FarAnswer::Refused(response.status_code);
    }
    match media.far_answer(side, &response.body) {
        Ok(()) => FarAnswer::Taken(response),
        Err(e) => {
            tracing::warn!(error = %e, ?side, "a far leg answered with media we cannot take");
            FarAnswer::Unusable
        }
    }
}

/// Cancels a ringing INVITE and waits (briefly) for its transaction to settle.
pub(super) async fn cancel<F: std::future::Future + Unpin>(leg: &InviteDialog, invite: &mut F) {
    if let Err(e) = leg.cancel().await {
        tracing::debug!(error = %e, "CANCEL not sent");
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), invite).await;
}

fn refusal(status: &StatusCode) -> OfferResult {
    match status.code() {
        486 | 600 | 603 | 480 => OfferResult::Rejected,
        408 => OfferResult::Timeout,
        488 | 606 => OfferResult::Incompatible,
        _ => OfferResult::Failed,
    }
}

/// A random token for Call-IDs (never the stack's vendor default).
pub(super) fn uuid_like() -> String {
    format!("{:032x}", rand::random::<u128>())
}
