//! Sessions end to end over loopback: SDP with both legs, the announcement, the relay, silence
//! and ports. Local UDP sockets play the caller's carrier and the operator's phone.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use centrale_core::Cidr;
use prometheus_client::metrics::counter::Counter;
use rtp_types::{RtpPacket, RtpPacketBuilder};
use tokio::net::UdpSocket;
use tokio::time::timeout;

use super::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Each test gets its own 100 ports so tests running in parallel do not take each other's.
fn engine(base: u16, silence: Duration) -> MediaEngine {
    MediaEngine::new(
        MediaConfig {
            bind_ip: LOOPBACK,
            advertise_ip: LOOPBACK,
            port_min: base,
            port_max: base + 99,
            silence_timeout: silence,
            networks: vec![Cidr::parse("127.0.0.0/8").expect("cidr")],
        },
        Counter::default(),
    )
}

const LONG: Duration = Duration::from_secs(60);

/// A peer's SDP: audio on `port` at 127.0.0.1 with the given formats and extra lines.
fn sdp(port: u16, fmts: &str, extra: &str) -> Vec<u8> {
    format!(
        "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP {fmts}\r\n{extra}a=sendrecv\r\n"
    )
    .into_bytes()
}

fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).expect("our SDP is UTF-8")
}

/// The fields of a received RTP packet.
#[derive(Debug)]
struct Rtp {
    pt: u8,
    seq: u16,
    timestamp: u32,
    ssrc: u32,
    payload: Vec<u8>,
}

async fn peer() -> UdpSocket {
    UdpSocket::bind((LOOPBACK, 0)).await.expect("bind peer")
}

fn port_of(socket: &UdpSocket) -> u16 {
    socket.local_addr().expect("local addr").port()
}

async fn recv_rtp(socket: &UdpSocket) -> Rtp {
    let mut buf = [0u8; 2048];
    let (len, _) = timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
        .await
        .expect("an RTP packet within 5 s")
        .expect("receive");
    let packet = RtpPacket::parse(&buf[..len]).expect("valid RTP");
    Rtp {
        pt: packet.payload_type(),
        seq: packet.sequence_number(),
        timestamp: packet.timestamp(),
        ssrc: packet.ssrc(),
        payload: packet.payload().to_vec(),
    }
}

async fn send_rtp(socket: &UdpSocket, to: u16, pt: u8, seq: u16, ts: u32, payload: &[u8]) {
    let packet = RtpPacketBuilder::new()
        .payload_type(pt)
        .sequence_number(seq)
        .timestamp(ts)
        .ssrc(0x0bad_cafe)
        .payload(payload)
        .write_vec()
        .expect("build RTP");
    let to = SocketAddr::new(LOOPBACK, to);
    socket.send_to(&packet, to).await.expect("send RTP");
}

const DTMF: &str = "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";

#[tokio::test]
async fn answers_a_pcma_first_offer_with_pcma_and_keeps_dtmf() {
    let session = engine(21000, LONG).open().await.expect("open");
    let answer = session
        .answer_caller_offer(&sdp(4000, "8 0 101", DTMF))
        .expect("answer");
    let answer = text(&answer);
    let m_line = format!("m=audio {} RTP/AVP 8 101\r\n", session.caller_port());
    assert!(answer.contains(&m_line), "{answer}");
    for line in [
        "c=IN IP4 127.0.0.1\r\n",
        "a=rtpmap:8 PCMA/8000\r\n",
        "a=rtpmap:101 telephone-event/8000\r\n",
        "a=sendrecv\r\n",
        "a=ptime:20\r\n",
    ] {
        assert!(answer.contains(line), "{line} missing from {answer}");
    }
    assert_eq!(session.codec(Side::Caller), Some(Codec::Pcma));
}

