//! Queued: the caller hears the announcement (or ringing, with a late offer) until the board
//! offers the call to an operator — or the caller hangs up, or proves gone by silence.

use super::Call;
use super::reliable::Awaited;
use crate::board::CallCommand;
use centrale_core::call_state::Move;
use centrale_core::calls::Party;
use centrale_core::transfer::TransferError;
use rsipstack::dialog::dialog::DialogState;

/// Waits for the board's offer.
pub async fn wait(call: &mut Call) -> Move {
    let watch_rtp = watches_rtp(call);
    loop {
        tokio::select! {
            state = call.caller_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    return Move::End(call.caller_leg_ended_by());
                }
                // A request in the early dialog; other states change nothing while queued.
                Some(state) => call.answer_early(state).await,
            },
            answer = Awaited::answer(&mut call.prack), if call.offered_early() => {
                call.answered_early(answer);
            }
            () = call.admitted.media.silent(), if watch_rtp => {
                tracing::info!(id = %call.id, "no RTP from the waiting caller: ending the call");
                return Move::End(Party::System);
            }
            command = call.commands.recv() => match command {
                Some(CallCommand::Offer(operator)) => return Move::Offer(operator),
                Some(order) => order.refuse(TransferError::NotTalking),
                // The board is gone: the telephony is shutting down.
                None => return Move::End(Party::System),
            },
        }
    }
}

/// Whether a waiting call must prove it is alive by its RTP. Carriers send RTP all the time,
/// comfort noise included, once they have our answer; a caller that sends none for the silence
/// timeout is gone. Not so where it cannot or need not: a late offer has no address of ours to
/// send to before the 200, and a leg with comfort noise (`CN`) may suppress silence. Those
/// calls would prove liveness by session-timer refreshes (RFC 4028), a later issue; until then
/// the caps on trunk calls and queue length bound them.
pub fn watches_rtp(call: &Call) -> bool {
    call.admitted.answer.is_some() && !call.admitted.media.caller_suppresses_silence()
}
