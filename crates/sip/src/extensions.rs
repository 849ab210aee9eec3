//! The SIP extensions (option tags, RFC 3261 §19.2) Centrale supports: `100rel` (reliable
//! provisional responses, RFC 3262, in `call::reliable`) and `timer` (session timers, RFC 4028,
//! in [`crate::session_timer`]). A request requiring any other tag gets 420 naming it.

use crate::headers;
use rsipstack::sip::headers::make_header;
use rsipstack::sip::{Header, Request};

/// The extensions Centrale supports, for `Supported` and against a request's `Require`.
pub const SUPPORTED: &[&str] = &["100rel", "timer"];

/// Our `Supported` header, on our answers.
pub fn supported() -> Header {
    make_header("Supported", SUPPORTED.join(", "))
}

/// Our `Supported` header on requests we send (an INVITE to a phone, a refresh): `timer` only,
/// since as the requester Centrale does not PRACK, so it must not invite reliable provisionals.
pub fn supported_on_requests() -> Header {
    make_header("Supported", "timer".into())
}

/// The option tags a request requires that Centrale does not support (RFC 3261 §8.2.2.3:
/// answered 420 with `Unsupported` naming them).
pub fn unsupported(request: &Request) -> Vec<String> {
    headers::tags(request, "Require")
        .filter(|tag| !SUPPORTED.iter().any(|ours| ours.eq_ignore_ascii_case(tag)))
        .map(str::to_owned)
        .collect()
}

/// Whether the request's `Supported` or `Require` names `tag` (in full or compact form).
pub fn named(request: &Request, tag: &str) -> bool {
    ["Supported", "Require"]
        .into_iter()
        .any(|name| headers::tags(request, name).any(|named| named.eq_ignore_ascii_case(tag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::headers::test_invite as request;

    #[test]
    fn required_extensions_we_lack_are_named() {
        let offer = "Content-Type: application/sdp\r\n";
        let with_offer = |extra: &str| {
            let mut invite = request(&format!("{extra}{offer}"));
            invite.body = b"v=0\r\n".to_vec();
            invite
        };
        assert_eq!(
            unsupported(&with_offer("Require: timer, 100rel\r\nRequire: foo\r\n")),
            ["foo"]
        );
        assert!(unsupported(&with_offer("Require: timer, 100REL\r\n")).is_empty());
        assert!(unsupported(&request("")).is_empty());
        // Without an offer too: our reliable 183 then carries ours.
        assert!(unsupported(&request("Require: 100rel\r\n")).is_empty());
        assert!(unsupported(&request("Supported: 100rel\r\n")).is_empty());
    }

    #[test]
    fn a_tag_is_named_in_supported_or_require_also_in_compact_form() {
        assert!(named(&request("Supported: 100rel\r\n"), "100rel"));
        assert!(named(&request("k: timer, 100rel\r\n"), "100rel"));
        assert!(named(&request("Require: 100rel\r\n"), "100rel"));
        assert!(!named(&request("Supported: timer\r\n"), "100rel"));
    }
}
