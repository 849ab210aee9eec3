//! Requests with a method Centrale does not know get `501 Not Implemented` (RFC 3261 §8.2.1).
//!
//! rsipstack's parser knows a fixed set of methods and its UDP loop drops, without a word,
//! any datagram it cannot parse, so a request such as `FOO` or `PING` would be left to
//! time out at the sender. [`ScreenedSocket`] wraps the SIP UDP socket the stack reads
//! from: it answers such a request itself, to the socket it came from, and hands every
//! other datagram on untouched.

use crate::telephony::ALLOWED_METHODS;
use rsipstack::sip::Method;
use std::net::SocketAddr;
use tokio::net::UdpSocket;

/// The UDP socket as rsipstack sees it, with requests of unknown methods answered here.
pub struct ScreenedSocket(pub UdpSocket);

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for ScreenedSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, source) = self.0.recv_from(buf).await?;
            match not_implemented(&buf[..len]) {
                Some(answer) => {
                    tracing::info!(%source, "501 to a request of an unknown method");
                    self.0.send_to(answer.as_bytes(), source).await.ok();
                }
                None => return Ok((len, source)),
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.0.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.0.local_addr()?)
    }
}

/// The 501 for `message` when it is a request whose method is a token Centrale does not
/// know; `None` for anything else (responses, known methods, malformed text, a request
/// without the headers a response must copy), which goes on to the stack.
pub fn not_implemented(message: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(message).ok()?;
    let head = text.split("\r\n\r\n").next()?;
    let lines = unfolded(head);
    let (request_line, headers) = lines.split_first()?;
    let mut parts = request_line.split(' ');
    let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = parts.next().is_none()
        && !uri.is_empty()
        && version == "SIP/2.0"
        && !method.is_empty()
        && method.bytes().all(is_token_char);
    if !well_formed || method.parse::<Method>().is_ok() {
        return None;
    }
    let mut vias = Vec::new();
    let (mut from, mut to, mut call_id, mut cseq) = (None, None, None, None);
    for line in headers {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "via" | "v" => vias.push(value),
            "from" | "f" => from = Some(value),
            "to" | "t" => to = Some(value),
            "call-id" | "i" => call_id = Some(value),
            "cseq" => cseq = Some(value),
            _ => {}
        }
    }
    if vias.is_empty() {
        return None;
    }
    let (from, to, call_id, cseq) = (from?, to?, call_id?, cseq?);
    let to = if has_tag(to) {
        to.to_owned()
    } else {
        format!("{to};tag={}", rand::random::<u32>())
    };
    let mut answer = String::from("SIP/2.0 501 Not Implemented\r\n");
    for via in vias {
        answer.push_str(&format!("Via: {via}\r\n"));
    }
    answer.push_str(&format!(
        "From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n\
         Allow: {ALLOWED_METHODS}\r\nServer: Centrale\r\nContent-Length: 0\r\n\r\n"
    ));
    Some(answer)
}

/// The header block's lines with folded continuations (lines starting with white space)
/// joined to the line they continue.
fn unfolded(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

/// Whether a To header value (name-addr or addr-spec) carries a `tag` parameter outside
/// its URI.
fn has_tag(to: &str) -> bool {
    let params = match to.rfind('>') {
        Some(end) => &to[end + 1..],
        None => to.split_once(';').map_or("", |(_, params)| params),
    };
    params
        .split(';')
        .any(|param| param.trim().to_ascii_lowercase().starts_with("tag="))
}

/// RFC 3261 §25.1 `token` characters.
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: &str = "PING sip:centrale@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
        v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0\r\n\
        f: <sip:peer@127.0.0.1>;tag=abc\r\n\
        To: <sip:centrale@127.0.0.1>\r\n\
        i: ping-1\r\n\
        CSeq: 7\r\n PING\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn an_unknown_method_is_answered_501_with_the_request_s_headers_copied() {
        let answer = not_implemented(PING.as_bytes()).unwrap();
        let lines: Vec<&str> = answer.split("\r\n").collect();
        assert_eq!(lines[0], "SIP/2.0 501 Not Implemented");
        assert_eq!(lines[1], "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1");
        assert_eq!(lines[2], "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0");
        assert_eq!(lines[3], "From: <sip:peer@127.0.0.1>;tag=abc");
        assert!(
            lines[4].starts_with("To: <sip:centrale@127.0.0.1>;tag="),
            "{answer}"
        );
        assert_eq!(lines[5], "Call-ID: ping-1");
        assert_eq!(lines[6], "CSeq: 7 PING");
        assert!(answer.contains(&format!("Allow: {ALLOWED_METHODS}\r\n")));
        assert!(answer.ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn a_to_tag_already_there_is_kept() {
        let tagged = PING.replace(
            "To: <sip:centrale@127.0.0.1>",
            "To: <sip:centrale@127.0.0.1;x=1>;tag=ours",
        );
        let answer = not_implemented(tagged.as_bytes()).unwrap();
        assert!(answer.contains("\r\nTo: <sip:centrale@127.0.0.1;x=1>;tag=ours\r\n"));
    }

    #[test]
    fn known_methods_responses_and_garbage_go_on_to_the_stack() {
        for message in [
            PING.replacen("PING", "OPTIONS", 1),
            PING.replacen("PING", "invite", 1),
            "SIP/2.0 200 OK\r\nVia: x\r\n\r\n".to_owned(),
            PING.replacen("PING", "P(NG", 1),
            PING.replacen("SIP/2.0", "SIP/3.0", 1),
            PING.replace("i: ping-1\r\n", ""),
            PING.replace("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0\r\n", ""),
            "\u{0}\u{1}PING".to_owned(),
        ] {
            assert_eq!(not_implemented(message.as_bytes()), None, "{message}");
        }
        assert_eq!(not_implemented(&[0xff, 0xfe, b' ']), None);
    }
}
