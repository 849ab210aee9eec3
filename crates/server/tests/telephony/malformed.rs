//! Malformed SIP never takes Centrale down: junk is dropped or answered 400, requests we
//! must answer are answered, and afterwards OPTIONS and a normal call still work.

use centrale_testkit::{BAKERY_NUMBER, PanicWatch, RawResponse, RawSip, TestApp};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

const SDP: &str = "v=0\r\no=carrier 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                   m=audio 6000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n";

/// Every response to what was sent, within `wait` (provisional ones included).
async fn responses(peer: &RawSip, wait: Duration) -> Vec<RawResponse> {
    let mut all = Vec::new();
    while let Some(response) = peer.response(wait, true).await {
        all.push(response);
    }
    all
}

/// Sends `bytes` and asserts that nothing but a 400 comes back.
async fn dropped_or_400(peer: &RawSip, what: &str, bytes: &[u8]) {
    peer.send(bytes).await;
    for response in responses(peer, Duration::from_millis(300)).await {
        assert_eq!(response.status, 400, "{what}: {}", response.text);
    }
}

/// Reads from a TCP stream until it closes or `wait` passes; the text read.
async fn tcp_read(stream: &mut TcpStream, wait: Duration) -> String {
    let mut text = Vec::new();
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        text.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// A TCP connection to `server` from the loopback address `ip`.
async fn tcp_from(ip: &str, server: std::net::SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("TCP socket");
    socket
        .bind(format!("{ip}:0").parse().unwrap())
        .expect("bind a loopback address");
    socket.connect(server).await.expect("TCP connects")
}

/// The status codes of the responses in a TCP byte stream.
fn statuses(text: &str) -> Vec<u16> {
    text.match_indices("SIP/2.0 ")
        .filter_map(|(i, _)| text.get(i + 8..i + 11)?.parse().ok())
        .collect()
}

fn invite(peer: &RawSip, number: &str, headers: &[&str], body: &str) -> String {
    let uri = format!("sip:{number}@{}", peer.server);
    let contact = format!("Contact: <sip:carrier@{}>", peer.local);
    let mut all = vec![contact.as_str(), "Content-Type: application/sdp"];
    all.extend_from_slice(headers);
    peer.build("INVITE", &uri, &all, body)
}

#[tokio::test]
async fn malformed_sip_is_dropped_or_refused_and_centrale_carries_on() {
    let watch = PanicWatch::start();
    let env = TestApp::demo().await;
    let trunk = RawSip::bind("127.0.0.1", env.sip).await;
    let stranger = RawSip::bind("127.0.0.2", env.sip).await;
    let mut random = XorShift(0x5eed_cafe_f00d_beef);

    // Random garbage, and garbage that starts like SIP.
    for round in 0..200 {
        let len = 1 + (random.next() % 1500) as usize;
        let mut bytes = random.bytes(len);
        if round % 4 == 0 {
            let mut prefixed = b"INVITE sip:+31852001001@127.0.0.1 SIP/2.0\r\n".to_vec();
            prefixed.append(&mut bytes);
            bytes = prefixed;
        }
        stranger.send(&bytes).await;
    }
    for response in responses(&stranger, Duration::from_millis(500)).await {
        assert_eq!(response.status, 400, "garbage: {}", response.text);
    }

    // An empty datagram, whitespace, a bare CRLF keep-alive.
    dropped_or_400(&stranger, "empty datagram", b"").await;
    dropped_or_400(&stranger, "whitespace", b" \t \r\n").await;
    stranger.send(b"\r\n\r\n").await;

    // A truncated INVITE: every cut inside its header section.
    let full = invite(&trunk, BAKERY_NUMBER, &[], SDP);
    let header_end = full.find("\r\n\r\n").expect("blank line");
    for cut in (1..header_end).step_by(23) {
        dropped_or_400(
            &trunk,
            &format!("INVITE cut at {cut}"),
            &full.as_bytes()[..cut],
        )
        .await;
    }

    // A 60 kB header, before the mandatory headers and after them.
    let junk = format!("X-Junk: {}", "a".repeat(60_000));
    let huge_first = {
        let text = invite(&stranger, BAKERY_NUMBER, &[], SDP);
        let (line, rest) = text.split_once("\r\n").unwrap();
        format!("{line}\r\n{junk}\r\n{rest}")
    };
    dropped_or_400(&stranger, "60 kB header first", huge_first.as_bytes()).await;
    let huge_last = invite(&stranger, BAKERY_NUMBER, &[&junk], SDP);
    dropped_or_400(&stranger, "60 kB header last", huge_last.as_bytes()).await;

    // Content-Length larger than the body (RFC 3261 §18.3: discard or 400 over UDP).
    // Centrale answers 400 (the parser alone would pass the short body on as complete).
    for length in ["5000", "abc", "-1"] {
        let header = format!("Content-Length: {length}");
        let longer = invite(&trunk, BAKERY_NUMBER, &[&header], SDP);
        let refused = trunk.request(&longer).await.expect("an answer");
        assert_eq!(
            refused.status, 400,
            "Content-Length {length}: {}",
            refused.text
        );
    }

    // No Content-Length with a body: the parser would drop the offer, so Centrale refuses.
    let unframed: String = invite(&trunk, BAKERY_NUMBER, &[], SDP)
        .split_inclusive("\r\n")
        .filter(|line| !line.starts_with("Content-Length:"))
        .collect();
    let refused = trunk.request(&unframed).await.expect("an answer");
    assert_eq!(refused.status, 400, "no Content-Length: {}", refused.text);

    // Content-Length smaller than the body: the SDP is cut mid-line, so unreadable.
    let cut_sdp = format!("Content-Length: {}", SDP.find("m=audio").unwrap() + 5);
    let shorter = invite(&trunk, BAKERY_NUMBER, &[&cut_sdp], SDP);
    trunk.send(shorter.as_bytes()).await;
    let answers = responses(&trunk, Duration::from_millis(1500)).await;
    let finals: Vec<u16> = answers
        .iter()
        .map(|r| r.status)
        .filter(|s| *s >= 200)
        .collect();
    assert!(
        // (Without our ACK the final may be retransmitted.)
        !finals.is_empty() && finals.iter().all(|s| [400, 488].contains(s)),
        "Content-Length too small: {answers:?}"
    );

    // Invalid SDP from the trunk to a real number: 400 or 488, never a call.
    let bad_sdp = invite(&trunk, BAKERY_NUMBER, &[], "this is not SDP at all\r\n");
    let refused = trunk.request(&bad_sdp).await.expect("an answer to bad SDP");
    assert!(
        [400, 488].contains(&refused.status),
        "invalid SDP: {}",
        refused.text
    );
    let offer_without_audio =
        "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
    let refused = trunk
        .request(&invite(&trunk, BAKERY_NUMBER, &[], offer_without_audio))
        .await
        .expect("an answer to SDP without audio");
    assert!(
        [400, 488].contains(&refused.status),
        "SDP without audio: {}",
        refused.text
    );

    // Methods we do not serve: 405 (with Allow) or 501.
    for method in [
        "SUBSCRIBE",
        "MESSAGE",
        "PUBLISH",
        "NOTIFY",
        "REFER",
        "INFO",
        "UPDATE",
    ] {
        let uri = format!("sip:{}", env.sip);
        let response = stranger
            .request(&stranger.build(method, &uri, &[], ""))
            .await
            .unwrap_or_else(|| panic!("no answer to {method}"));
        assert!(
            [405, 501].contains(&response.status),
            "{method}: {}",
            response.text
        );
        if response.status == 405 {
            let allow = response.headers("Allow").join(",");
            assert!(
                allow.contains("INVITE") && allow.contains("REGISTER"),
                "{method}: 405 without Allow: {}",
                response.text
            );
        }
    }
    let uri = format!("sip:{}", env.sip);
    let unknown = stranger.build("FROBNICATE", &uri, &[], "");
    stranger.send(unknown.as_bytes()).await;
    for response in responses(&stranger, Duration::from_millis(500)).await {
        assert!(
            [400, 405, 501].contains(&response.status),
            "unknown method: {}",
            response.text
        );
    }

    // A REGISTER without To, From or Call-ID.
    for missing in ["To", "From", "Call-ID"] {
        let text = stranger.build("REGISTER", &uri, &["Expires: 60"], "");
        let text: String = text
            .split_inclusive("\r\n")
            .filter(|line| !line.starts_with(&format!("{missing}:")))
            .collect();
        dropped_or_400(
            &stranger,
            &format!("REGISTER without {missing}"),
            text.as_bytes(),
        )
        .await;
    }
    let bare = format!(
        "REGISTER {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bKbare\r\nContent-Length: 0\r\n\r\n",
        stranger.local
    );
    dropped_or_400(&stranger, "REGISTER with only a Via", bare.as_bytes()).await;

    // The same kinds of junk over TCP, from a stranger. A 60 kB header is within SIP's
    // 64 kB limit on a stream, so that INVITE is a real request: it is challenged (407).
    for (what, bytes, allowed) in [
        ("tcp garbage", random.bytes(4000), &[400][..]),
        (
            "tcp 60 kB header",
            huge_first.clone().into_bytes(),
            &[100, 400, 407, 413][..],
        ),
        ("tcp oversized message", vec![b'X'; 70_000], &[400, 413][..]),
        (
            "tcp unknown method",
            unknown.clone().into_bytes(),
            &[400, 405, 501][..],
        ),
        (
            "tcp Content-Length too large",
            invite(&stranger, "+31850000000", &["Content-Length: 5000"], SDP).into_bytes(),
            &[400][..],
        ),
    ] {
        let mut stream = tcp_from("127.0.0.2", env.sip).await;
        // The peer may close on us mid-write; that is fine.
        let _ = stream.write_all(&bytes).await;
        let text = tcp_read(&mut stream, Duration::from_millis(500)).await;
        for status in statuses(&text) {
            assert!(allowed.contains(&status), "{what}: {text}");
        }
    }

    // Centrale still answers OPTIONS on UDP and TCP, serves HTTP, and connects a call.
    let options = stranger.build("OPTIONS", &uri, &[], "");
    let ok = stranger.request(&options).await.expect("OPTIONS answered");
    assert_eq!(ok.status, 200, "{}", ok.text);
    let mut stream = tcp_from("127.0.0.2", env.sip).await;
    let options_tcp = options
        .replace("SIP/2.0/UDP", "SIP/2.0/TCP")
        .replace("branch=z9hG4bK", "branch=z9hG4bKtcp");
    stream.write_all(options_tcp.as_bytes()).await.unwrap();
    let text = tcp_read(&mut stream, Duration::from_millis(1000)).await;
    assert_eq!(statuses(&text), [200], "OPTIONS over TCP: {text}");
    assert!(env.healthy().await, "/healthz");

    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await
        .assert_ok("a normal call after the junk");
    phone.finish().await.assert_ok("operator phone");
    assert_eq!(env.ended_call(BAKERY_NUMBER).await["outcome"], "answered");

    assert_eq!(
        watch.panics(),
        0,
        "a handler panicked (see the output above)"
    );
}

/// Over TCP a request of an unknown method gets 501 (RFC 3261 §8.2.1) and the connection
/// lives on: the next request on it is served, and Centrale sees it from the peer's own
/// address (`received=` the peer's, not that of the splice in front of the stack).
#[tokio::test]
async fn a_request_of_an_unknown_method_over_tcp_gets_501_and_the_connection_goes_on() {
    let env = TestApp::demo().await;
    let peer = RawSip::bind("127.0.0.3", env.sip).await;
    let uri = format!("sip:centrale@{}", env.sip);
    let over_tcp = |request: String| request.replace("SIP/2.0/UDP", "SIP/2.0/TCP").into_bytes();
    let ping = peer.build(
        "PING",
        &uri,
        &["From: <sip:probe@127.0.0.3>;tag=t1", "Call-ID: tcp-501"],
        "",
    );
    let options = peer.build("OPTIONS", &uri, &["Call-ID: tcp-options"], "");
    let mut stream = tcp_from("127.0.0.3", env.sip).await;
    // Both in one write, behind a keep-alive: the stream is cut into its messages.
    let mut bytes = b"\r\n\r\n".to_vec();
    bytes.extend(over_tcp(ping));
    bytes.extend(over_tcp(options));
    stream.write_all(&bytes).await.unwrap();
    let text = tcp_read(&mut stream, Duration::from_millis(1500)).await;
    assert_eq!(statuses(&text), [501, 200], "{text}");
    assert!(text.contains("Allow: INVITE"), "{text}");
    let ok = &text[text.rfind("SIP/2.0 200").unwrap()..];
    assert!(ok.contains("Call-ID: tcp-options"), "{ok}");
    assert!(ok.contains("received=127.0.0.3"), "{ok}");

    // And once more, later, on the same connection.
    let again = peer.build("OPTIONS", &uri, &["Call-ID: tcp-again"], "");
    stream.write_all(&over_tcp(again)).await.unwrap();
    let text = tcp_read(&mut stream, Duration::from_millis(1000)).await;
    assert_eq!(statuses(&text), [200], "{text}");
}
