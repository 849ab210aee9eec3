//! Reading what a request says (header values, numbers in URIs) and writing text of ours into
//! one safely (display names, warnings). Never where a request came from: that is the
//! transport's word (`peer`), a header is the sender's.

use centrale_core::PhoneNumber;
use centrale_core::calls::CallerId;
use rsipstack::sip::{HasHeaders, Header, Request, headers::make_header};

/// All values of the headers named `name` (case-insensitive), in order.
pub fn values<'a>(message: &'a impl HasHeaders, name: &str) -> Vec<&'a str> {
    message
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case(name))
        .map(|h| h.value())
        .collect()
}

/// The option tags listed in every header named `name` (`Require`, `Supported`: comma
/// separated, in order).
pub fn tags<'a>(message: &'a impl HasHeaders, name: &str) -> impl Iterator<Item = &'a str> {
    values(message, name)
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
}

/// The `Content-Type` of an SDP body of ours.
pub fn sdp_content_type() -> Header {
    make_header("Content-Type", "application/sdp".into())
}

/// The first value of a header.
pub fn value<'a>(message: &'a impl HasHeaders, name: &str) -> Option<&'a str> {
    values(message, name).into_iter().next()
}

/// A name-addr or addr-spec split into display name and URI: `"Jan" <sip:+316@x>;tag=1`.
pub fn name_addr(text: &str) -> (Option<String>, &str) {
    let text = text.trim();
    match (text.find('<'), text.find('>')) {
        (Some(open), Some(close)) if open < close => {
            let name = text[..open].trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_owned()),
                &text[open + 1..close],
            )
        }
        _ => (None, text.split(';').next().unwrap_or(text)),
    }
}

/// The user part of a `sip:`, `sips:` or `tel:` URI, without parameters.
pub fn uri_user(uri: &str) -> Option<&str> {
    let rest = uri.trim();
    let rest = ["sip:", "sips:", "tel:"].iter().find_map(|scheme| {
        rest.get(..scheme.len())
            .filter(|p| p.eq_ignore_ascii_case(scheme))
            .map(|_| &rest[scheme.len()..])
    })?;
    let user = match rest.split_once('@') {
        Some((user, _)) => user,
        None if uri.trim_start().to_ascii_lowercase().starts_with("tel:") => rest,
        None => return None,
    };
    let user = user.split(';').next().unwrap_or(user);
    (!user.is_empty()).then_some(user)
}

/// The forwarding number dialled: the Request-URI user, else the To URI user.
pub fn dialled(request: &Request) -> Option<PhoneNumber> {
    let from_uri = request.uri.auth.as_ref().map(|a| a.user.clone());
    let candidates = from_uri.into_iter().chain(
        value(request, "To")
            .and_then(|to| uri_user(name_addr(to).1))
            .map(str::to_owned),
    );
    candidates
        .into_iter()
        .find_map(|user| PhoneNumber::parse(&user).ok())
}

/// The number the caller dialled before the client forwarded: the first `Diversion` entry
/// (the original called party), else the first `History-Info` entry (index 1).
pub fn original_called(request: &Request) -> Option<String> {
    let diversion = values(request, "Diversion")
        .into_iter()
        .flat_map(|v| split_list(v))
        .next_back()
        .and_then(|entry| uri_user(name_addr(entry).1).map(str::to_owned));
    let history = || {
        let mut entries: Vec<(String, String)> = values(request, "History-Info")
            .into_iter()
            .flat_map(|v| split_list(v))
            .filter_map(|entry| {
                let index = entry
                    .split(';')
                    .find_map(|p| p.trim().strip_prefix("index="))
                    .unwrap_or("1")
                    .to_owned();
                uri_user(name_addr(entry).1).map(|user| (index, user.to_owned()))
            })
            .collect();
        entries.sort();
        entries.into_iter().next().map(|(_, user)| user)
    };
    diversion
        .or_else(history)
        .map(|user| PhoneNumber::parse(&user).map_or(user, |n| n.to_string()))
}

/// Who is calling: `P-Asserted-Identity` (a trunk's word) else `From`; anonymous stays empty.
pub fn caller(request: &Request) -> CallerId {
    let header = value(request, "P-Asserted-Identity")
        .or_else(|| value(request, "From"))
        .unwrap_or_default();
    let (name, uri) = name_addr(header);
    let anonymous = uri.to_ascii_lowercase().contains("anonymous")
        || value(request, "Privacy").is_some_and(|p| p.to_ascii_lowercase().contains("id"));
    if anonymous {
        return CallerId {
            number: None,
            name: name.filter(|n| !n.eq_ignore_ascii_case("anonymous")),
        };
    }
    CallerId {
        number: uri_user(uri).and_then(|user| PhoneNumber::parse(user).ok()),
        name,
    }
}

