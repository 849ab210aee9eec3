//! The SIP edge trusts only the wire: where a request came from is the socket it came from
//! (a forged `received=` changes nothing), calls to an operator go over the flow her phone
//! registered on (never to a host her Contact names), digest answers fit exactly one request
//! (qop=auth, the Request-URI, a fresh nonce count, the address the nonce was issued to), and
//! REGISTER and INVITE are checked by the same rules.

use centrale_testkit::{BAKERY_NUMBER, Operator, RawResponse, RawSip, TestApp};
use md5::{Digest, Md5};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SDP: &str = "v=0\r\no=carrier 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
                   m=audio 6000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n";

/// A request from `local` over `transport` ("UDP" or "TCP"); `via` follows the branch in the
/// top Via (e.g. ";received=127.0.0.1"), `headers` are extra lines.
fn request(
    method: &str,
    uri: &str,
    transport: &str,
    local: SocketAddr,
    via: &str,
    headers: &[&str],
    body: &str,
) -> String {
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let mut text = format!(
        "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/{transport} {local};branch=z9hG4bK{unique}{via}\r\n\
         Max-Forwards: 70\r\nCall-ID: {unique}\r\nCSeq: 1 {method}\r\n"
    );
    let has = |name: &str| {
        headers
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with(&format!("{name}:")))
    };
    if !has("from") {
        text.push_str(&format!("From: <sip:test@{local}>;tag={unique}\r\n"));
    }
    if !has("to") {
        text.push_str(&format!("To: <{uri}>\r\n"));
    }
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    text
}

/// A REGISTER of `user` from `local` with `contact`; `via` and `authorization` as in [`request`].
fn register(
    server: SocketAddr,
    local: SocketAddr,
    transport: &str,
    via: &str,
    user: &str,
    contact: &str,
    authorization: Option<&str>,
) -> String {
    let to = format!("To: <sip:{user}@{server}>");
    let from = format!("From: <sip:{user}@{server}>;tag=reg{}", local.port());
    let contact = format!("Contact: <{contact}>");
    let mut headers = vec![to.as_str(), from.as_str(), contact.as_str(), "Expires: 600"];
    headers.extend(authorization);
    request(
        "REGISTER",
        &format!("sip:{server}"),
        transport,
        local,
        via,
        &headers,
        "",
    )
}

/// An INVITE to the bakery's number from `peer`, with `via` and extra `headers`.
fn invite(peer: &RawSip, via: &str, headers: &[&str]) -> String {
    let uri = format!("sip:{BAKERY_NUMBER}@{}", peer.server);
    let contact = format!("Contact: <sip:caller@{}>", peer.local);
    let mut all = vec![contact.as_str(), "Content-Type: application/sdp"];
    all.extend_from_slice(headers);
    request("INVITE", &uri, "UDP", peer.local, via, &all, SDP)
}

/// The digest parameters of the first challenge in `header`.
struct Challenge {
    realm: String,
    nonce: String,
    stale: bool,
}

impl Challenge {
    fn of(response: &RawResponse, header: &str) -> Self {
        let offered = response.headers(header);
        let first = offered
            .first()
            .unwrap_or_else(|| panic!("a {header} in {}", response.text));
        let param = |name: &str| {
            first
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("{name} in {first}"))
                .to_owned()
        };
        assert_eq!(param("qop"), "auth", "{first}");
        Self {
            realm: param("realm"),
            nonce: param("nonce"),
            stale: first.contains("stale=true"),
        }
    }

    /// An MD5 answer for `method` and digest `uri`: with qop=auth and nonce count `nc`, or the
    /// RFC 2069 way (no qop) when `nc` is None.
    fn answer(&self, operator: &Operator, method: &str, uri: &str, nc: Option<u32>) -> String {
        let hash = |text: String| hex::encode(Md5::digest(text.as_bytes()));
        let ha1 = hash(format!(
            "{}:{}:{}",
            operator.user, self.realm, operator.password
        ));
        let ha2 = hash(format!("{method}:{uri}"));
        let common = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm=MD5",
            operator.user, self.realm, self.nonce
        );
        match nc {
            Some(nc) => {
                let (nc, cnonce) = (format!("{nc:08x}"), "0a4f113b");
                let response = hash(format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
                format!("{common}, response=\"{response}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\"")
            }
            None => {
                let response = hash(format!("{ha1}:{}:{ha2}", self.nonce));
                format!("{common}, response=\"{response}\"")
            }
        }
    }
}

