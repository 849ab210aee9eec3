//! The one digest check for every request that must prove who sent it: REGISTER (401,
//! `WWW-Authenticate` → `Authorization`) and an INVITE from outside the trunks (407,
//! `Proxy-Authenticate` → `Proxy-Authorization`). Both answer alike, so a phone learns nothing
//! from which one it tries.
//!
//! In order: an address that failed too often lately is refused before anything (403); no
//! credentials → a challenge; a nonce we never made → 403; a nonce of ours that expired, was made
//! for another address, or comes with a nonce count already used → a new challenge with
//! `stale=true` (a phone retries on its own; a replayed capture gets nothing it can answer);
//! credentials without `qop=auth`, for another Request-URI, realm or user, or not matching the
//! password → 403. Each of those 403s counts as a failure of the address and of the account
//! (`core::throttle`); stale ones do not.

use crate::digest::{Algorithm, Credentials};
use crate::headers;
use crate::nonce::Nonce;
use crate::peer::Peer;
use crate::telephony::Telephony;
use centrale_core::Staff;
use centrale_core::throttle::Key;
use rsipstack::sip::{Header, Request, StatusCode, Uri, headers::make_header};
use std::time::Instant;

/// Who asks for credentials, and so which headers carry them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asker {
    /// The registrar: 401 and `WWW-Authenticate` (RFC 3261 §22.2).
    Registrar,
    /// The proxy role for INVITEs: 407 and `Proxy-Authenticate` (RFC 3261 §22.3).
    Proxy,
}

impl Asker {
    fn credentials_header(self) -> &'static str {
        match self {
            Self::Registrar => "Authorization",
            Self::Proxy => "Proxy-Authorization",
        }
    }

    fn challenge(self) -> (StatusCode, &'static str) {
        match self {
            Self::Registrar => (StatusCode::Unauthorized, "WWW-Authenticate"),
            Self::Proxy => (
                StatusCode::ProxyAuthenticationRequired,
                "Proxy-Authenticate",
            ),
        }
    }
}

/// Not proven: the response to send.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub headers: Vec<Header>,
}

