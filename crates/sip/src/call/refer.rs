//! Transfers from an operator's desk phone: a REFER in her leg of a call she talks on is
//! handled by Centrale itself — never passed to the carrier (Dutch trunks often refuse
//! REFER) — as her order for a blind transfer to the Refer-To's number, checked by the same
//! rules and caps as the console's (`outbound::check`; a phone is taken to be an operator's,
//! so a free number needs the client's leave). Allowed: 202, and once it is sent NOTIFYs (RFC 3515, sipfrag)
//! saying Centrale has taken the transfer over (`100 Trying`, then `200 OK`, terminated);
//! the call then goes on as a blind transfer (not reached, her phone rings again). Refused:
//! 403 with the reason in a Warning, and the call goes on. A REFER with `Replaces` (the
//! phone's own attended transfer) is refused: Centrale places no call for a phone, so the
//! ruggespraak is the console's.

use super::CallContext;
use super::outbound::{self, OutboundLeg, TransferRequest};
use crate::headers;
use centrale_core::Role;
use centrale_core::call_state::CallState;
use centrale_core::events::ScreenPop;
use centrale_core::transfer::{TransferMode, TransferRules};
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TransactionHandle};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Request, StatusCode, headers::make_header};
use std::time::Duration;

/// How long each NOTIFY may wait for the phone's answer.
const NOTIFY_PATIENCE: Duration = Duration::from_secs(2);

/// What the phone asked for in its Refer-To.
#[derive(Debug, PartialEq, Eq)]
enum ReferTo<'a> {
    /// A blind transfer to the number in the URI's user part.
    Number(&'a str),
    /// An attended transfer (`?Replaces=` in the URI).
    Replaces,
}

fn refer_to(request: &Request) -> Option<ReferTo<'_>> {
    let value = headers::value(request, "Refer-To").or_else(|| headers::value(request, "r"))?;
    let (_, uri) = headers::name_addr(value);
    if uri.to_ascii_lowercase().contains("replaces=") {
        return Some(ReferTo::Replaces);
    }
    headers::uri_user(uri)
        .filter(|user| !user.is_empty())
        .map(ReferTo::Number)
}

/// Answers the REFER `request` on the operator's leg `leg` of a call in `state`; the
/// outbound leg it starts, when allowed.
pub(super) async fn take(
    request: &Request,
    handle: TransactionHandle,
    (leg, leg_states): (&InviteDialog, &mut DialogStateReceiver),
    state: CallState,
    context: &CallContext,
    pop: Option<&ScreenPop>,
    rules: TransferRules,
) -> Option<OutboundLeg> {
    let asked = refer_to(request);
    let (CallState::Talking(operator), Some(ReferTo::Number(to))) = (state, &asked) else {
        let why = match asked {
            Some(ReferTo::Replaces) => {
                "attended transfer from the phone: use the console's ruggespraak"
            }
            Some(ReferTo::Number(_)) => "the call cannot be put through now",
            None => "Refer-To names no number",
        };
        refuse(&handle, why).await;
        return None;
    };
    let order = TransferRequest {
        to: (*to).to_owned(),
        mode: TransferMode::Blind,
        by: operator,
        role: Role::Operator,
    };
    match outbound::check(&order, state, context, pop, rules) {
        Err(refused) => {
            tracing::info!(%refused, "a desk phone's REFER refused");
            refuse(&handle, &refused.to_string()).await;
            None
        }
        Ok(outbound_leg) => {
            if handle
                .respond(StatusCode::Accepted, None, None)
                .await
                .is_err()
            {
                tracing::debug!("the REFER ended before its 202");
            }
            // The stack sends the 202, then the dialog is confirmed again: only then the
            // NOTIFYs, so they do not overtake it (RFC 3515 allows that; phones mind it).
            let confirmed = async {
                while let Some(state) = leg_states.recv().await {
                    if matches!(
                        state,
                        DialogState::Confirmed(..) | DialogState::Terminated(..)
                    ) {
                        return;
                    }
                }
            };
            let _ = tokio::time::timeout(NOTIFY_PATIENCE, confirmed).await;
            for (status, state) in [
                (StatusCode::Trying, "active"),
                (StatusCode::OK, "terminated;reason=noresource"),
            ] {
                let notify = leg.notify_refer(status, state);
                if !matches!(
                    tokio::time::timeout(NOTIFY_PATIENCE, notify).await,
                    Ok(Ok(_))
                ) {
                    tracing::debug!("a REFER's NOTIFY was not answered");
                }
            }
            Some(outbound_leg)
        }
    }
}

/// 403 with the reason, for the phone's display.
async fn refuse(handle: &TransactionHandle, why: &str) {
    let warning = format!("399 centrale \"{}\"", headers::quoted_text(why));
    let extra = Some(vec![make_header("Warning", warning)]);
    if handle
        .respond(StatusCode::Forbidden, extra, None)
        .await
        .is_err()
    {
        tracing::debug!("the REFER ended before its answer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_refer_to(value: &str) -> Request {
        let text = format!(
            "REFER sip:centrale@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK1\r\n\
             From: <sip:1001@127.0.0.1>;tag=a\r\nTo: <sip:centrale@127.0.0.1>;tag=b\r\n\
             Call-ID: x\r\nCSeq: 2 REFER\r\nRefer-To: {value}\r\nContent-Length: 0\r\n\r\n"
        );
        Request::try_from(text.as_str()).expect("a REFER")
    }

    #[test]
    fn refer_to_gives_the_number_or_says_replaces() {
        let cases = [
            (
                "<sip:0612345001@127.0.0.1>",
                Some(ReferTo::Number("0612345001")),
            ),
            (
                "sip:+31612345001@gw.example;user=phone",
                Some(ReferTo::Number("+31612345001")),
            ),
            ("<tel:+31201234567>", Some(ReferTo::Number("+31201234567"))),
            (
                "<sip:0612345001@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>",
                Some(ReferTo::Replaces),
            ),
            ("<sip:127.0.0.1>", None),
        ];
        for (value, expected) in cases {
            assert_eq!(refer_to(&with_refer_to(value)), expected, "{value}");
        }
    }
}