#[tokio::test]
async fn answers_a_pcmu_first_offer_with_pcmu_and_the_offered_dtmf_type() {
    let session = engine(21100, LONG).open().await.expect("open");
    let extra = "a=rtpmap:96 telephone-event/8000\r\n";
    let answer = session
        .answer_caller_offer(&sdp(4000, "9 0 8 96", extra))
        .expect("answer");
    let answer = text(&answer);
    let m_line = format!("m=audio {} RTP/AVP 0 96\r\n", session.caller_port());
    assert!(answer.contains(&m_line), "{answer}");
    assert!(answer.contains("a=rtpmap:96 telephone-event/8000\r\n"));
    assert_eq!(session.codec(Side::Caller), Some(Codec::Pcmu));
    // The operator is offered the caller's codec first, then the other law, and the caller's
    // event type.
    let offer = text(&session.offer_to_operator());
    let m_line = format!("m=audio {} RTP/AVP 0 8 96\r\n", session.operator_port());
    assert!(offer.contains(&m_line), "{offer}");
}

#[tokio::test]
async fn refuses_offers_without_g711_and_unreadable_sdp() {
    let session = engine(21200, LONG).open().await.expect("open");
    let g722 = sdp(4000, "9", "a=rtpmap:9 G722/8000\r\n");
    assert!(matches!(
        session.answer_caller_offer(&g722),
        Err(MediaError::NoCommonCodec)
    ));
    for bad in [&b"not sdp at all"[..], b"", b"v=0\r\no=x\r\n"] {
        assert!(matches!(
            session.answer_caller_offer(bad),
            Err(MediaError::BadSdp(_))
        ));
    }
    assert_eq!(session.codec(Side::Caller), None);
}

#[tokio::test]
async fn late_offer_lets_the_callers_answer_choose_and_the_operator_may_choose_the_other_law() {
    let session = engine(21300, LONG).open().await.expect("open");
    let offer = text(&session.offer_to_caller());
    let m_line = format!("m=audio {} RTP/AVP 8 0 101\r\n", session.caller_port());
    assert!(offer.contains(&m_line), "{offer}");
    session
        .caller_answer(&sdp(4000, "0 101", DTMF))
        .expect("caller answer");
    assert_eq!(session.codec(Side::Caller), Some(Codec::Pcmu));
    let offer = text(&session.offer_to_operator());
    assert!(offer.contains(" RTP/AVP 0 8 101\r\n"), "{offer}");
    assert!(matches!(
        session.far_answer(Side::Operator, &sdp(4002, "9", "a=rtpmap:9 G722/8000\r\n")),
        Err(MediaError::NoCommonCodec)
    ));
    session
        .far_answer(Side::Operator, &sdp(4002, "8", ""))
        .expect("operator answer");
    assert_eq!(session.codec(Side::Operator), Some(Codec::Pcma));
}

#[tokio::test]
async fn without_a_caller_codec_the_operator_chooses() {
    let session = engine(21400, LONG).open().await.expect("open");
    let offer = text(&session.offer_to_operator());
    assert!(offer.contains(" RTP/AVP 8 0 101\r\n"), "{offer}");
    session
        .far_answer(Side::Operator, &sdp(4002, "0 101", DTMF))
        .expect("operator answer");
    assert_eq!(session.codec(Side::Operator), Some(Codec::Pcmu));
    let offer = text(&session.offer_to_caller());
    assert!(offer.contains(" RTP/AVP 0 8 101\r\n"), "{offer}");
    session
        .caller_answer(&sdp(4000, "8", ""))
        .expect("the caller may answer with the other law");
    assert_eq!(session.codec(Side::Caller), Some(Codec::Pcma));
}

