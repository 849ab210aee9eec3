//! Whether an INVITE may become a call, and for which client.
//!
//! The edge has checked the sender already — the socket it sent from, never a header, is a
//! trunk peer or an operator who proved who she is by digest (`auth`: 407, then 403; 503 when
//! her credentials cannot be read). Then,
//! in order, from memory only: every extension the INVITE requires is one we support (else
//! 420 naming the others); a session timer it asks for is at least our Min-SE (else 422); the dialled number is a forwarding number assigned to a client (else 404); the client
//! is active (else 480); the call journal is writing its records and the caps on calls per
//! trunk source and on waiting calls leave room (else 503 with Retry-After); the offer has a codec we speak and an address in the media
//! networks (else 488; unreadable SDP 400).

use super::CallContext;
use super::caps::{Full, QueuePlace, TrunkPlace};
use crate::media::{MediaError, MediaSession};
use crate::peer::Peer;
use crate::session_timer::{self, SessionExpires};
use crate::{extensions, headers};
use centrale_core::calls::CallerId;
use centrale_core::directory::{ClientCard, Unrouted};
use centrale_core::{ClientStatus, ForwardingNumber};
use rsipstack::sip::headers::make_header;
use rsipstack::sip::{Header, Request, StatusCode};
use std::net::IpAddr;
use std::sync::Arc;

/// Seconds a caller refused for a full queue or trunk is asked to wait: long enough for the
/// silence timeout to clear calls that are gone, short enough for a carrier's retry.
const RETRY_AFTER_SECS: u32 = 30;

/// A call that may go ahead.
pub struct Admitted {
    /// The client dialled, as the directory held it when the call arrived.
    pub card: Arc<ClientCard>,
    pub number: ForwardingNumber,
    pub caller: CallerId,
    pub original: Option<String>,
    pub media: MediaSession,
    /// Our SDP answer when the caller made an offer; None for a late offer.
    pub answer: Option<Vec<u8>>,
    /// The session timer the caller asked for, and the headers our 200 answers it with.
    pub session_timer: Option<(SessionExpires, Vec<Header>)>,
    /// The call's place among its trunk's calls, held until it ends.
    _trunk_place: Option<TrunkPlace>,
    /// The call's place in the queue, given back when it is answered.
    pub queue_place: Option<QueuePlace>,
}

/// Why not: the response to send.
pub struct Refused {
    pub status: StatusCode,
    pub headers: Vec<Header>,
}

impl Refused {
    fn with(status: StatusCode, warning: &str) -> Self {
        Self {
            status,
            headers: vec![headers::warning(warning)],
        }
    }

    /// 503: not now, try again after a while.
    fn busy(warning: &str) -> Self {
        Self {
            status: StatusCode::ServiceUnavailable,
            headers: vec![
                headers::warning(warning),
                make_header("Retry-After", RETRY_AFTER_SECS.to_string()),
            ],
        }
    }
}

/// Checks an INVITE that arrived from `peer` (from the trunk source `trunk`, if it is one).
pub async fn admit(
    context: &CallContext,
    request: &Request,
    peer: Peer,
    trunk: Option<IpAddr>,
) -> Result<Admitted, Refused> {
    let unsupported = extensions::unsupported(request);
    if !unsupported.is_empty() {
        return Err(Refused {
            status: StatusCode::BadExtension,
            headers: vec![make_header("Unsupported", unsupported.join(", "))],
        });
    }
    let asked = session_timer::requested(request).map_err(|_| Refused {
        status: StatusCode::SessionIntervalTooSmall,
        headers: session_timer::too_small(),
    })?;
    let dialled = headers::dialled(request)
        .ok_or_else(|| Refused::with(StatusCode::NotFound, "no such number"))?;
    let (number, card) = context
        .directory
        .now()
        .route(&dialled)
        .map(|(number, card)| (number.clone(), card))
        .map_err(|unrouted| {
            Refused::with(
                StatusCode::NotFound,
                match unrouted {
                    Unrouted::NoSuchNumber => "no such number",
                    Unrouted::NotInService => "number not in service",
                },
            )
        })?;
    if card.client.draft.status == ClientStatus::Suspended {
        return Err(Refused::with(
            StatusCode::TemporarilyUnavailable,
            "service suspended",
        ));
    }
    if context.journal.is_full() {
        tracing::warn!(
            backlog = context.journal.backlog(),
            "call refused: call records are not being written"
        );
        return Err(Refused::busy("call records backlog"));
    }
    let limits = &context.limits;
    let (trunk_place, queue_place) = context
        .caps
        .take(trunk, limits.max_calls_per_trunk, limits.max_queue_length)
        .map_err(|full| {
            tracing::warn!(?full, "call refused: cap reached");
            Refused::busy(match full {
                Full::Trunk => "too many calls from this trunk",
                Full::Queue => "queue full",
            })
        })?;
    let media = context.media.open().await.map_err(|e| {
        tracing::warn!(error = %e, "no media ports");
        Refused::with(StatusCode::ServiceUnavailable, "no media ports free")
    })?;
    media.set_caller_peer(peer.ip());
    let answer = if request.body.is_empty() {
        None
    } else {
        Some(
            media
                .answer_caller_offer(&request.body)
                .map_err(|e| match e {
                    MediaError::NoCommonCodec => Refused::with(
                        StatusCode::NotAcceptableHere,
                        "no common codec: PCMA or PCMU",
                    ),
                    MediaError::AddressNotAllowed(_) => {
                        Refused::with(StatusCode::NotAcceptableHere, "media address not allowed")
                    }
                    other => {
                        Refused::with(StatusCode::BadRequest, &format!("unreadable SDP: {other}"))
                    }
                })?,
        )
    };
    Ok(Admitted {
        card,
        number,
        caller: headers::caller(request),
        original: headers::original_called(request),
        media,
        answer,
        session_timer: asked.map(|asked| (asked, session_timer::answer(request, asked))),
        _trunk_place: trunk_place,
        queue_place: Some(queue_place),
    })
}