/// `text` as the inside of a quoted-string (RFC 3261 §25.1), for a display name or a warning:
/// control characters (CR, LF, NUL, …) are dropped, so the text cannot end its header and
/// start another; `"` and `\` are escaped, so it cannot end its quotes. Whitespace runs left
/// by dropped line breaks become one space. `<` and `>` become `‹` and `›`: legal inside the
/// quotes, but rsipstack's own parser (and many a phone's) ends a display name at the first `<`.
pub fn quoted_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push('‹'),
            '>' => out.push('›'),
            c if c.is_control() || c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

/// A `Warning` of ours (code 399, RFC 3261 §20.43) with `text` quoted.
pub fn warning(text: &str) -> Header {
    make_header("Warning", format!("399 centrale \"{}\"", quoted_text(text)))
}

/// Splits a comma-separated header value, ignoring commas inside quotes or angle brackets.
fn split_list(value: &str) -> Vec<&str> {
    let (mut parts, mut start, mut depth, mut quoted) = (Vec::new(), 0, 0i32, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => depth += 1,
            '>' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// An INVITE from the carrier to the bakery's number with `extra` header lines (each ending
/// in CRLF) and no body, for unit tests of what a request says.
#[cfg(test)]
pub(crate) fn test_invite(extra: &str) -> Request {
    let text = format!(
        "INVITE sip:+31852001001@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
         From: <sip:+31612345678@127.0.0.1>;tag=1\r\n\
         To: <sip:+31852001001@127.0.0.1>\r\n\
         Call-ID: st@test\r\nCSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
    );
    Request::try_from(text.as_str()).expect("a valid request")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lines: &[&str]) -> Request {
        let mut text = String::from("INVITE sip:0852001001@127.0.0.1 SIP/2.0\r\n");
        text.push_str(
            "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1;received=192.0.2.99;rport=5071\r\n",
        );
        text.push_str("To: <sip:+31852001001@127.0.0.1>\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n");
        for line in lines {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        Request::try_from(text.as_str()).expect("test request parses")
    }

    /// RFC 3261 §7.3.3 compact forms and `tel:` URIs (RFC 3966), as some trunks send them.
    #[test]
    fn compact_headers_and_tel_uris_are_read_like_the_long_forms() {
        let text = "INVITE tel:+31852001001 SIP/2.0\r\n\
                    v: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1\r\n\
                    f: \"Jan\" <tel:+31612345678>;tag=1\r\n\
                    t: <tel:+31852001001;phone-context=+31>\r\n\
                    i: compact-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n\
                    m: <sip:+31612345678@192.0.2.10:5070>\r\n\
                    k: 100rel, timer\r\nc: application/sdp\r\nl: 0\r\n\r\n";
        let invite = Request::try_from(text).expect("a compact INVITE parses");
        assert_eq!(
            dialled(&invite).map(|n| n.to_string()),
            Some("+31852001001".to_owned())
        );
        let caller = caller(&invite);
        assert_eq!(
            caller.number.map(|n| n.to_string()),
            Some("+31612345678".to_owned())
        );
        assert_eq!(caller.name.as_deref(), Some("Jan"));
        assert_eq!(
            tags(&invite, "Supported").collect::<Vec<_>>(),
            ["100rel", "timer"]
        );
        assert_eq!(value(&invite, "Content-Type"), Some("application/sdp"));
        assert_eq!(value(&invite, "Call-ID"), Some("compact-1"));
        assert_eq!(value(&invite, "Content-Length"), Some("0"));
    }

    #[test]
    fn the_dialled_number_comes_from_the_request_uri_in_any_spelling() {
        let req = request(&["From: <sip:+31612345678@carrier>;tag=1"]);
        assert_eq!(dialled(&req).unwrap().as_str(), "+31852001001");
    }

    #[test]
    fn the_original_number_comes_from_diversion_or_history_info() {
        let diverted = request(&[
            "From: <sip:+31612345678@c>;tag=1",
            "Diversion: <sip:+31201234567@carrier>;reason=unconditional",
        ]);
        assert_eq!(original_called(&diverted).as_deref(), Some("+31201234567"));
        let history = request(&[
            "From: <sip:+31612345678@c>;tag=1",
            "History-Info: <sip:020-1234567@carrier>;index=1, <sip:+31852001001@centrale>;index=1.1",
        ]);
        assert_eq!(original_called(&history).as_deref(), Some("+31201234567"));
        assert_eq!(original_called(&request(&["From: <sip:a@b>;tag=1"])), None);
    }

    #[test]
    fn the_caller_comes_from_pai_then_from_and_anonymous_stays_anonymous() {
        let pai = request(&[
            "From: <sip:+31000000000@c>;tag=1",
            "P-Asserted-Identity: \"Jan Jansen\" <sip:+31612345678@carrier>",
        ]);
        let caller_id = caller(&pai);
        assert_eq!(caller_id.number.unwrap().as_str(), "+31612345678");
        assert_eq!(caller_id.name.as_deref(), Some("Jan Jansen"));
        let anonymous = request(&[
            "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1",
            "Privacy: id",
        ]);
        assert_eq!(caller(&anonymous), CallerId::default());
        let junk = request(&["From: garbage;tag=1"]);
        assert_eq!(caller(&junk).number, None);
    }

    #[test]
    fn names_we_send_cannot_inject_headers_or_end_their_quotes() {
        let name = "Bakkerij \"De Korf\" \\ <Zn>\r\nX-Injected: yes\r\n\0Via: SIP/2.0/UDP evil\t";
        let quoted = quoted_text(name);
        assert_eq!(
            quoted,
            r#"Bakkerij \"De Korf\" \\ ‹Zn› X-Injected: yes Via: SIP/2.0/UDP evil"#
        );
        // What rsipstack makes of it in the INVITE to the operator's phone.
        let from = rsipstack::sip::typed::From {
            display_name: Some(quoted),
            uri: rsipstack::sip::Uri::try_from("sip:+31612345678@127.0.0.1").unwrap(),
            params: vec![],
        };
        let header = from.to_string();
        let inner = header
            .strip_prefix('"')
            .and_then(|h| h.strip_suffix("\" <sip:+31612345678@127.0.0.1>"))
            .unwrap_or_else(|| panic!("one quoted-string, then the URI: {header}"));
        let mut escaped = false;
        for c in inner.chars() {
            assert!(!c.is_control(), "{header}");
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => panic!("an unescaped quote ends the name early: {header}"),
                _ => {}
            }
        }
        assert!(!escaped, "{header}");
        let request = request(&[&format!("From: {header};tag=1")]);
        assert_eq!(values(&request, "From").len(), 1);
        assert!(values(&request, "X-Injected").is_empty());
        assert_eq!(values(&request, "Via").len(), 1);
        let from = value(&request, "From").unwrap();
        assert_eq!(name_addr(from).1, "sip:+31612345678@127.0.0.1");
        use rsipstack::sip::{HeadersExt as _, ToTypedHeader as _};
        let typed = request.from_header().unwrap().typed().unwrap();
        assert_eq!(typed.uri.to_string(), "sip:+31612345678@127.0.0.1");
    }

    #[test]
    fn warnings_are_quoted_too() {
        let warning = warning("bad \"SDP\"\r\nX-Injected: 1");
        assert_eq!(
            warning.value(),
            r#"399 centrale "bad \"SDP\" X-Injected: 1""#
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A header value as it could arrive: any printable text, no line breaks.
        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                "[^\\r\\n]{0,60}",
                "\"?[a-zA-Z ]{0,8}\"? ?<?(sips?|tel|SIP|x):[+0-9a-z@.;=<>,\"-]{0,30}>?(;[a-z]+=[0-9a-z.]*){0,3}",
            ]
        }

        proptest! {
            #[test]
            fn the_string_helpers_never_panic(text in any::<String>()) {
                let (_, uri) = name_addr(&text);
                let _ = uri_user(uri);
                let _ = uri_user(&text);
                for part in split_list(&text) {
                    let _ = uri_user(name_addr(part).1);
                }
            }

            #[test]
            fn reading_any_request_never_panics(
                from in value(),
                pai in proptest::option::of(value()),
                diversion in proptest::option::of(value()),
                history in proptest::option::of(value()),
                privacy in proptest::option::of(value()),
            ) {
                let mut lines = vec![format!("From: {from}")];
                lines.extend(pai.map(|v| format!("P-Asserted-Identity: {v}")));
                lines.extend(diversion.map(|v| format!("Diversion: {v}")));
                lines.extend(history.map(|v| format!("History-Info: {v}")));
                lines.extend(privacy.map(|v| format!("Privacy: {v}")));
                let mut text = String::from("INVITE sip:0852001001@127.0.0.1 SIP/2.0\r\n");
                text.push_str("Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1\r\n");
                text.push_str("To: <sip:+31852001001@127.0.0.1>\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n");
                for line in &lines {
                    text.push_str(line);
                    text.push_str("\r\n");
                }
                text.push_str("Content-Length: 0\r\n\r\n");
                if let Ok(request) = Request::try_from(text.as_str()) {
                    let _ = caller(&request);
                    let _ = original_called(&request);
                    let _ = dialled(&request);
                }
            }

            #[test]
            fn reading_any_bytes_as_a_request_never_panics(
                bytes in proptest::collection::vec(any::<u8>(), 0..600)
            ) {
                crate::fuzzing::read_datagram(&bytes);
                crate::fuzzing::read_stream(&bytes);
            }
        }
    }
}
