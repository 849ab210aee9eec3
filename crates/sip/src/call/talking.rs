//! Talking: the 200 to the caller, the media bridged, until someone hangs up or the media
//! dies.

use super::Call;
use super::ended::hang_up;
use centrale_core::call_state::Move;
use centrale_core::calls::Party;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::sip::headers::make_header;

/// Talks until the call ends; returns who ended it.
pub async fn talk(call: &mut Call) -> Move {
    let Some((leg, leg_states)) = call.operator_leg.as_mut() else {
        return Move::End(Party::System);
    };
    let admitted = &mut call.admitted;
    // Talking, the call no longer counts against the queue's cap.
    admitted.queue_place = None;
    let media = &admitted.media;
    let body = admitted
        .answer
        .clone()
        .unwrap_or_else(|| media.offer_to_caller());
    let sdp = Some(vec![make_header("Content-Type", "application/sdp".into())]);
    if call.caller.accept(sdp, Some(body)).is_err() {
        hang_up(leg);
        return Move::End(Party::Caller);
    }
    media.bridge();
    loop {
        tokio::select! {
            state = call.caller_states.recv() => match state {
                Some(DialogState::Confirmed(..)) if admitted.answer.is_none() => {
                    // Late offer: the caller's answer came in the ACK.
                    if let Some(ack) = call.caller.last_remote_ack()
                        && let Err(e) = media.caller_answer(&ack.body)
                    {
                        tracing::warn!(id = %call.id, error = %e, "caller's answer unusable");
                    }
                }
                Some(DialogState::Terminated(..)) | None => {
                    hang_up(leg);
                    return Move::End(Party::Caller);
                }
                _ => {}
            },
            state = leg_states.recv() => {
                if matches!(state, Some(DialogState::Terminated(..)) | None) {
                    hang_up(&call.caller);
                    return Move::End(Party::Operator);
                }
            }
            () = media.silent() => {
                tracing::info!(id = %call.id, "no RTP for too long: ending the call");
                hang_up(leg);
                hang_up(&call.caller);
                return Move::End(Party::System);
            }
        }
    }
}
