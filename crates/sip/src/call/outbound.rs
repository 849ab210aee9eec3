//! Outbound legs. One exists only as the result of an operator's order on her own live call
//! (`POST /api/v1/calls/{id}/transfer`, authenticated by the web): the order reaches the
//! call's task ([`super::live::LiveCalls`]), which checks it — her call, talking now, a
//! gateway configured, a destination the rules allow (`core::transfer`), a place under the
//! caps — before anything is sent. The place is held by the leg ([`OutboundLeg`]) until it
//! ends.

use super::{Call, CallContext};
use crate::config::{Outbound, OutboundCallerId};
use centrale_core::call_state::CallState;
use centrale_core::calls::TransferResult;
use centrale_core::events::ScreenPop;
use centrale_core::transfer::{
    self, ConsultStep, Destination, Ledger, Refusal, TransferError, TransferMode, TransferRules,
};
use centrale_core::{Role, StaffId};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Transport, Uri, headers::make_header};
use rsipstack::transport::SipAddr;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// What an operator asks: put the caller through to `to` (as she typed, picked or dialled it).
#[derive(Debug)]
pub struct TransferRequest {
    pub to: String,
    pub mode: TransferMode,
    pub by: StaffId,
    pub role: Role,
}

/// Her request from the web, with where the answer goes.
#[derive(Debug)]
pub struct TransferOrder {
    pub request: TransferRequest,
    pub reply: oneshot::Sender<Result<Destination, TransferError>>,
}

/// An operator's order to hold her caller (or resume) from her console.
#[derive(Debug)]
pub struct HoldOrder {
    pub held: bool,
    pub by: StaffId,
    pub reply: oneshot::Sender<Result<(), TransferError>>,
}

/// An operator's order on her ruggespraak: complete it or go back to the caller.
#[derive(Debug)]
pub struct ConsultOrder {
    pub step: ConsultStep,
    pub by: StaffId,
    pub reply: oneshot::Sender<Result<(), TransferError>>,
}

impl TransferOrder {
    /// Tells the web the order was refused.
    pub fn refuse(self, error: TransferError) {
        let _ = self.reply.send(Err(error));
    }

    /// Whether the web still waits for the answer: an order it gave up on is not carried out
    /// later (a call busy ringing reads it only when it talks again).
    pub fn stale(&self) -> bool {
        self.reply.is_closed()
    }
}

/// The gateway outbound legs go to, with its legs in progress and of the last hour.
pub(crate) struct Gateway {
    pub config: Outbound,
    ledger: Mutex<Ledger>,
}

impl Gateway {
    pub fn new(config: Outbound) -> Arc<Self> {
        Arc::new(Self {
            config,
            ledger: Mutex::default(),
        })
    }

    /// A place for one leg of `operator`, or `TooMany`.
    fn permit(self: &Arc<Self>, operator: StaffId) -> Result<Permit, Refusal> {
        self.ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .start(operator, self.config.caps, Instant::now())?;
        Ok(Permit {
            gateway: self.clone(),
            operator,
        })
    }
}

/// One leg's place under the caps, given back when dropped.
struct Permit {
    gateway: Arc<Gateway>,
    operator: StaffId,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gateway
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ended(self.operator);
    }
}

/// A transfer under way (ringing, consulted or connected): where to, how, and its place
/// under the caps.
pub(crate) struct OutboundLeg {
    pub to: Destination,
    pub mode: TransferMode,
    _permit: Permit,
}

/// Carries out an order to a talking call: allowed, it becomes the call's outbound leg (the
/// web is told where to); else the web is told why not.
pub(crate) fn take(
    order: TransferOrder,
    state: CallState,
    context: &CallContext,
    pop: Option<&ScreenPop>,
    rules: TransferRules,
) -> Option<OutboundLeg> {
    if order.stale() {
        return None;
    }
    match check(&order.request, state, context, pop, rules) {
        Ok(leg) => {
            let accepted = order.reply.send(Ok(leg.to.clone())).is_ok();
            // The web gave up on the answer meanwhile: nothing is sent.
            accepted.then_some(leg)
        }
        Err(error) => {
            order.refuse(error);
            None
        }
    }
}

/// Checks `order` against the call (in `state`, showing `pop`, for a client with `rules`)
/// and, when it may go ahead, takes its place under the caps.
pub(crate) fn check(
    order: &TransferRequest,
    state: CallState,
    context: &CallContext,
    pop: Option<&ScreenPop>,
    rules: TransferRules,
) -> Result<OutboundLeg, TransferError> {
    let CallState::Talking(operator) = state else {
        return Err(TransferError::NotTalking);
    };
    if order.by != operator {
        return Err(TransferError::NotYours);
    }
    let Some(gateway) = &context.gateway else {
        return Err(TransferError::NoGateway);
    };
    // Without a pop (damaged instructions) the call lists nobody to put through to.
    let pop = pop.ok_or(Refusal::NotListed)?;
    let to = transfer::destination(&order.to, pop, rules, order.role)?;
    let permit = gateway.permit(operator)?;
    Ok(OutboundLeg {
        to,
        mode: order.mode,
        _permit: permit,
    })
}

/// How long resolving the gateway's name may take.
const RESOLVE_PATIENCE: Duration = Duration::from_secs(2);

/// The gateway's socket address (its name resolved now, bounded).
pub(crate) async fn resolve(outbound: &Outbound) -> Option<SocketAddr> {
    let lookup = tokio::net::lookup_host((outbound.host.as_str(), outbound.port));
    let mut addresses = tokio::time::timeout(RESOLVE_PATIENCE, lookup)
        .await
        .ok()?
        .ok()?;
    addresses.next()
}

/// The INVITE to a transfer's destination: Request-URI the number at the gateway, From the
/// number the destination is to see, the gateway's credential, `offer` (our SDP on the leg
/// the destination takes).
pub(crate) fn invite(
    call: &Call,
    outbound: &Outbound,
    address: SocketAddr,
    to: &Destination,
    offer: Vec<u8>,
) -> Option<InviteOption> {
    let context = &call.context;
    let dialled = call.admitted.number.draft.number.as_str();
    let callee = format!("sip:{}@{}:{}", to.number, outbound.host, outbound.port);
    let callee = Uri::try_from(callee.as_str()).ok()?;
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
        offer: Some(offer),
        credential,
        call_id: Some(format!("{}-out@centrale", super::ringing::uuid_like())),
        headers: Some(extra),
        ..Default::default()
    })
}

/// What a destination's final response means for the transfer.
pub(crate) fn refusal(code: u16) -> TransferResult {
    match code {
        486 | 600 | 603 => TransferResult::Busy,
        408 | 480 => TransferResult::NoAnswer,
        _ => TransferResult::Failed,
    }
}