#[tokio::test]
async fn announcement_is_a_paced_rtp_stream_in_the_chosen_codec() {
    for (fmts, pt, silence) in [("8 0", 8, 0xD5), ("0 8", 0, 0xFF)] {
        let session = engine(21500, LONG).open().await.expect("open");
        let caller = peer().await;
        session
            .answer_caller_offer(&sdp(port_of(&caller), fmts, ""))
            .expect("answer");
        session.start_announcement();
        let mut packets = Vec::new();
        for _ in 0..10 {
            packets.push(recv_rtp(&caller).await);
        }
        for pair in packets.windows(2) {
            let [a, b] = pair else { continue };
            assert_eq!(b.pt, pt);
            assert_eq!(b.ssrc, a.ssrc);
            assert_eq!(b.seq, a.seq.wrapping_add(1));
            assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
            assert_eq!(b.payload.len(), 160);
        }
        let audible = packets
            .iter()
            .flat_map(|p| &p.payload)
            .any(|&b| b != silence);
        assert!(audible, "the announcement is not all silence");
        assert!(session.stats().caller_sent >= 10);
    }
}

#[tokio::test]
async fn bridge_relays_both_ways_and_continues_the_callers_stream() {
    let session = engine(21600, LONG).open().await.expect("open");
    let (caller, operator) = (peer().await, peer().await);
    session
        .answer_caller_offer(&sdp(port_of(&caller), "8 101", DTMF))
        .expect("answer");
    session.start_announcement();
    let first = recv_rtp(&caller).await;
    let offer = text(&session.offer_to_operator());
    assert!(offer.contains(" RTP/AVP 8 0 101\r\n"), "{offer}");
    // The phone answers with its own event type: it must be mapped both ways.
    let phone_dtmf = "a=rtpmap:96 telephone-event/8000\r\n";
    session
        .far_answer(Side::Operator, &sdp(port_of(&operator), "8 96", phone_dtmf))
        .expect("operator answer");
    session.bridge_to(Side::Operator);

    // Operator → caller: audio, then an RFC 4733 event (digit 5, volume 10, 160 samples).
    let to = session.operator_port();
    for i in 0..3u16 {
        let ts = 90_000 + u32::from(i) * 160;
        send_rtp(&operator, to, 8, 5000 + i, ts, &[0x42; 160]).await;
    }
    send_rtp(&operator, to, 96, 5003, 90_480, &[5, 10, 0, 160]).await;

    let mut last_announced = first.seq;
    let relayed = loop {
        let packet = recv_rtp(&caller).await;
        assert_eq!(packet.ssrc, first.ssrc, "one SSRC toward the caller");
        if packet.payload == [0x42; 160] {
            break packet;
        }
        last_announced = packet.seq;
    };
    assert_eq!(relayed.pt, 8);
    assert_eq!(relayed.seq, last_announced.wrapping_add(1));
    let mut previous = relayed;
    for _ in 0..2 {
        let next = recv_rtp(&caller).await;
        assert_eq!((next.ssrc, next.payload[0]), (first.ssrc, 0x42));
        assert_eq!(next.seq, previous.seq.wrapping_add(1));
        assert_eq!(next.timestamp, previous.timestamp.wrapping_add(160));
        previous = next;
    }
    let event = recv_rtp(&caller).await;
    assert_eq!((event.pt, event.ssrc), (101, first.ssrc));
    assert_eq!(event.payload, [5, 10, 0, 160]);

    // Caller → operator: audio and an event, the event's type mapped to the phone's.
    let to = session.caller_port();
    send_rtp(&caller, to, 8, 7, 700, &[0x24; 160]).await;
    send_rtp(&caller, to, 101, 8, 860, &[1, 10, 0, 160]).await;
    let audio = recv_rtp(&operator).await;
    assert_eq!((audio.pt, audio.payload.as_slice()), (8, &[0x24; 160][..]));
    let event = recv_rtp(&operator).await;
    assert_eq!(
        (event.pt, event.payload.as_slice()),
        (96, &[1, 10, 0, 160][..])
    );
    assert_eq!(event.seq, audio.seq.wrapping_add(1));

    let stats = session.stats();
    assert_eq!((stats.operator_received, stats.caller_received), (4, 2));
    assert_eq!(stats.operator_sent, 2);
    assert!(stats.packets() > 8);
}

