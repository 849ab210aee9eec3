//! Ended: a caller Centrale gave up on before anyone answered gets its 480, the media is
//! closed, the dialogs forgotten, the operator (if she talked) goes into wrap-up. The journal
//! has recorded the end already ([`super::Call::go`]).

use super::Call;
use centrale_core::call_state::CallState;
use centrale_core::calls::CallOutcome;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::StatusCode;

/// Lets go of what the call held.
pub fn clean_up(call: Call) {
    // Failed without an answer: Centrale ended it while it waited (silence, shutdown).
    if call.answered.is_none() && call.state == CallState::Ended(CallOutcome::Failed) {
        refuse_waiting(&call.caller);
    }
    call.admitted.media.close();
    call.context.reliable.forget(&call.caller.id().call_id);
    call.context.early.close(&call.caller.id().call_id);
    call.context.dialogs.remove_dialog(&call.caller.id());
    for (leg, _) in call.far_leg.iter().chain(&call.consult_leg) {
        call.context.dialogs.remove_dialog(&leg.id());
    }
    call.context.live.close(call.id);
    if let Some((operator, _)) = call.answered
        && !call.operator_freed
    {
        call.context.board.call_finished(operator);
    }
}

/// Ends a caller leg that was never answered: 480 to its INVITE (it only had a 18x).
fn refuse_waiting(caller: &InviteDialog) {
    if let Err(e) = caller.reject(Some(StatusCode::TemporarilyUnavailable), None) {
        tracing::debug!(error = %e, "final response to a silent caller not sent");
    }
}

/// Sends BYE on a leg without waiting for its answer: a slow or vanished phone must not hold
/// up the call's end, its record or the operator's wrap-up (the transaction retransmits and
/// times out on its own).
pub fn hang_up(leg: &InviteDialog) {
    let leg = leg.clone();
    tokio::spawn(async move {
        if let Err(e) = leg.bye().await {
            tracing::debug!(error = %e, "BYE not completed");
        }
    });
}
