//! No RTP bleed: during a bridged call a stranger sprays RTP at every port of Centrale's RTP
//! range, the call's ports among them. Neither side hears it, the call's own audio goes on,
//! and the dropped packets are counted. An SDP that points Centrale's RTP outside the media
//! networks is refused.
//!
//! The caller is a raw SIP peer with its own RTP socket (it sends a steady stream and keeps
//! what it receives); the operator is SIPp echoing RTP (`-rtp_echo`). What the operator's phone
//! heard comes back to the caller, so the caller's socket sees what both sides heard.

use super::raw_call::{RawCall, audio_port, offer};
use centrale_testkit::{BAKERY_NUMBER, RawSip, TestApp};
use rtp_types::{RtpPacket, RtpPacketBuilder};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::UdpSocket;

/// This test's RTP range, apart from other tests': the stranger sprays all of it.
const RTP_PORTS: (u16, u16) = (32000, 32099);

const CALLER_PAYLOAD: [u8; 160] = [0x11; 160];
const STRANGER_PAYLOAD: [u8; 160] = [0x99; 160];
const STRANGER_SSRC: u32 = 0x5757_5757;

/// What the caller heard: each packet's SSRC and payload.
type Heard = Mutex<Vec<(u32, Vec<u8>)>>;

/// One RTP packet of PCMA.
fn rtp(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    RtpPacketBuilder::new()
        .payload_type(8)
        .sequence_number(seq)
        .timestamp(u32::from(seq) * 160)
        .ssrc(ssrc)
        .payload(payload)
        .write_vec()
        .expect("RTP packet")
}

#[tokio::test]
async fn a_strangers_rtp_reaches_neither_side_of_a_bridged_call() {
    let env = TestApp::builder()
        .demo()
        .settings(|s| (s.rtp_port_min, s.rtp_port_max) = RTP_PORTS)
        .start()
        .await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &["-rtp_echo"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let media_port = media.local_addr().unwrap().port();
    let call = RawCall::invite(&sip, BAKERY_NUMBER, &offer("127.0.0.1", media_port, "")).await;
    let ok = call
        .final_response(&sip, Duration::from_secs(20))
        .await
        .expect("answered");
    assert_eq!(ok.status, 200, "{}", ok.text);
    let our_port = audio_port(&ok).expect("Centrale's RTP port in its SDP");
    assert!((RTP_PORTS.0..=RTP_PORTS.1).contains(&our_port));
    call.ack(&sip, &ok).await;

    // The caller talks all along and keeps every payload and SSRC it hears.
    let heard: Arc<Heard> = Arc::default();
    let talking = Arc::new(AtomicBool::new(true));
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], our_port));
    let talker = tokio::spawn({
        let (media, talking) = (media.clone(), talking.clone());
        async move {
            let mut seq = 0u16;
            while talking.load(Ordering::Relaxed) {
                media
                    .send_to(&rtp(seq, 0x1111, &CALLER_PAYLOAD), to)
                    .await
                    .unwrap();
                seq = seq.wrapping_add(1);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let listener = tokio::spawn({
        let (media, heard) = (media.clone(), heard.clone());
        async move {
            let mut buf = [0u8; 2048];
            while let Ok((len, _)) = media.recv_from(&mut buf).await {
                if let Ok(packet) = RtpPacket::parse(&buf[..len]) {
                    let payload = packet.payload().to_vec();
                    heard.lock().unwrap().push((packet.ssrc(), payload));
                }
            }
        }
    });
    let echoes = |heard: &Heard| {
        let heard = heard.lock().unwrap();
        heard
            .iter()
            .filter(|(_, p)| p[..] == CALLER_PAYLOAD[..])
            .count()
    };
    // Past the first packets of both legs: latching is over before the strangers begin.
    for _ in 0..100 {
        if echoes(&heard) > 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = echoes(&heard);
    assert!(before > 25, "the caller does not hear the operator's echo");

    // Strangers spray every even port of the range: one on another host, one on the peers'
    // own IP but another port.
    let dropped_before = env.metric("centrale_rtp_dropped_total ").await;
    for ip in ["127.0.0.3", "127.0.0.1"] {
        let stranger = UdpSocket::bind((ip, 0)).await.unwrap();
        for seq in 0..25u16 {
            for port in (RTP_PORTS.0..=RTP_PORTS.1).step_by(2) {
                let packet = rtp(seq, STRANGER_SSRC, &STRANGER_PAYLOAD);
                stranger
                    .send_to(&packet, ("127.0.0.1", port))
                    .await
                    .unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    talking.store(false, Ordering::Relaxed);
    talker.await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    listener.abort();

    let heard = heard.lock().unwrap().clone();
    assert!(
        heard
            .iter()
            .all(|(ssrc, p)| p[..] != STRANGER_PAYLOAD[..] && *ssrc != STRANGER_SSRC),
        "a stranger's RTP was heard"
    );
    // The spray took about a second and a half: the call's own audio kept coming back.
    let during = heard
        .iter()
        .filter(|(_, p)| p[..] == CALLER_PAYLOAD[..])
        .count()
        - before;
    assert!(during > 40, "only {during} echoes during the spray");
    let dropped_after = env.metric("centrale_rtp_dropped_total ").await;
    assert!(
        dropped_after - dropped_before >= 50.0,
        "dropped {dropped_before} → {dropped_after}"
    );

    call.bye(&sip, &ok).await;
    phone.finish().await.assert_ok("operator phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
}

#[tokio::test]
async fn an_sdp_outside_the_media_networks_gets_488() {
    let env = TestApp::builder()
        .demo()
        .settings(|s| s.media_networks = vec!["127.0.0.0/8".into()])
        .start()
        .await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let outside = RawCall::invite(&sip, BAKERY_NUMBER, &offer("192.0.2.10", 4000, "")).await;
    let refused = outside
        .final_response(&sip, Duration::from_secs(5))
        .await
        .expect("a final response");
    assert_eq!(refused.status, 488, "{}", refused.text);

    // Inside the networks the same offer is taken: early media, queued.
    let inside = RawSip::bind("127.0.0.1", env.sip).await;
    RawCall::invite(&inside, BAKERY_NUMBER, &offer("127.0.0.1", 4000, "")).await;
    let mut early = None;
    while let Some(response) = inside.response(Duration::from_secs(5), true).await {
        if response.status != 100 {
            early = Some(response.status);
            break;
        }
    }
    assert_eq!(early, Some(183));
}
