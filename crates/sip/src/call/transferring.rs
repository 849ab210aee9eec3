//! Transferring (a blind transfer): the operator's phone is let go, the caller hears the
//! ringing tone, and Centrale INVITEs the destination through the outbound gateway (digest
//! 401/407 answered by rsipstack with the configured credential). Answered → the caller is
//! put through (`Connect`); refused, failed, or not answered within the transfer timeout →
//! `NotReached`, and the call rings the same operator again. The caller hanging up cancels
//! the leg. Only an order [`super::outbound::check`] let through gets here.

use super::Call;
use super::ended::hang_up;
use crate::config::{Outbound, OutboundCallerId};
use crate::media::Side;
use centrale_core::call_state::Move;
use centrale_core::calls::{Party, TransferResult};
use centrale_core::transfer::{Destination, TransferError};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{StatusCodeKind, Transport, Uri, headers::make_header};
use rsipstack::transport::SipAddr;
use std::net::SocketAddr;
use std::time::Duration;

/// How long resolving the gateway's name may take.
const RESOLVE_PATIENCE: Duration = Duration::from_secs(2);

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
    if let Some((leg, _)) = call.operator_leg.take() {
        hang_up(&leg);
        context.dialogs.remove_dialog(&leg.id());
    }
    call.operator_clock = None;
    let media = &call.admitted.media;
    media.ring_back();
    let Some(address) = resolve(outbound).await else {
        tracing::warn!(host = %outbound.host, "the outbound gateway's address cannot be resolved");
        return Move::NotReached(TransferResult::Failed);
    };
    media.set_operator_peer(address.ip());
    let Some(option) = invite(call, outbound, address, &to) else {
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
            result = &mut invite => {
                let response = match result {
                    Ok(Ok((_, Some(response)))) => response,
                    _ => return Move::NotReached(TransferResult::Failed),
                };
                if response.status_code.kind() != StatusCodeKind::Successful {
                    return Move::NotReached(refusal(response.status_code.code()));
                }
                if let Err(e) = media.operator_answer(&response.body) {
                    tracing::warn!(error = %e, "the transfer's destination answered with unusable media");
                    hang_up(&leg);
                    return Move::NotReached(TransferResult::Failed);
                }
                while leg_states.try_recv().is_ok() {}
                call.operator_leg = Some((leg, leg_states));
                call.operator_clock = crate::session_timer::granted(&response);
                return Move::Connect;
            }
            () = &mut timeout => {
                super::ringing::cancel(&leg, &mut invite).await;
                return Move::NotReached(TransferResult::NoAnswer);
            }
            state = call.caller_states.recv() => match state {
                Some(DialogState::Terminated(..)) | None => {
                    super::ringing::cancel(&leg, &mut invite).await;
                    return Move::End(Party::Caller);
                }
                Some(request) => {
                    super::in_dialog::answer(media, Side::Caller, &mut call.caller_clock, request).await;
                }
            },
            Some(command) = call.commands.recv() => call.refuse(command, TransferError::NotTalking),
            Some(_) = leg_states.recv() => {}
        }
    }
}

/// The gateway's socket address (its name resolved now, bounded).
async fn resolve(outbound: &Outbound) -> Option<SocketAddr> {
    let lookup = tokio::net::lookup_host((outbound.host.as_str(), outbound.port));
    let mut addresses = tokio::time::timeout(RESOLVE_PATIENCE, lookup)
        .await
        .ok()?
        .ok()?;
    addresses.next()
}

/// The INVITE to the destination: Request-URI the number at the gateway, From the number the
/// destination is to see, the gateway's credential, our offer on the far leg.
fn invite(
    call: &Call,
    outbound: &Outbound,
    address: SocketAddr,
    to: &Destination,
) -> Option<InviteOption> {
    let context = &call.context;
    let dialled = call.admitted.number.draft.number.as_str();
    let callee =
        Uri::try_from(format!("sip:{}@{}:{}", to.number, outbound.host, outbound.port).as_str())
            .ok()?;
    let caller = Uri::try_from(format!("sip:{dialled}@{}", context.local).as_str()).ok()?;
    let mut extra = vec![make_header("X-Centrale-Call", call.id.to_string())];
    if outbound.caller_id == OutboundCallerId::Caller
        && let Some(number) = &call.admitted.caller.number
    {
        let asserted = format!("<sip:{number}@{}>", context.local);
        extra.push(make_header("P-Asserted-Identity", asserted));
    }
    let credential = outbound
        .credential
        .as_ref()
        .map(|(username, password)| Credential {
            username: username.clone(),
            password: password.clone(),
            realm: None,
            auth_username: None,
        });
    let transport = if outbound.tcp {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    Some(InviteOption {
        caller_display_name: None,
        caller,
        callee,
        destination: Some(SipAddr {
            r#type: Some(transport),
            addr: address.into(),
        }),
        contact: context.contact(),
        content_type: Some("application/sdp".into()),
        offer: Some(call.admitted.media.offer_to_operator()),
        credential,
        call_id: Some(format!("{:032x}-out@centrale", rand::random::<u128>())),
        headers: Some(extra),
        ..Default::default()
    })
}

/// What a destination's final response means for the transfer.
fn refusal(code: u16) -> TransferResult {
    match code {
        486 | 600 | 603 => TransferResult::Busy,
        408 | 480 => TransferResult::NoAnswer,
        _ => TransferResult::Failed,
    }
}