#[tokio::test]
async fn latches_to_the_callers_source_address() {
    let session = engine(21700, LONG).open().await.expect("open");
    let caller = peer().await;
    // The SDP names a port nobody listens on, as behind a NAT.
    session
        .answer_caller_offer(&sdp(9, "8", ""))
        .expect("answer");
    session.set_caller_peer(LOOPBACK);
    send_rtp(&caller, session.caller_port(), 8, 1, 1, &[0xD5; 160]).await;
    session.start_announcement();
    let packet = recv_rtp(&caller).await;
    assert_eq!(packet.pt, 8);
}

#[tokio::test]
async fn a_stranger_is_not_relayed_and_does_not_keep_the_call_alive() {
    let dropped = Counter::default();
    let session = MediaEngine::new(
        MediaConfig {
            bind_ip: LOOPBACK,
            advertise_ip: LOOPBACK,
            port_min: 21900,
            port_max: 21999,
            silence_timeout: Duration::from_millis(500),
            networks: vec![Cidr::parse("127.0.0.0/8").expect("cidr")],
        },
        dropped.clone(),
    )
    .open()
    .await
    .expect("open");
    let (caller, operator, stranger) = (peer().await, peer().await, peer().await);
    session
        .answer_caller_offer(&sdp(port_of(&caller), "8", ""))
        .expect("answer");
    session.offer_to_operator();
    session
        .far_answer(Side::Operator, &sdp(port_of(&operator), "8", ""))
        .expect("operator answer");
    // The stranger shares the peers' IP, but neither SDP names its port and it comes after
    // the caller's first packets: it is dropped on both legs.
    session.set_caller_peer(LOOPBACK);
    session.bridge_to(Side::Operator);
    for seq in 0..20 {
        send_rtp(&caller, session.caller_port(), 8, seq, 1, &[0x11; 160]).await;
        assert_eq!(recv_rtp(&operator).await.payload, vec![0x11; 160]);
    }
    let spray = async {
        for seq in 0..40u16 {
            send_rtp(&stranger, session.caller_port(), 8, seq, 7, &[0x99; 160]).await;
            send_rtp(&stranger, session.operator_port(), 8, seq, 7, &[0x99; 160]).await;
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    // The spray lasts longer than the silence timeout: the call is found silent all the same.
    let silent = timeout(Duration::from_millis(900), session.silent());
    let (silent, ()) = tokio::join!(silent, spray);
    assert!(silent.is_ok(), "a stranger's packets kept the call alive");
    assert!(dropped.get() >= 40, "dropped {}", dropped.get());
    let mut buf = [0u8; 2048];
    for socket in [&caller, &operator] {
        while let Ok(Ok((len, _))) =
            timeout(Duration::from_millis(50), socket.recv_from(&mut buf)).await
        {
            let packet = RtpPacket::parse(&buf[..len]).expect("RTP");
            assert_ne!(
                packet.payload(),
                &[0x99; 160][..],
                "the stranger was relayed"
            );
        }
    }
}

#[tokio::test]
async fn an_sdp_outside_the_media_networks_is_refused_and_cn_is_seen() {
    let session = engine(22000, LONG).open().await.expect("open");
    let outside = text(&sdp(4000, "8", "")).replace("c=IN IP4 127.0.0.1", "c=IN IP4 192.0.2.7");
    assert!(matches!(
        session.answer_caller_offer(outside.as_bytes()),
        Err(MediaError::AddressNotAllowed(_))
    ));
    assert!(!session.caller_suppresses_silence());
    session
        .answer_caller_offer(&sdp(4000, "8 13", ""))
        .expect("inside");
    assert!(session.caller_suppresses_silence());
}

#[tokio::test]
async fn silent_resolves_after_the_timeout_without_rtp() {
    let session = engine(21800, Duration::from_millis(300))
        .open()
        .await
        .expect("open");
    session
        .answer_caller_offer(&sdp(9, "8", ""))
        .expect("answer");
    timeout(Duration::from_secs(10), session.silent())
        .await
        .expect("silent before bridge");
    session.bridge_to(Side::Operator);
    timeout(Duration::from_secs(10), session.silent())
        .await
        .expect("silent after bridge");
}

#[tokio::test]
async fn ports_run_out_and_come_back_when_a_session_is_dropped() {
    // Two even ports that are free right now (other processes on this machine use UDP too):
    // exactly one session.
    let base = (40_000..60_000)
        .step_by(2)
        .find(|base| {
            [*base, base + 2]
                .iter()
                .all(|p| std::net::UdpSocket::bind((LOOPBACK, *p)).is_ok())
        })
        .expect("two free even ports");
    let engine = MediaEngine::new(
        MediaConfig {
            bind_ip: LOOPBACK,
            advertise_ip: LOOPBACK,
            port_min: base - 1,
            port_max: base + 2,
            silence_timeout: LONG,
            networks: Vec::new(),
        },
        Counter::default(),
    );
    let session = engine.open().await.expect("open");
    let ports = [session.caller_port(), session.operator_port()];
    assert!(
        ports
            .iter()
            .all(|p| p % 2 == 0 && (base..=base + 2).contains(p))
    );
    assert!(matches!(engine.open().await, Err(MediaError::NoPorts)));
    drop(session);
    // The task frees the sockets when it next runs; give it a moment.
    let mut reopened = None;
    for _ in 0..200 {
        match engine.open().await {
            Ok(session) => {
                reopened = Some(session);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    assert!(reopened.is_some(), "ports not freed after drop");
}

#[tokio::test]
async fn a_refresh_keeps_our_sdp_and_a_hold_plays_music_to_the_other_side_until_resumed() {
    let session = engine(22200, Duration::from_millis(300))
        .open()
        .await
        .expect("open");
    let (caller, operator) = (peer().await, peer().await);
    let answer = session
        .answer_caller_offer(&sdp(port_of(&caller), "8", ""))
        .expect("answer");
    session.offer_to_operator();
    let phone = sdp(port_of(&operator), "8", "");
    session
        .far_answer(Side::Operator, &phone)
        .expect("operator answer");
    session.bridge_to(Side::Operator);

    // The caller refreshes with the same SDP: our answer comes back as it was.
    let again = session
        .answer_reoffer(Side::Caller, &sdp(port_of(&caller), "8", ""))
        .expect("refresh");
    assert_eq!(again, answer);

    // The phone holds (version 2, sendonly): we answer recvonly with a new version, the caller
    // hears the hold music, and silence ends nothing.
    let held = String::from_utf8(phone.clone())
        .expect("utf-8")
        .replace("o=peer 1 1", "o=peer 1 2")
        .replace("a=sendrecv", "a=sendonly");
    let ours = text(
        &session
            .answer_reoffer(Side::Operator, held.as_bytes())
            .expect("hold"),
    );
    assert!(ours.contains("a=recvonly"), "{ours}");
    assert_eq!(session.held_by(), Some(Side::Operator));
    let music = recv_rtp(&caller).await;
    assert_eq!(music.pt, 8);
    assert!(
        music.payload.iter().any(|&b| b != 0xD5),
        "music, not silence"
    );
    assert!(
        timeout(Duration::from_millis(900), session.silent())
            .await
            .is_err(),
        "a held call is not silent"
    );

    // Resumed (version 3, sendrecv): the relay runs again, the phone's audio reaches the caller.
    let resumed = String::from_utf8(phone)
        .expect("utf-8")
        .replace("o=peer 1 1", "o=peer 1 3");
    session
        .answer_reoffer(Side::Operator, resumed.as_bytes())
        .expect("resume");
    assert_eq!(session.held_by(), None);
    let to = session.operator_port();
    for seq in 0..5u16 {
        send_rtp(&operator, to, 8, seq, u32::from(seq) * 160, &[0x42; 160]).await;
    }
    let relayed = loop {
        let packet = recv_rtp(&caller).await;
        if packet.payload == [0x42; 160] {
            break packet;
        }
    };
    assert_eq!(relayed.ssrc, music.ssrc, "one stream toward the caller");
    // An offer without G.711 is refused and changes nothing.
    let g722 = text(&sdp(port_of(&operator), "9", "")).replace("o=peer 1 1", "o=peer 1 4");
    assert!(matches!(
        session.answer_reoffer(Side::Operator, g722.as_bytes()),
        Err(MediaError::NoCommonCodec)
    ));
    assert_eq!(session.codec(Side::Operator), Some(Codec::Pcma));
}

/// Linear samples of a 440 Hz tone over one 20 ms frame, loud enough to use most segments.
fn tone_frame() -> Vec<i16> {
    (0..160)
        .map(|n| (12_000.0 * (f64::from(n) * 440.0 * std::f64::consts::TAU / 8000.0).sin()) as i16)
        .collect()
}

/// Whether `received` in `law` decodes to `sent` within a step of either law.
fn sounds_the_same(law: Codec, received: &[u8], sent: &[i16]) -> bool {
    received.len() == sent.len()
        && received.iter().zip(sent).all(|(&byte, &sample)| {
            let (got, want) = (i32::from(law.decode(byte)), i32::from(sample));
            (got - want).abs() <= want.abs() / 16 + 32
        })
}

#[tokio::test]
async fn legs_on_different_laws_are_converted_both_ways_and_events_pass_untouched() {
    let session = engine(22300, LONG).open().await.expect("open");
    let (caller, operator) = (peer().await, peer().await);
    session
        .answer_caller_offer(&sdp(port_of(&caller), "8 101", DTMF))
        .expect("answer");
    let offer = text(&session.offer_to_operator());
    assert!(offer.contains(" RTP/AVP 8 0 101\r\n"), "{offer}");
    // A µ-law-only phone with its own event type.
    let phone_dtmf = "a=rtpmap:96 telephone-event/8000\r\n";
    session
        .far_answer(Side::Operator, &sdp(port_of(&operator), "0 96", phone_dtmf))
        .expect("a PCMU-only phone is taken");
    assert_eq!(session.codec(Side::Caller), Some(Codec::Pcma));
    assert_eq!(session.codec(Side::Operator), Some(Codec::Pcmu));
    session.bridge_to(Side::Operator);

    let tone = tone_frame();
    let in_alaw: Vec<u8> = tone.iter().map(|&s| Codec::Pcma.encode(s)).collect();
    let in_ulaw: Vec<u8> = tone.iter().map(|&s| Codec::Pcmu.encode(s)).collect();

    // Caller (A-law) → phone: µ-law with the phone's payload type 0, the same sound.
    send_rtp(&caller, session.caller_port(), 8, 1, 160, &in_alaw).await;
    send_rtp(
        &caller,
        session.caller_port(),
        101,
        2,
        320,
        &[3, 10, 0, 160],
    )
    .await;
    let audio = recv_rtp(&operator).await;
    assert_eq!(audio.pt, 0);
    assert_ne!(audio.payload, in_alaw, "converted, not copied");
    assert!(sounds_the_same(Codec::Pcmu, &audio.payload, &tone));
    let event = recv_rtp(&operator).await;
    assert_eq!(
        (event.pt, event.payload.as_slice()),
        (96, &[3, 10, 0, 160][..])
    );

    // Phone (µ-law) → caller: A-law with payload type 8, the same sound; events mapped back.
    send_rtp(&operator, session.operator_port(), 0, 1, 160, &in_ulaw).await;
    send_rtp(
        &operator,
        session.operator_port(),
        96,
        2,
        320,
        &[7, 10, 0, 160],
    )
    .await;
    let audio = recv_rtp(&caller).await;
    assert_eq!(audio.pt, 8);
    assert!(sounds_the_same(Codec::Pcma, &audio.payload, &tone));
    let event = recv_rtp(&caller).await;
    assert_eq!(
        (event.pt, event.payload.as_slice()),
        (101, &[7, 10, 0, 160][..])
    );

    // The hold music toward a leg is in that leg's own law.
    let held = text(&sdp(port_of(&caller), "8 101", DTMF))
        .replace("o=peer 1 1", "o=peer 1 2")
        .replace("a=sendrecv", "a=sendonly");
    session
        .answer_reoffer(Side::Caller, held.as_bytes())
        .expect("hold");
    let music = recv_rtp(&operator).await;
    assert_eq!(music.pt, 0);
    assert!(
        music.payload.iter().any(|&b| b != 0xFF),
        "µ-law music, not silence"
    );
}

/// A G.711 byte in the other law, as the relay converts it.
fn converted(from: Codec, to: Codec, byte: u8) -> u8 {
    let mut sample = [byte];
    from.convert(to, &mut sample);
    sample[0]
}

/// The port of the `m=audio` line of our SDP.
fn audio_port(body: &[u8]) -> u16 {
    let sdp = text(body);
    let line = sdp
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .expect("an audio line");
    line.split(' ').next().unwrap().parse().expect("a port")
}

#[tokio::test]
async fn a_ruggespraak_holds_the_caller_then_joins_the_caller_and_the_consulted() {
    let engine = engine(22400, LONG);
    let session = engine.open().await.expect("open");
    let (caller, operator, henk) = (peer().await, peer().await, peer().await);
    session
        .answer_caller_offer(&sdp(port_of(&caller), "8", ""))
        .expect("answer");
    session.offer_to_operator();
    session
        .far_answer(Side::Operator, &sdp(port_of(&operator), "8", ""))
        .expect("operator answer");
    session.bridge_to(Side::Operator);

    // Henk is rung on a third port and answers in the other law (µ-law).
    session.open_consult(&engine).await.expect("consult socket");
    let consult_port = audio_port(&session.offer_to_consult());
    assert!(
        ![session.caller_port(), session.operator_port()].contains(&consult_port),
        "a port of its own"
    );
    session
        .far_answer(Side::Consult, &sdp(port_of(&henk), "0", ""))
        .expect("henk's answer");
    session.consult();

    // The caller hears the hold music (our stream, not relayed audio).
    let music = recv_rtp(&caller).await;
    assert_eq!(music.pt, 8);
    // Anna and Henk talk; the caller's audio reaches neither (Henk gets Anna's first).
    send_rtp(&caller, session.caller_port(), 8, 1, 160, &[0x11; 160]).await;
    send_rtp(&operator, session.operator_port(), 8, 1, 160, &[0xD5; 160]).await;
    let to_henk = recv_rtp(&henk).await;
    assert_eq!(to_henk.pt, 0, "converted into Henk's law");
    assert_eq!(
        to_henk.payload,
        [converted(Codec::Pcma, Codec::Pcmu, 0xD5); 160]
    );
    send_rtp(&henk, consult_port, 0, 1, 160, &[0xFF; 160]).await;
    let to_anna = recv_rtp(&operator).await;
    assert_eq!(to_anna.pt, 8);
    assert_eq!(
        to_anna.payload,
        [converted(Codec::Pcmu, Codec::Pcma, 0xFF); 160]
    );

    // Anna puts the caller through: the caller and Henk are bridged.
    session.bridge_to(Side::Consult);
    send_rtp(&caller, session.caller_port(), 8, 2, 320, &[0x22; 160]).await;
    let relayed = recv_rtp(&henk).await;
    assert_eq!(
        relayed.payload,
        [converted(Codec::Pcma, Codec::Pcmu, 0x22); 160]
    );
    send_rtp(&henk, consult_port, 0, 2, 320, &[0x7F; 160]).await;
    // The music stops; what follows in the caller's (one) stream is Henk.
    let wanted = [converted(Codec::Pcmu, Codec::Pcma, 0x7F); 160];
    let heard = loop {
        let packet = recv_rtp(&caller).await;
        if packet.payload == wanted {
            break packet;
        }
    };
    assert_eq!(heard.ssrc, music.ssrc);
    let stats = session.stats();
    assert!(
        stats.consult_received >= 2 && stats.consult_sent >= 2,
        "{stats:?}"
    );
}
