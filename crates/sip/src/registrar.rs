//! REGISTER: operators' phones authenticate with digest (`auth`) and leave a binding.
//!
//! The binding is the flow the REGISTER came on (`peer`: the socket's address and transport),
//! so calls reach the phone behind its NAT and never go to a host a Contact names.

use crate::auth::{self, Asker};
use crate::headers::{self, name_addr, uri_user};
use crate::location::Binding;
use crate::peer::Peer;
use crate::telephony::Telephony;
use rsipstack::sip::{Header, StatusCode, headers::make_header};
use rsipstack::transaction::transaction::Transaction;
use std::time::{Duration, Instant};

/// Registration lifetimes accepted, in seconds.
const MIN_EXPIRES: u64 = 60;
const MAX_EXPIRES: u64 = 3600;

/// Answers one REGISTER.
pub async fn handle(telephony: &Telephony, tx: &mut Transaction) {
    let (status, extra) = match Peer::of(tx) {
        Some(peer) => decide(telephony, &tx.original, peer).await,
        // Every transaction the transport hands over knows its peer; without one, say so.
        None => (
            StatusCode::ServerInternalError,
            vec![headers::warning("no transport address")],
        ),
    };
    crate::reply::reply_with(&telephony.calls.metrics, tx, status, extra).await;
}

async fn decide(
    telephony: &Telephony,
    request: &rsipstack::sip::Request,
    peer: Peer,
) -> (StatusCode, Vec<Header>) {
    // Only the credentials of the address-of-record's own user count.
    let aor_user = headers::value(request, "To")
        .and_then(|to| uri_user(name_addr(to).1))
        .unwrap_or_default();
    let staff = match auth::check(telephony, request, peer, Asker::Registrar, Some(aor_user)).await
    {
        Ok(staff) => staff,
        Err(refusal) => return (refusal.status, refusal.headers),
    };

    let contact_header = headers::value(request, "Contact").unwrap_or_default();
    let contact = name_addr(contact_header).1.to_owned();
    let expires = requested_expires(request, contact_header);
    let changed = if expires == 0 || contact_header.trim() == "*" {
        telephony.calls.location.unbind(staff.id).then_some(false)
    } else {
        let binding = Binding {
            operator: staff.id,
            username: aor_user.to_owned(),
            contact: contact.clone(),
            source: peer,
            expires: Instant::now() + Duration::from_secs(expires),
        };
        telephony.calls.location.bind(binding).then_some(true)
    };
    if let Some(registered) = changed {
        tracing::info!(user = aor_user, %peer, registered, "SIP registration changed");
        telephony.calls.board.set_registered(staff.id, registered);
    }
    let mut extra = vec![make_header("Expires", expires.to_string())];
    if expires > 0 && !contact.is_empty() {
        extra.push(make_header(
            "Contact",
            format!("<{contact}>;expires={expires}"),
        ));
    }
    (StatusCode::OK, extra)
}

/// The lifetime asked for: the Contact's `expires` parameter, else the Expires header,
/// else an hour; bounded to [MIN_EXPIRES, MAX_EXPIRES] except 0 (unregister).
fn requested_expires(request: &rsipstack::sip::Request, contact: &str) -> u64 {
    let from_contact = contact
        .split(';')
        .skip(1)
        .find_map(|p| p.trim().strip_prefix("expires="))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let from_header = headers::value(request, "Expires").and_then(|v| v.trim().parse::<u64>().ok());
    match from_contact.or(from_header).unwrap_or(MAX_EXPIRES) {
        0 => 0,
        asked => asked.clamp(MIN_EXPIRES, MAX_EXPIRES),
    }
}