/// What the credentials turned out to be.
enum Judged {
    Known(Staff),
    Stale,
    Wrong(&'static str),
    /// The credentials could not be read (the database is down): no verdict.
    Unavailable,
}

/// Who may place a call: a carrier's trunk peer (its source address is returned) or one of
/// our operators, proving it by digest.
pub async fn authorize_invite(
    telephony: &Telephony,
    request: &Request,
    peer: Peer,
) -> Result<Option<std::net::IpAddr>, Refusal> {
    let ip = peer.ip();
    if telephony
        .config
        .trunks
        .iter()
        .any(|block| block.contains(ip))
    {
        return Ok(Some(ip));
    }
    check(telephony, request, peer, Asker::Proxy, None).await?;
    Ok(None)
}

/// Checks the credentials of `request` from `peer`. `user`, when given, is the only SIP user
/// whose credentials count (the registrar's address of record).
pub async fn check(
    telephony: &Telephony,
    request: &Request,
    peer: Peer,
    asker: Asker,
    user: Option<&str>,
) -> Result<Staff, Refusal> {
    let (ip, now) = (peer.ip(), Instant::now());
    let too_many = || forbidden("too many failed attempts; try again later");
    if telephony.throttle.is_blocked(&Key::Source(ip), now) {
        return Err(too_many());
    }
    let Some(credentials) =
        headers::value(request, asker.credentials_header()).and_then(Credentials::parse)
    else {
        return Err(challenge(telephony, asker, peer, false));
    };
    // Counted against the address and the account before anything is checked: concurrent
    // guesses cannot all get a verdict.
    let keys = [Key::Source(ip), Key::account(&credentials.username)];
    let attempt = telephony
        .throttle
        .begin(&keys, now)
        .map_err(|_| too_many())?;
    match judge(telephony, request, peer, &credentials, user).await {
        Judged::Known(staff) => {
            telephony.throttle.succeeded(attempt);
            Ok(staff)
        }
        Judged::Stale => {
            // Not a guess: a phone re-answering a fresh challenge must not be counted (nor
            // trusted: its password was not checked).
            telephony.throttle.no_verdict(attempt);
            Err(challenge(telephony, asker, peer, true))
        }
        Judged::Unavailable => {
            // Not a guess either, nor a proof; the phone tries again a little later.
            telephony.throttle.no_verdict(attempt);
            Err(Refusal {
                status: StatusCode::ServiceUnavailable,
                headers: vec![
                    headers::warning("credentials cannot be checked now"),
                    make_header("Retry-After", UNAVAILABLE_RETRY_SECS.to_string()),
                ],
            })
        }
        Judged::Wrong(why) => {
            // The attempt stays counted.
            drop(attempt);
            tracing::info!(user = %credentials.username, %peer, why, method = %request.method, "digest refused");
            Err(forbidden(why))
        }
    }
}

async fn judge(
    telephony: &Telephony,
    request: &Request,
    peer: Peer,
    credentials: &Credentials,
    user: Option<&str>,
) -> Judged {
    const WRONG: &str = "wrong SIP username or password";
    let issued = match telephony.nonces.check(&credentials.nonce, peer.ip()) {
        Nonce::Fresh { issued } => issued,
        Nonce::Stale => return Judged::Stale,
        Nonce::Forged => return Judged::Wrong("unknown nonce"),
    };
    // Without a nonce count a replay cannot be told from a new request.
    let Some(nc) = credentials
        .nonce_count()
        .filter(|_| credentials.has_qop_auth())
    else {
        return Judged::Wrong("qop=auth required");
    };
    // The response covers `uri`, not the Request-URI: unless they are one, a captured answer
    // would authorise a request for anything else.
    if !same_uri(&credentials.uri, &request.uri) {
        return Judged::Wrong("digest uri is not the Request-URI");
    }
    if user.is_some_and(|user| user != credentials.username) {
        return Judged::Wrong(WRONG);
    }
    let known = &telephony.credentials;
    let (staff, stored) = match known
        .lookup(telephony.store.as_ref(), &credentials.username)
        .await
    {
        Ok(found) => found,
        Err(centrale_core::Error::NotFound(_)) => return Judged::Wrong(WRONG),
        Err(e) => {
            tracing::warn!(error = %e, "SIP credentials not read");
            return Judged::Unavailable;
        }
    };
    let ha1 = match credentials.algorithm() {
        Some(Algorithm::Md5) => &stored.ha1_md5,
        Some(Algorithm::Sha256) => &stored.ha1_sha256,
        None => return Judged::Wrong("unsupported digest algorithm"),
    };
    let method = request.method.to_string();
    if stored.realm != credentials.realm || !credentials.verify(ha1, &method) {
        return Judged::Wrong(WRONG);
    }
    // Only now may the count be used up: a wrong guess must not spend the phone's next count.
    if !telephony.nonces.count(&credentials.nonce, issued, nc) {
        tracing::info!(user = %credentials.username, %peer, nc, "nonce count used before: replay refused");
        return Judged::Stale;
    }
    Judged::Known(staff)
}

/// Whether the digest `uri` names the Request-URI: the same text, or the same URI once parsed
/// (a phone may spell the URI it signs as it likes).
fn same_uri(digest_uri: &str, request_uri: &Uri) -> bool {
    digest_uri == request_uri.to_string()
        || Uri::try_from(digest_uri).is_ok_and(|uri| &uri == request_uri)
}

fn challenge(telephony: &Telephony, asker: Asker, peer: Peer, stale: bool) -> Refusal {
    let (status, name) = asker.challenge();
    let headers = telephony
        .nonces
        .challenges(
            &telephony.config.realm,
            stale,
            telephony.config.digest_sha256,
            peer.ip(),
        )
        .into_iter()
        .map(|c| make_header(name, c))
        .collect();
    Refusal { status, headers }
}

/// Seconds a phone is asked to wait when its credentials cannot be read.
const UNAVAILABLE_RETRY_SECS: u32 = 5;

fn forbidden(why: &str) -> Refusal {
    Refusal {
        status: StatusCode::Forbidden,
        headers: vec![headers::warning(why)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_uri_must_be_the_request_uri() {
        let uri = Uri::try_from("sip:127.0.0.1:5060").unwrap();
        assert!(same_uri("sip:127.0.0.1:5060", &uri));
        assert!(!same_uri("sip:127.0.0.1:5061", &uri));
        assert!(!same_uri("sip:+31852001001@127.0.0.1:5060", &uri));
        assert!(!same_uri("", &uri));
        let number = Uri::try_from("sip:+31852001001@127.0.0.1:5060;user=phone").unwrap();
        assert!(same_uri(
            "sip:+31852001001@127.0.0.1:5060;user=phone",
            &number
        ));
        assert!(!same_uri(
            "sip:+31852001002@127.0.0.1:5060;user=phone",
            &number
        ));
    }
}