/// Registers `operator` from `phone` over UDP with `via` and `contact`; returns the
/// `Authorization` line that was accepted.
async fn register_udp(
    env: &TestApp,
    phone: &RawSip,
    operator: &Operator,
    via: &str,
    contact: &str,
) -> String {
    let first = phone
        .request(&register(
            env.sip,
            phone.local,
            "UDP",
            via,
            &operator.user,
            contact,
            None,
        ))
        .await
        .expect("a challenge reaches the phone's own socket");
    assert_eq!(first.status, 401, "{}", first.text);
    let answer = Challenge::of(&first, "WWW-Authenticate").answer(
        operator,
        "REGISTER",
        &format!("sip:{}", env.sip),
        Some(1),
    );
    let authorization = format!("Authorization: {answer}");
    let ok = phone
        .request(&register(
            env.sip,
            phone.local,
            "UDP",
            via,
            &operator.user,
            contact,
            Some(&authorization),
        ))
        .await
        .expect("a response");
    assert_eq!(ok.status, 200, "{}", ok.text);
    env.wait_registered(operator, true).await;
    authorization
}

/// The next request (not a response) that reaches `socket` within `wait`, as text.
async fn next_request(socket: &tokio::net::UdpSocket, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = vec![0u8; 65536];
    loop {
        let (len, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf))
            .await
            .ok()?
            .ok()?;
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        if !text.starts_with("SIP/2.0") && !text.trim().is_empty() {
            return Some(text);
        }
    }
}

/// Makes `operator` available and starts a carrier call to the bakery that stays queued for
/// a while (the returned SIPp cancels it after 6 s; dropping it kills SIPp).
async fn call_for(env: &TestApp, operator: &Operator) -> centrale_testkit::Sipp {
    env.set_state(operator, "available").await;
    env.carrier("carrier_cancel_queued.xml", BAKERY_NUMBER, &["-d", "6000"])
}

#[tokio::test]
async fn a_forged_received_does_not_make_a_stranger_a_trunk() {
    let env = TestApp::demo().await;
    // 127.0.0.2 is not a trunk (the trunks are 127.0.0.1/32 and ::1/128); it claims to be
    // 127.0.0.1 in its Via, with and without rport.
    let stranger = RawSip::bind("127.0.0.2", env.sip).await;
    let port = stranger.local.port();
    for via in [
        ";received=127.0.0.1".to_owned(),
        format!(";received=127.0.0.1;rport={port}"),
    ] {
        let reply = stranger
            .request(&invite(&stranger, &via, &[]))
            .await
            .unwrap_or_else(|| panic!("no final response at the real socket for Via {via}"));
        assert_eq!(reply.status, 407, "Via {via}: {}", reply.text);
    }
    assert!(env.all_calls().await.is_empty(), "no call was queued");
}

#[tokio::test]
async fn a_register_with_a_forged_received_is_bound_to_its_real_socket() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = RawSip::bind("127.0.0.2", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, phone.local);
    register_udp(&env, &phone, &anna, ";received=127.0.0.1", &contact).await;

    let _caller = call_for(&env, &anna).await;
    let offered = next_request(&phone.socket, Duration::from_secs(10))
        .await
        .expect("the operator's INVITE reaches the socket the REGISTER came from");
    assert!(offered.starts_with("INVITE "), "{offered}");
}

