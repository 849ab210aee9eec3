//! Requests inside a leg's dialog: a re-INVITE or UPDATE (a session refresh, a new address, a
//! hold or its end) is answered from the media session, OPTIONS and INFO get 200 — in an
//! established dialog, and in the caller's early one ([`super::early`]).
//! Anything else keeps the stack's answer (501 once the handle is dropped).

use crate::headers;
use crate::media::{MediaError, MediaSession, Side};
use crate::session_timer::{self, SessionClock};
use rsipstack::dialog::dialog::{DialogState, TransactionHandle};
use rsipstack::sip::{Header, Method, Request, StatusCode};

/// Answers `state` if it is a request on the `side` leg; other states are not requests.
/// `clock` is the leg's session timer, restarted by the peer's refresh and set anew when
/// the request asks for another interval.
pub async fn answer(
    media: &MediaSession,
    side: Side,
    clock: &mut Option<SessionClock>,
    state: DialogState,
) {
    match state {
        DialogState::Updated(_, request, handle) => {
            refresh(media, side, clock, &request, &handle).await;
        }
        DialogState::Options(_, _, handle) | DialogState::Info(_, _, handle) => {
            respond(&handle, StatusCode::OK, vec![], None).await;
        }
        _ => {}
    }
}

/// A re-INVITE or UPDATE: 422 below our Min-SE; else 200 with our SDP (as it was for a
/// refresh, a new version for a change) and the session timer it asked for; 488 when its
/// offer cannot be taken (the call goes on as it was), 400 when unreadable.
async fn refresh(
    media: &MediaSession,
    side: Side,
    clock: &mut Option<SessionClock>,
    request: &Request,
    handle: &TransactionHandle,
) {
    let asked = match session_timer::requested(request) {
        Ok(asked) => asked,
        Err(_) => {
            respond(
                handle,
                StatusCode::SessionIntervalTooSmall,
                session_timer::too_small(),
                None,
            )
            .await;
            return;
        }
    };
    let body = if request.body.is_empty() {
        // A re-INVITE without SDP asks for our offer; an UPDATE without one changes nothing
        // but the timer.
        (request.method == Method::Invite).then(|| media.current_sdp(side))
    } else {
        match media.answer_reoffer(side, &request.body) {
            Ok(answer) => Some(answer),
            Err(e) => {
                tracing::info!(error = %e, ?side, "in-dialog offer refused");
                let status = match e {
                    MediaError::BadSdp(_) => StatusCode::BadRequest,
                    _ => StatusCode::NotAcceptableHere,
                };
                respond(handle, status, vec![], None).await;
                return;
            }
        }
    };
    let mut headers = Vec::new();
    if let Some(asked) = asked {
        headers.extend(session_timer::answer(request, asked));
        *clock = Some(SessionClock::answered(asked));
    } else if let Some(clock) = clock {
        clock.refreshed();
    }
    if body.is_some() {
        headers.push(headers::sdp_content_type());
    }
    respond(handle, StatusCode::OK, headers, body).await;
}

async fn respond(
    handle: &TransactionHandle,
    status: StatusCode,
    headers: Vec<Header>,
    body: Option<Vec<u8>>,
) {
    let headers = (!headers.is_empty()).then_some(headers);
    if handle.respond(status, headers, body).await.is_err() {
        tracing::debug!("in-dialog request ended before its answer");
    }
}
