//! What Centrale does with untrusted bytes, one entry point per fuzz target (`fuzz/`): a whole
//! SIP message as it arrives over UDP or TCP, a digest header, an SDP offer. Each reads its
//! input the way the edge does and checks what must hold whatever the input; it panics only
//! when such a property breaks, which is what the fuzzer looks for.

use bytes::BytesMut;
use rsipstack::sip::{Request, SipMessage};
use rsipstack::transport::stream::{SipCodec, SipCodecType};
use tokio_util::codec::Decoder;

use crate::digest::Credentials;
use crate::headers::{caller, dialled, name_addr, original_called, uri_user};
use crate::media::Codec;
use crate::media::sdp::{LocalAudio, parse_audio, write_audio};

/// A datagram as the UDP transport hands it on: one message or nothing.
pub fn read_datagram(bytes: &[u8]) {
    if let Ok(SipMessage::Request(request)) = SipMessage::try_from(bytes) {
        read_request(&request);
    }
}

/// A TCP byte stream as the stream transport frames it (by `Content-Length`): every message
/// it yields, until it wants more bytes or gives up on the stream.
pub fn read_stream(bytes: &[u8]) {
    let mut buffer = BytesMut::from(bytes);
    let mut codec = SipCodec::new();
    while let Ok(Some(item)) = codec.decode(&mut buffer) {
        if let SipCodecType::Message(SipMessage::Request(request)) = item {
            read_request(&request);
        }
    }
}

/// Reads a request as the registrar and admission do: caller, original called number, dialled
/// number, the digest credentials of `Authorization` / `Proxy-Authorization` with their nonce,
/// and an SDP body as an offer.
fn read_request(request: &Request) {
    let _ = caller(request);
    let _ = original_called(request);
    let _ = dialled(request);
    let nonces = crate::nonce::Nonces::new();
    for name in ["Authorization", "Proxy-Authorization", "To", "Contact"] {
        for value in crate::headers::values(request, name) {
            read_digest(value);
            if let Some(credentials) = Credentials::parse(value) {
                let _ = nonces.check(&credentials.nonce, std::net::Ipv4Addr::LOCALHOST.into());
            }
            let _ = uri_user(name_addr(value).1);
        }
    }
    if !request.body.is_empty() {
        answer_offer(&request.body);
    }
}

/// An `Authorization: Digest …` value: whatever parses can be looked at and verified.
pub fn read_digest(header: &str) {
    if let Some(credentials) = Credentials::parse(header) {
        let _ = credentials.algorithm();
        let _ = credentials.nonce_count();
        let _ = credentials.has_qop_auth();
        let _ = credentials.verify("0123456789abcdef0123456789abcdef", "REGISTER");
        let _ = credentials.verify("", "INVITE");
    }
}

/// An SDP offer answered as the caller's leg answers it. Returns the answer when the offer was
/// acceptable. Holds: the answer reads back with the chosen codec, the peer's payload type for
/// it and our port; an offer we accept names one of our codecs.
pub fn answer_offer(offer: &[u8]) -> Option<Vec<u8>> {
    let remote = parse_audio(offer).ok()?;
    let (codec, pt) = crate::media::session::choose(&remote, None).ok()?;
    assert!(
        Codec::ALL.contains(&codec),
        "an accepted offer names one of our codecs"
    );
    let answer = write_audio(&LocalAudio {
        ip: std::net::Ipv4Addr::new(192, 0, 2, 1).into(),
        port: 40000,
        codecs: vec![(codec, pt)],
        dtmf_pt: remote.dtmf_pt,
        direction: remote.direction.flipped(),
        session_id: 1,
        version: 1,
    });
    let read_back = parse_audio(&answer).expect("our answer to an offer reads back");
    assert_eq!(
        read_back.codecs.first(),
        Some(&(codec, pt)),
        "answer's codec"
    );
    assert_eq!(
        read_back.dtmf_pt, remote.dtmf_pt,
        "answer's telephone-event type"
    );
    assert_eq!(read_back.addr.port(), 40000, "answer's port");
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds of a fuzz target and the inputs that once broke it (`fuzz/regressions/`).
    fn inputs(target: &str) -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let files = ["seeds", "regressions"]
            .iter()
            .filter_map(|kind| std::fs::read_dir(root.join(kind).join(target)).ok())
            .flatten();
        let found: Vec<Vec<u8>> = files
            .map(|f| std::fs::read(f.unwrap().path()).unwrap())
            .collect();
        assert!(
            !found.is_empty(),
            "no seeds for {target} in {}",
            root.display()
        );
        found
    }

    #[test]
    fn the_fuzz_targets_seeds_and_past_findings_run_clean() {
        for input in inputs("sip_message") {
            read_datagram(&input);
            read_stream(&input);
        }
        for input in inputs("digest_credentials") {
            read_digest(&String::from_utf8_lossy(&input));
        }
        let answered = inputs("sdp_offer_answer")
            .iter()
            .filter_map(|o| answer_offer(o))
            .count();
        assert!(answered >= 2, "the seed offers are answered");
    }
}
