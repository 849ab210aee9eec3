//! REGISTER: operators' phones authenticate with digest and leave a binding.
//!
//! No credentials → 401 with a challenge (MD5; SHA-256 too when configured); wrong credentials → 403;
//! an address that failed too often lately → 403 without a look at the credentials.

use crate::digest::{Algorithm, Credentials};
use crate::headers::{self, name_addr, uri_user};
use crate::location::Binding;
use crate::telephony::Telephony;
use centrale_core::throttle::Key;
use rsipstack::sip::{Header, StatusCode, headers::make_header};
use rsipstack::transaction::transaction::Transaction;
use std::time::{Duration, Instant};

/// Registration lifetimes accepted, in seconds.
const MIN_EXPIRES: u64 = 60;
const MAX_EXPIRES: u64 = 3600;

/// Answers one REGISTER.
pub async fn handle(telephony: &Telephony, tx: &mut Transaction) {
    let (status, extra) = decide(telephony, &tx.original).await;
    telephony.metrics.response(status.code());
    if let Err(e) = tx.reply_with(status, extra, None).await {
        tracing::debug!(error = %e, "REGISTER reply not sent");
    }
}

async fn decide(
    telephony: &Telephony,
    request: &rsipstack::sip::Request,
) -> (StatusCode, Vec<Header>) {
    let Some(source) = headers::source(request) else {
        return (StatusCode::BadRequest, vec![]);
    };
    let Some(credentials) = headers::value(request, "Authorization").and_then(Credentials::parse)
    else {
        return challenge(telephony, false);
    };
    let keys = [
        Key::Source(source.ip()),
        Key::account(&credentials.username),
    ];
    let now = Instant::now();
    let Ok(attempt) = telephony.throttle.begin(&keys, now) else {
        return (
            StatusCode::Forbidden,
            vec![reason("too many failed attempts; try again later")],
        );
    };
    if let Err(stale) = telephony.nonces.check(&credentials.nonce) {
        if stale {
            // An expired nonce is no guess: challenge again without counting it.
            telephony.throttle.succeeded(attempt);
            return challenge(telephony, true);
        }
        return (StatusCode::Forbidden, vec![reason("unknown nonce")]);
    }
    let aor_user = headers::value(request, "To")
        .and_then(|to| uri_user(name_addr(to).1))
        .unwrap_or_default();
    let account = telephony.store.sip_credentials(&credentials.username).await;
    let verified = match (&account, credentials.algorithm()) {
        (Ok((_, stored)), Some(algorithm))
            if credentials.realm == stored.realm && credentials.username == aor_user =>
        {
            let ha1 = match algorithm {
                Algorithm::Md5 => &stored.ha1_md5,
                Algorithm::Sha256 => &stored.ha1_sha256,
            };
            credentials.verify(ha1, "REGISTER")
        }
        _ => false,
    };
    let Some((staff, _)) = account.ok().filter(|_| verified) else {
        tracing::info!(user = %credentials.username, %source, "SIP registration refused");
        return (
            StatusCode::Forbidden,
            vec![reason("wrong SIP username or password")],
        );
    };
    telephony.throttle.succeeded(attempt);

    let contact_header = headers::value(request, "Contact").unwrap_or_default();
    let contact = name_addr(contact_header).1.to_owned();
    let expires = requested_expires(request, contact_header);
    let changed = if expires == 0 || contact_header.trim() == "*" {
        telephony.location.unbind(staff.id).then_some(false)
    } else {
        let binding = Binding {
            operator: staff.id,
            username: credentials.username.clone(),
            contact: contact.clone(),
            source,
            expires: now + Duration::from_secs(expires),
        };
        telephony.location.bind(binding).then_some(true)
    };
    if let Some(registered) = changed {
        tracing::info!(user = %credentials.username, %source, registered, "SIP registration changed");
        telephony.board.set_registered(staff.id, registered);
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

fn challenge(telephony: &Telephony, stale: bool) -> (StatusCode, Vec<Header>) {
    let headers = telephony
        .nonces
        .challenges(
            &telephony.config.realm,
            stale,
            telephony.config.digest_sha256,
        )
        .into_iter()
        .map(|c| make_header("WWW-Authenticate", c))
        .collect();
    (StatusCode::Unauthorized, headers)
}

fn reason(text: &str) -> Header {
    make_header("Warning", format!("399 centrale \"{text}\""))
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