#[tokio::test]
async fn the_register_throttle_counts_the_real_source() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    // The guesses are for Bram's account: Anna's is then refused only if the address her
    // phone registers from (the one the guesses claim) were counted.
    let bram = env.operator(2).await;
    let forged = ";received=127.0.0.1";
    let uri = format!("sip:{}", env.sip);
    for attempt in 1..=5 {
        let guesser = RawSip::bind("127.0.0.2", env.sip).await;
        let contact = format!("sip:{}@{}", bram.user, guesser.local);
        let reg = |auth: Option<&str>| {
            register(
                env.sip,
                guesser.local,
                "UDP",
                forged,
                &bram.user,
                &contact,
                auth,
            )
        };
        let challenged = guesser.request(&reg(None)).await.expect("a challenge");
        assert_eq!(
            challenged.status, 401,
            "attempt {attempt}: {}",
            challenged.text
        );
        let wrong = Operator {
            password: "a wrong guess".into(),
            token: String::new(),
            user: bram.user.clone(),
        };
        let guess = Challenge::of(&challenged, "WWW-Authenticate").answer(
            &wrong,
            "REGISTER",
            &uri,
            Some(1),
        );
        let refused = guesser
            .request(&reg(Some(&format!("Authorization: {guess}"))))
            .await
            .expect("a refusal");
        assert_eq!(refused.status, 403, "attempt {attempt}: {}", refused.text);
    }

    // 127.0.0.2 is blocked: refused before any challenge.
    let guesser = RawSip::bind("127.0.0.2", env.sip).await;
    let contact = format!("sip:{}@{}", bram.user, guesser.local);
    let blocked = guesser
        .request(&register(
            env.sip,
            guesser.local,
            "UDP",
            forged,
            &bram.user,
            &contact,
            None,
        ))
        .await
        .expect("a response");
    assert_eq!(blocked.status, 403, "{}", blocked.text);
    assert!(
        blocked.text.contains("too many failed attempts"),
        "{}",
        blocked.text
    );

    // 127.0.0.1, whose address the guesses claimed, is not.
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, phone.local);
    register_udp(&env, &phone, &anna, "", &contact).await;
}

#[tokio::test]
async fn calls_go_over_the_registration_flow_not_to_the_contact_host() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    // The Contact names another host, where a socket listens to see whether anything comes.
    let elsewhere = RawSip::bind("127.0.0.9", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, elsewhere.local);
    register_udp(&env, &phone, &anna, ";rport", &contact).await;

    let _caller = call_for(&env, &anna).await;
    let offered = next_request(&phone.socket, Duration::from_secs(10))
        .await
        .expect("the INVITE reaches the socket the REGISTER came from");
    assert!(
        offered.starts_with(&format!("INVITE {contact} SIP/2.0")),
        "the Contact is the Request-URI: {offered}"
    );
    // The client's name is the caller display, quoted.
    assert!(
        offered.contains("From: \"Bakkerij De Gouden Korst\" <sip:"),
        "{offered}"
    );
    assert_eq!(
        next_request(&elsewhere.socket, Duration::from_millis(500)).await,
        None,
        "nothing goes to the host the Contact names"
    );
}

/// Reads one whole SIP message from a TCP stream (headers, then Content-Length of body).
async fn tcp_message(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    wait: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let text = String::from_utf8_lossy(pending).into_owned();
        let trimmed = text.trim_start_matches("\r\n");
        if let Some(end) = trimmed.find("\r\n\r\n") {
            let length: usize = trimmed[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    let name = name.trim();
                    (name.eq_ignore_ascii_case("content-length") || name == "l")
                        .then(|| value.trim().parse().ok())
                        .flatten()
                })
                .unwrap_or(0);
            let total = end + 4 + length;
            if trimmed.len() >= total {
                let message = trimmed[..total].to_owned();
                let skipped = text.len() - trimmed.len();
                pending.drain(..skipped + total);
                return Some(message);
            }
        }
        let mut buf = [0u8; 8192];
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            return None;
        }
        pending.extend_from_slice(&buf[..read]);
    }
}

