//! RFC 4028 session timers, as far as a request asks for one: its `Session-Expires`
//! (compact `x`), checked against our `Min-SE`, and the headers our 2xx answers it with.
//!
//! Centrale leaves the refreshing to the peer that asked: when a request names no refresher,
//! our answer says `refresher=uac`, the requester. When it names us (`uas`), Centrale refreshes
//! with a re-INVITE every half interval; when the peer refreshes and stops, the session ends
//! before the interval runs out ([`SessionClock`]). On the phone's leg Centrale is the
//! requester: it says it supports timers, and a phone whose 2xx sets one ([`granted`]) gets the
//! same clock, Centrale refreshing unless the phone named itself.

use crate::{extensions, headers};
use rsipstack::sip::headers::make_header;
use rsipstack::sip::{Header, Request, Response};
use std::time::Duration;
use tokio::time::Instant;

/// The shortest session interval Centrale accepts (RFC 4028's minimum, 90 s): a refresh more
/// often would be load for nothing.
pub const MIN_SE_SECS: u32 = 90;

/// Who refreshes the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresher {
    Uac,
    Uas,
}

/// What a request's `Session-Expires` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionExpires {
    pub secs: u32,
    pub refresher: Option<Refresher>,
}

/// A `Session-Expires` below our `Min-SE`: answered 422 with [`too_small`]'s headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooSmall;

/// The session timer a request asks for, if any; an unreadable value counts as none (the
/// request is served without a timer rather than refused).
pub fn requested(request: &Request) -> Result<Option<SessionExpires>, TooSmall> {
    let Some(asked) = headers::value(request, "Session-Expires").and_then(parse) else {
        return Ok(None);
    };
    if asked.secs < MIN_SE_SECS {
        return Err(TooSmall);
    }
    Ok(Some(asked))
}

/// The session timer a phone's 2xx to our INVITE sets (RFC 4028 §7.4), if any: Centrale, the
/// requester, refreshes unless the phone named itself (`uas`).
pub fn granted(response: &Response) -> Option<SessionClock> {
    let granted = headers::value(response, "Session-Expires").and_then(parse)?;
    let ours = granted.refresher != Some(Refresher::Uas);
    Some(SessionClock::started(granted.secs, ours))
}

/// `1800;refresher=uac` → 1800 s, the requester refreshes.
fn parse(value: &str) -> Option<SessionExpires> {
    let mut parts = value.split(';');
    let secs = parts.next()?.trim().parse().ok()?;
    let refresher = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("refresher") {
            return None;
        }
        match value.trim().to_ascii_lowercase().as_str() {
            "uac" => Some(Refresher::Uac),
            "uas" => Some(Refresher::Uas),
            _ => None,
        }
    });
    Some(SessionExpires { secs, refresher })
}

/// The headers of a 422: our `Min-SE`.
pub fn too_small() -> Vec<Header> {
    vec![make_header("Min-SE", MIN_SE_SECS.to_string())]
}

/// The headers of our 2xx to a request that asked for `asked`: the interval and who refreshes
/// (as asked, else the requester), and `Require: timer` when the requester supports timers
/// (RFC 4028 §9).
pub fn answer(request: &Request, asked: SessionExpires) -> Vec<Header> {
    let refresher = match asked.refresher {
        Some(Refresher::Uas) => "uas",
        Some(Refresher::Uac) | None => "uac",
    };
    let mut headers = vec![make_header(
        "Session-Expires",
        format!("{};refresher={refresher}", asked.secs),
    )];
    if extensions::named(request, "timer") {
        headers.push(make_header("Require", "timer".into()));
    }
    headers
}

/// The session timer of a dialog as it runs: who refreshes and when the next refresh is due.
#[derive(Clone, Copy, Debug)]
pub struct SessionClock {
    interval: Duration,
    /// Centrale refreshes (it was named `uas` by the peer that asked).
    ours: bool,
    last: Instant,
}

impl SessionClock {
    /// The clock `asked` starts, on the dialog where Centrale answered the request.
    pub fn answered(asked: SessionExpires) -> Self {
        Self::started(asked.secs, asked.refresher == Some(Refresher::Uas))
    }

    fn started(secs: u32, ours: bool) -> Self {
        Self {
            interval: Duration::from_secs(secs.into()),
            ours,
            last: Instant::now(),
        }
    }

