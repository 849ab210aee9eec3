//! Ringing one operator: an INVITE to their registered phone, bounded by the ring timeout,
//! cancelled when the caller gives up. It goes over the flow the phone registered from; the
//! Contact it registered is only the Request-URI.

use crate::headers;
use crate::telephony::Telephony;
use centrale_core::StaffId;
use centrale_core::calls::OfferResult;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{StatusCode, StatusCodeKind, Uri, headers::make_header};
use std::time::Duration;

use super::lifecycle::CallContext;

/// How a ring ended.
pub enum Rung {
    /// The operator picked up; their leg and its state stream.
    Answered(InviteDialog, DialogStateReceiver),
    /// Nobody took it; the offer's result.
    Missed(OfferResult),
    /// The caller hung up while it rang.
    CallerGone,
    /// The caller sent no RTP for the silence timeout while it rang: it is gone.
    CallerSilent,
}

/// Rings `operator` for the call until answer, refusal, timeout or the caller leaving.
pub async fn ring(
    telephony: &Telephony,
    call: &CallContext<'_>,
    operator: StaffId,
    caller_states: &mut DialogStateReceiver,
) -> Rung {
    let Some(binding) = telephony.location.lookup(operator) else {
        return Rung::Missed(OfferResult::Failed);
    };
    let Ok(callee) = Uri::try_from(binding.contact.as_str()) else {
        return Rung::Missed(OfferResult::Failed);
    };
    let caller_user = call.caller_number.unwrap_or("anonymous");
    let caller = Uri::try_from(format!("sip:{caller_user}@{}", telephony.local).as_str())
        .unwrap_or_default();
    // The phone's display shows whose line rings. The name is ours to make safe: rsipstack
    // puts it between quotes as it is.
    let display = headers::quoted_text(call.client_name);
    // Only the phone we ring may latch the operator leg's RTP source.
    call.media.set_operator_peer(binding.source.ip());
    let (states, mut leg_states) = telephony.dialogs.new_dialog_state_channel();
    let option = InviteOption {
        caller_display_name: (!display.is_empty()).then_some(display),
        caller,
        callee,
        // Address and transport of the REGISTER's flow: a Contact naming another host (or
        // transport) must not decide where Centrale sends INVITEs.
        destination: Some(binding.source.sip_addr()),
        contact: super::our_contact(telephony),
        content_type: Some("application/sdp".into()),
        offer: Some(call.media.offer_to_operator()),
        call_id: Some(format!("{}-op@centrale", uuid_like())),
        headers: Some(vec![make_header("X-Centrale-Call", call.id.to_string())]),
        ..Default::default()
    };
    let (leg, invite) = match telephony.dialogs.do_invite_async(option, states) {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(error = %e, %operator, "cannot ring the operator");
            return Rung::Missed(OfferResult::Failed);
        }
    };
    let mut invite = std::pin::pin!(invite);
    let timeout = tokio::time::sleep(telephony.config.ring_timeout);
    tokio::pin!(timeout);
    loop {
        tokio::select! {
            result = &mut invite => {
                let response = match result {
                    Ok(Ok((_, Some(response)))) => response,
                    _ => return Rung::Missed(OfferResult::Failed),
                };
                if response.status_code.kind() != StatusCodeKind::Successful {
                    return Rung::Missed(refusal(&response.status_code));
                }
                if let Err(e) = call.media.operator_answer(&response.body) {
                    tracing::warn!(error = %e, %operator, "the operator's phone answered with unusable media");
                    let _ = leg.bye().await;
                    return Rung::Missed(OfferResult::Failed);
                }
                // Drain the early states so the bridged phase sees only what follows.
                while leg_states.try_recv().is_ok() {}
                return Rung::Answered(leg, leg_states);
            }
            () = &mut timeout => {
                cancel(&leg, &mut invite).await;
                return Rung::Missed(OfferResult::Timeout);
            }
            state = caller_states.recv() => {
                if matches!(state, Some(DialogState::Terminated(..)) | None) {
                    cancel(&leg, &mut invite).await;
                    return Rung::CallerGone;
                }
            }
            () = call.media.silent(), if call.watch_rtp => {
                cancel(&leg, &mut invite).await;
                return Rung::CallerSilent;
            }
            // Early states of the leg are not needed; a closed channel disables this branch
            // instead of spinning the loop.
            Some(_) = leg_states.recv() => {}
        }
    }
}

/// Cancels a ringing INVITE and waits (briefly) for its transaction to settle.
async fn cancel<F: std::future::Future + Unpin>(leg: &InviteDialog, invite: &mut F) {
    if let Err(e) = leg.cancel().await {
        tracing::debug!(error = %e, "CANCEL not sent");
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), invite).await;
}

fn refusal(status: &StatusCode) -> OfferResult {
    match status.code() {
        486 | 600 | 603 | 480 => OfferResult::Rejected,
        408 => OfferResult::Timeout,
        _ => OfferResult::Failed,
    }
}

/// A random token for Call-IDs (never the stack's vendor default).
fn uuid_like() -> String {
    format!("{:032x}", rand::random::<u128>())
}