#[tokio::test]
async fn a_phone_registered_over_tcp_is_called_over_its_connection() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let mut stream = TcpStream::connect(env.sip).await.expect("TCP connects");
    let local = stream.local_addr().expect("local address");
    let contact = format!("sip:{}@{local};transport=tcp", anna.user);
    let mut pending = Vec::new();

    let reg =
        |auth: Option<&str>| register(env.sip, local, "TCP", ";rport", &anna.user, &contact, auth);
    stream.write_all(reg(None).as_bytes()).await.unwrap();
    let challenge = tcp_message(&mut stream, &mut pending, Duration::from_secs(3))
        .await
        .map(|text| RawResponse {
            status: text[8..11].parse().unwrap_or(0),
            text,
        })
        .expect("a challenge over the connection");
    assert_eq!(challenge.status, 401, "{}", challenge.text);
    let answer = Challenge::of(&challenge, "WWW-Authenticate").answer(
        &anna,
        "REGISTER",
        &format!("sip:{}", env.sip),
        Some(1),
    );
    stream
        .write_all(reg(Some(&format!("Authorization: {answer}"))).as_bytes())
        .await
        .unwrap();
    let ok = tcp_message(&mut stream, &mut pending, Duration::from_secs(3))
        .await
        .expect("a response");
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    env.wait_registered(&anna, true).await;

    let _caller = call_for(&env, &anna).await;
    let offered = loop {
        let message = tcp_message(&mut stream, &mut pending, Duration::from_secs(10))
            .await
            .expect("the INVITE comes over the phone's own TCP connection");
        if !message.starts_with("SIP/2.0") {
            break message;
        }
    };
    assert!(offered.starts_with("INVITE "), "{offered}");
    assert!(
        offered.contains("Via: SIP/2.0/TCP"),
        "sent over TCP: {offered}"
    );
}

#[tokio::test]
async fn a_captured_register_cannot_be_replayed() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, phone.local);
    let captured = register_udp(&env, &phone, &anna, ";rport", &contact).await;

    // The same Authorization (same nonce, same count) in a REGISTER naming another Contact,
    // from another socket on the same address, and from another address.
    let mut thieves = Vec::new();
    for ip in ["127.0.0.1", "127.0.0.2"] {
        let thief = RawSip::bind(ip, env.sip).await;
        let theirs = format!("sip:{}@{}", anna.user, thief.local);
        let replay = thief
            .request(&register(
                env.sip,
                thief.local,
                "UDP",
                ";rport",
                &anna.user,
                &theirs,
                Some(&captured),
            ))
            .await
            .expect("a response");
        assert_eq!(replay.status, 401, "replay from {ip}: {}", replay.text);
        assert!(
            Challenge::of(&replay, "WWW-Authenticate").stale,
            "{}",
            replay.text
        );
        thieves.push(thief);
    }

    // The binding is still the phone's: the call arrives there, at no thief.
    let _caller = call_for(&env, &anna).await;
    let offered = next_request(&phone.socket, Duration::from_secs(10))
        .await
        .expect("the INVITE reaches the phone");
    assert!(offered.starts_with("INVITE "), "{offered}");
    for thief in &thieves {
        assert_eq!(
            next_request(&thief.socket, Duration::from_millis(300)).await,
            None
        );
    }
}