    /// Whether Centrale is the refresher.
    pub fn ours(&self) -> bool {
        self.ours
    }

    /// When something must happen: our refresh at half the interval, or, when the peer
    /// refreshes, the end of a session it stopped refreshing (RFC 4028 §10: the interval less
    /// a third of it, at most 32 s).
    pub fn due(&self) -> Instant {
        if self.ours {
            self.last + self.interval / 2
        } else {
            self.last + self.interval - (self.interval / 3).min(Duration::from_secs(32))
        }
    }

    /// The session was refreshed now, by either side.
    pub fn refreshed(&mut self) {
        self.last = Instant::now();
    }

    /// The `Session-Expires` of our own refresh.
    pub fn refresh_headers(&self) -> Vec<Header> {
        vec![
            make_header(
                "Session-Expires",
                format!("{};refresher=uac", self.interval.as_secs()),
            ),
            extensions::supported_on_requests(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::headers::test_invite as request;

    #[test]
    fn an_interval_and_its_refresher_are_read_also_in_compact_form() {
        let asked = requested(&request("Session-Expires: 1800;refresher=uas\r\n"));
        assert_eq!(
            asked,
            Ok(Some(SessionExpires {
                secs: 1800,
                refresher: Some(Refresher::Uas)
            }))
        );
        let compact = requested(&request("x: 600\r\n"));
        assert_eq!(
            compact,
            Ok(Some(SessionExpires {
                secs: 600,
                refresher: None
            }))
        );
        assert_eq!(requested(&request("")), Ok(None));
        assert_eq!(requested(&request("Session-Expires: soon\r\n")), Ok(None));
    }

    #[test]
    fn an_interval_below_min_se_is_too_small() {
        assert_eq!(
            requested(&request("Session-Expires: 60\r\n")),
            Err(TooSmall)
        );
        assert_eq!(
            requested(&request("Session-Expires: 90\r\n")).map(|a| a.map(|a| a.secs)),
            Ok(Some(90))
        );
    }

    #[test]
    fn the_answer_leaves_refreshing_to_the_requester_unless_it_named_us() {
        let text = |headers: Vec<Header>| {
            headers
                .iter()
                .map(|h| format!("{}: {}", h.name(), h.value()))
                .collect::<Vec<_>>()
        };
        let with_timer = request("Supported: timer, replaces\r\nSession-Expires: 1800\r\n");
        let asked = requested(&with_timer).unwrap().unwrap();
        assert_eq!(
            text(answer(&with_timer, asked)),
            ["Session-Expires: 1800;refresher=uac", "Require: timer"]
        );
        let without = request("Session-Expires: 1800;refresher=uas\r\n");
        let asked = requested(&without).unwrap().unwrap();
        assert_eq!(
            text(answer(&without, asked)),
            ["Session-Expires: 1800;refresher=uas"]
        );
    }

    #[test]
    fn a_phone_that_sets_a_timer_leaves_the_refreshing_to_centrale_unless_it_names_itself() {
        let ok = |extra: &str| {
            let text = format!(
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n\
                 From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: st@test\r\n\
                 CSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
            );
            Response::try_from(text.as_str()).expect("a valid response")
        };
        let ours = granted(&ok("Session-Expires: 90;refresher=uac\r\n")).unwrap();
        assert!(ours.ours());
        assert_eq!(ours.due() - ours.last, Duration::from_secs(45));
        let unnamed = granted(&ok("Session-Expires: 1800\r\n")).unwrap();
        assert!(unnamed.ours());
        let theirs = granted(&ok("Session-Expires: 90;refresher=uas\r\n")).unwrap();
        assert!(!theirs.ours());
        assert!(granted(&ok("")).is_none());
    }

    #[test]
    fn the_clock_is_due_at_half_the_interval_for_us_and_before_expiry_for_the_peer() {
        let ours = SessionClock::answered(SessionExpires {
            secs: 1800,
            refresher: Some(Refresher::Uas),
        });
        assert!(ours.ours());
        assert_eq!(ours.due() - ours.last, Duration::from_secs(900));
        let theirs = SessionClock::answered(SessionExpires {
            secs: 90,
            refresher: None,
        });
        assert!(!theirs.ours());
        assert_eq!(theirs.due() - theirs.last, Duration::from_secs(60));
    }
}