#[tokio::test]
async fn a_digest_for_another_uri_or_without_qop_is_refused() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, phone.local);
    let reg = |auth: Option<&str>| {
        register(
            env.sip,
            phone.local,
            "UDP",
            ";rport",
            &anna.user,
            &contact,
            auth,
        )
    };
    let uri = format!("sip:{}", env.sip);
    let other_uri = format!("sip:127.0.0.1:{}", env.sip.port() + 1);
    for (what, digest_uri, nc) in [
        (
            "a uri other than the Request-URI",
            other_uri.as_str(),
            Some(1),
        ),
        (
            "no qop although the challenge asked for it",
            uri.as_str(),
            None,
        ),
    ] {
        let challenged = phone.request(&reg(None)).await.expect("a challenge");
        let answer = Challenge::of(&challenged, "WWW-Authenticate")
            .answer(&anna, "REGISTER", digest_uri, nc);
        let refused = phone
            .request(&reg(Some(&format!("Authorization: {answer}"))))
            .await
            .expect("a response");
        assert_eq!(refused.status, 403, "{what}: {}", refused.text);
    }
    assert_eq!(env.operator_state(&anna).await["registered"], false);
}

#[tokio::test]
async fn invite_and_register_are_checked_alike_and_a_nonce_is_bound_to_its_address() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let stranger = RawSip::bind("127.0.0.2", env.sip).await;
    let invite_uri = format!("sip:{BAKERY_NUMBER}@{}", env.sip);

    // An operator outside the trunks proves herself (407, then Proxy-Authorization) and may
    // call in; the same answer again is a replay: challenged anew with stale=true.
    let challenged = stranger
        .request(&invite(&stranger, ";rport", &[]))
        .await
        .expect("a challenge");
    assert_eq!(challenged.status, 407, "{}", challenged.text);
    let answer = Challenge::of(&challenged, "Proxy-Authenticate").answer(
        &anna,
        "INVITE",
        &invite_uri,
        Some(1),
    );
    let authorized = format!("Proxy-Authorization: {answer}");
    stranger
        .send(invite(&stranger, ";rport", &[&authorized]).as_bytes())
        .await;
    let admitted = stranger
        .response(Duration::from_secs(3), true)
        .await
        .expect("a response");
    assert!(admitted.status < 300, "admitted: {}", admitted.text);
    let replayed = loop {
        let reply = stranger
            .request(&invite(&stranger, ";rport", &[&authorized]))
            .await
            .expect("a response");
        if reply.status >= 400 {
            break reply;
        }
    };
    assert_eq!(replayed.status, 407, "{}", replayed.text);
    assert!(
        Challenge::of(&replayed, "Proxy-Authenticate").stale,
        "{}",
        replayed.text
    );

    // A nonce issued to 127.0.0.1 does not serve 127.0.0.2, for INVITE as for REGISTER: a new
    // challenge (stale=true), not a failure that counts towards a block.
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let contact = format!("sip:{}@{}", anna.user, phone.local);
    let theirs = phone
        .request(&register(
            env.sip,
            phone.local,
            "UDP",
            ";rport",
            &anna.user,
            &contact,
            None,
        ))
        .await
        .expect("a challenge");
    let theirs = Challenge::of(&theirs, "WWW-Authenticate");
    for _ in 0..6 {
        let answer = theirs.answer(&anna, "INVITE", &invite_uri, Some(1));
        let reply = stranger
            .request(&invite(
                &stranger,
                ";rport",
                &[&format!("Proxy-Authorization: {answer}")],
            ))
            .await
            .expect("a response");
        assert_eq!(reply.status, 407, "{}", reply.text);
        assert!(
            Challenge::of(&reply, "Proxy-Authenticate").stale,
            "{}",
            reply.text
        );

        let answer = theirs.answer(&anna, "REGISTER", &format!("sip:{}", env.sip), Some(1));
        let mine = format!("sip:{}@{}", anna.user, stranger.local);
        let reply = stranger
            .request(&register(
                env.sip,
                stranger.local,
                "UDP",
                ";rport",
                &anna.user,
                &mine,
                Some(&format!("Authorization: {answer}")),
            ))
            .await
            .expect("a response");
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert!(
            Challenge::of(&reply, "WWW-Authenticate").stale,
            "{}",
            reply.text
        );
    }
    assert_eq!(env.operator_state(&anna).await["registered"], false);
}
