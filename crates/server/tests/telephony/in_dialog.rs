//! Carrier-style traffic inside and around a call's dialog (issue 11): session refreshes by
//! re-INVITE and UPDATE (RFC 4028), a changed offer the relay follows, OPTIONS and INFO in the
//! dialog, extensions Centrale does not support (420), too short a session (422), a BYE
//! before the answer (200, and 487 to the INVITE), a phone holding the call for a minute
//! while the caller hears the hold music, and the session timer run out both ways: Centrale
//! refreshing when named refresher, and ending a session nobody refreshed.
//!
//! The carrier is a raw SIP peer, so each test asserts the exact responses; the operators'
//! phones are SIPp (operator_answer.xml, operator_hold.xml).

use super::raw_call::{RawCall, audio_port, offer};
use centrale_testkit::{BAKERY_NUMBER, RawResponse, RawSip, TestApp};
use rtp_types::{RtpPacket, RtpPacketBuilder};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;

/// The `o=` line of a response's SDP.
fn origin(response: &RawResponse) -> String {
    let line = response.text.lines().find(|l| l.starts_with("o="));
    line.unwrap_or_else(|| panic!("no o= in {}", response.text))
        .to_owned()
}

/// The version in an `o=` line.
fn version(origin: &str) -> u64 {
    origin
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .expect("o= version")
}

/// The carrier's offer at `port` with `o=` version `v`.
fn offer_v(port: u16, v: u32) -> String {
    offer("127.0.0.1", port, "").replace("o=carrier 1 1 ", &format!("o=carrier 1 {v} "))
}

/// This call's final response with CSeq `cseq` (e.g. "2 INVITE"), skipping others.
async fn answer_to(call: &RawCall, sip: &RawSip, cseq: &str) -> RawResponse {
    loop {
        let response = call
            .final_response(sip, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no answer to {cseq}"));
        if response.headers("CSeq").first().map(String::as_str) == Some(cseq) {
            return response;
        }
    }
}

/// One RTP packet of PCMA.
fn rtp(seq: u16) -> Vec<u8> {
    RtpPacketBuilder::new()
        .payload_type(8)
        .sequence_number(seq)
        .timestamp(u32::from(seq) * 160)
        .ssrc(0x2222)
        .payload(&[0x33; 160][..])
        .write_vec()
        .expect("RTP packet")
}

/// Sends `count` packets from `socket` to `to`, then counts what comes back within `wait`.
async fn echoed(socket: &UdpSocket, to: SocketAddr, count: u16, wait: Duration) -> usize {
    for seq in 0..count {
        socket.send_to(&rtp(seq), to).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut buf = [0u8; 2048];
    let mut heard = 0;
    while let Ok(Ok(_)) = tokio::time::timeout(wait, socket.recv_from(&mut buf)).await {
        heard += 1;
    }
    heard
}

#[tokio::test]
async fn refreshes_get_the_same_sdp_a_changed_offer_a_new_version_and_the_relay_follows() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    // The phone echoes every RTP packet it gets: what the caller sends comes back to it.
    let phone = env.phone(&anna, "operator_answer.xml", 1, &["-rtp_echo"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let first_media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let first_port = first_media.local_addr().unwrap().port();
    let call = RawCall::invite_with(
        &sip,
        BAKERY_NUMBER,
        &offer_v(first_port, 1),
        &["Supported: timer", "Session-Expires: 1800"],
    )
    .await;
    let ok = answer_to(&call, &sip, "1 INVITE").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // The caller asked for a session timer without naming a refresher: it refreshes.
    assert_eq!(
        ok.headers("Session-Expires"),
        ["1800;refresher=uac"],
        "{}",
        ok.text
    );
    assert!(
        ok.headers("Require").iter().any(|r| r.contains("timer")),
        "{}",
        ok.text
    );
    call.ack(&sip, &ok).await;
    let ours = SocketAddr::from(([127, 0, 0, 1], audio_port(&ok).expect("our RTP port")));
    assert!(echoed(&first_media, ours, 10, Duration::from_millis(500)).await > 0);

    // A refresh: the same offer again. Centrale's SDP comes back as it was, same version.
    let sdp = [
        "Content-Type: application/sdp",
        "Session-Expires: 1800;refresher=uac",
    ];
    call.in_dialog(&sip, "INVITE", 2, &ok, &sdp, &offer_v(first_port, 1))
        .await;
    let refreshed = answer_to(&call, &sip, "2 INVITE").await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(origin(&refreshed), origin(&ok));
    assert_eq!(refreshed.headers("Session-Expires"), ["1800;refresher=uac"]);
    call.in_dialog(&sip, "ACK", 2, &refreshed, &[], "").await;

    // A change: the caller's media moves to another port (UPDATE, version 2). Centrale
    // answers with its version + 1 and the relay sends there from now on.
    let moved_media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let moved_port = moved_media.local_addr().unwrap().port();
    let content = ["Content-Type: application/sdp"];
    call.in_dialog(&sip, "UPDATE", 3, &ok, &content, &offer_v(moved_port, 2))
        .await;
    let updated = answer_to(&call, &sip, "3 UPDATE").await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(version(&origin(&updated)), version(&origin(&ok)) + 1);
    assert_eq!(audio_port(&updated), audio_port(&ok), "our port stays");
    assert!(echoed(&moved_media, ours, 10, Duration::from_millis(500)).await > 0);

    // Too short a session interval: 422 with our minimum.
    call.in_dialog(&sip, "UPDATE", 4, &ok, &["Session-Expires: 60"], "")
        .await;
    let too_short = answer_to(&call, &sip, "4 UPDATE").await;
    assert_eq!(too_short.status, 422, "{}", too_short.text);
    assert_eq!(too_short.headers("Min-SE"), ["90"]);

    // OPTIONS and INFO in the dialog are answered.
    call.in_dialog(&sip, "OPTIONS", 5, &ok, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "5 OPTIONS").await.status, 200);
    let info = ["Content-Type: application/dtmf-relay"];
    call.in_dialog(&sip, "INFO", 6, &ok, &info, "Signal=5\r\nDuration=160\r\n")
        .await;
    assert_eq!(answer_to(&call, &sip, "6 INFO").await.status, 200);

    // The caller's side holds (version 3, sendonly) and resumes (version 4).
    let hold = offer_v(moved_port, 3).replace("a=sendrecv", "a=sendonly");
    call.in_dialog(&sip, "INVITE", 7, &ok, &content, &hold)
        .await;
    let held = answer_to(&call, &sip, "7 INVITE").await;
    assert_eq!(held.status, 200, "{}", held.text);
    assert!(held.text.contains("a=recvonly"), "{}", held.text);
    call.in_dialog(&sip, "ACK", 7, &held, &[], "").await;
    let on_hold = events.wait_for("call.held", |e| e["by"] == "caller").await;
    call.in_dialog(&sip, "INVITE", 8, &ok, &content, &offer_v(moved_port, 4))
        .await;
    let resumed = answer_to(&call, &sip, "8 INVITE").await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    call.in_dialog(&sip, "ACK", 8, &resumed, &[], "").await;
    events
        .wait_for("call.resumed", |e| e["call_id"] == on_hold["call_id"])
        .await;
    assert!(echoed(&moved_media, ours, 10, Duration::from_millis(500)).await > 0);

    // The call is still up: the caller hangs up.
    call.in_dialog(&sip, "BYE", 9, &ok, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "9 BYE").await.status, 200);
    phone.finish().await.assert_ok("operator phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["holds"], 1, "{record}");
}

#[tokio::test]
async fn what_centrale_does_not_support_gets_420_and_too_short_a_session_422() {
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let sdp = offer("127.0.0.1", 40100, "");

    let refused = |extra: &'static str| {
        let (sip, sdp) = (&sip, &sdp);
        async move {
            let call = RawCall::invite_with(sip, BAKERY_NUMBER, sdp, &[extra]).await;
            call.final_response(sip, Duration::from_secs(5))
                .await
                .expect("an answer")
        }
    };
    let unsupported = refused("Require: timer, foo").await;
    assert_eq!(unsupported.status, 420, "{}", unsupported.text);
    assert_eq!(unsupported.headers("Unsupported"), ["foo"]);
    let too_short = refused("x: 30").await;
    assert_eq!(too_short.status, 422, "{}", too_short.text);
    assert_eq!(too_short.headers("Min-SE"), ["90"]);
    // Neither became a call.
    assert!(env.calls_of_number(BAKERY_NUMBER).await.is_empty());
}

#[tokio::test]
async fn a_bye_before_the_answer_gets_200_its_invite_487_and_leaves_nothing_behind() {
    // Nobody is available: the call waits in the queue with its announcement.
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let media_port = media.local_addr().unwrap().port();
    let call = RawCall::invite(&sip, BAKERY_NUMBER, &offer("127.0.0.1", media_port, "")).await;
    let early = loop {
        let response = call
            .response(&sip, Duration::from_secs(5), true)
            .await
            .expect("183 with the announcement");
        if response.status == 183 {
            break response;
        }
    };
    let our_port = audio_port(&early).expect("our RTP port");
    // The announcement reaches the caller.
    let mut buf = [0u8; 2048];
    let (len, _) = tokio::time::timeout(Duration::from_secs(5), media.recv_from(&mut buf))
        .await
        .expect("announcement RTP")
        .unwrap();
    assert!(RtpPacket::parse(&buf[..len]).is_ok());

    call.in_dialog(&sip, "BYE", 2, &early, &[], "").await;
    let mut finals = Vec::new();
    while finals.len() < 2 {
        let response = call
            .final_response(&sip, Duration::from_secs(5))
            .await
            .expect("answers to the BYE and the INVITE");
        let cseq = response
            .headers("CSeq")
            .first()
            .cloned()
            .unwrap_or_default();
        if !finals.iter().any(|(c, _)| *c == cseq) {
            finals.push((cseq, response.status));
        }
    }
    finals.sort();
    assert_eq!(
        finals,
        [("1 INVITE".to_owned(), 487), ("2 BYE".to_owned(), 200)]
    );

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "abandoned_queued", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(
        env.api.get("/api/v1/queue").await.body,
        serde_json::json!([])
    );
    // The media session is gone: its port is free again.
    let mut freed = false;
    for _ in 0..50 {
        if std::net::UdpSocket::bind(("127.0.0.1", our_port)).is_ok() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed, "RTP port {our_port} still bound");
    assert_eq!(env.metric("centrale_active_calls").await, 0.0);
}

#[tokio::test]
async fn a_call_held_for_a_minute_hears_hold_music_and_the_record_shows_the_hold() {
    // Silence ends a call after 5 s, yet a held call (nobody sends RTP) lives on.
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.rtp_silence_secs = 5)
        .start()
        .await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(
        &anna,
        "operator_hold.xml",
        1,
        &["-d", "60000", "-set", "wait_s", "120"],
    );
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let media_port = media.local_addr().unwrap().port();
    let call = RawCall::invite(&sip, BAKERY_NUMBER, &offer("127.0.0.1", media_port, "")).await;
    let ok = answer_to(&call, &sip, "1 INVITE").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    call.ack(&sip, &ok).await;

    let held = events.wait_for("call.held", |_| true).await;
    assert_eq!(held["by"], "operator", "{held}");
    let call_id = held["call_id"].as_str().unwrap().to_owned();
    // Hold music reaches the caller: 50 packets a second of sound, not silence.
    let mut buf = [0u8; 2048];
    let (mut packets, mut sounding) = (0, 0);
    let listen_until = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Ok((len, _))) =
        tokio::time::timeout_at(listen_until, media.recv_from(&mut buf)).await
    {
        let Ok(packet) = RtpPacket::parse(&buf[..len]) else {
            continue;
        };
        packets += 1;
        // PCMA silence is 0xD5 (and its neighbours); music is not.
        if packet
            .payload()
            .iter()
            .any(|b| !matches!(b, 0xD4..=0xD6 | 0x54..=0x56))
        {
            sounding += 1;
        }
    }
    assert!(packets > 300, "{packets} RTP packets in 10 s of hold");
    assert!(
        sounding > packets / 2,
        "{sounding} of {packets} packets carry sound"
    );

    // The phone resumes a minute after it held (the events are waited for 15 s at most).
    tokio::time::sleep(Duration::from_secs(45)).await;
    let resumed = events
        .wait_for("call.resumed", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(resumed["by"], "operator", "{resumed}");
    // Still up after the minute's hold: the caller hangs up.
    call.in_dialog(&sip, "BYE", 2, &ok, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "2 BYE").await.status, 200);
    phone
        .finish()
        .await
        .assert_ok("operator phone holds and resumes");

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["holds"], 1, "{record}");
    let held_ms = record["held_ms"].as_i64().unwrap();
    assert!(
        (59_000..70_000).contains(&held_ms),
        "held {held_ms} ms: {record}"
    );
    assert_eq!(
        events.types_for_call(&call_id),
        [
            "call.queued",
            "call.offered",
            "call.answered",
            "call.held",
            "call.resumed",
            "call.ended"
        ]
    );
}

/// RFC 4028 as time really passes, with two calls at once on the shortest interval Centrale
/// allows (90 s): one caller names Centrale the refresher and gets its re-INVITE at half the
/// interval, with the SDP as it was; the other names itself and never refreshes, so Centrale
/// ends the call a third of the interval before it would expire. On the phones' legs Centrale
/// is the requester, and refreshes the timer each phone set in its 200.
#[tokio::test]
async fn centrale_refreshes_when_named_and_ends_a_session_nobody_refreshed() {
    // Nobody sends RTP here: the silence timeout must not end the calls first.
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.rtp_silence_secs = 600)
        .start()
        .await;
    let (anna, bram) = (env.operator(1).await, env.operator(2).await);
    let wait = ["-set", "wait_s", "150"];
    // Both phones set a session timer of their own in their 200 and leave it to Centrale to
    // refresh: the scenario fails unless Centrale's refresh re-INVITE comes before the BYE.
    let phones = [
        env.phone(&anna, "operator_answer_session_timer.xml", 1, &wait),
        env.phone(&bram, "operator_answer_session_timer.xml", 1, &wait),
    ];
    for operator in [&anna, &bram] {
        env.wait_registered(operator, true).await;
        env.set_state(operator, "available").await;
    }

    let refreshed_by_centrale = async {
        let sdp = offer_v(40310, 1);
        let (sip, call, ok) = answered_with_timer(&env, &sdp, "uas").await;
        let started = tokio::time::Instant::now();

        let refresh = sip
            .incoming("INVITE", Duration::from_secs(60))
            .await
            .expect("Centrale refreshes the session");
        let after = started.elapsed();
        eprintln!("Centrale's refresh came after {after:?}");
        // At half the interval: not at once, and before the session would expire.
        assert!(after.as_secs() >= 30, "refreshed after only {after:?}");
        assert!(refresh.contains(&call.call_id), "{refresh}");
        assert!(
            refresh.contains("Session-Expires: 90;refresher=uac"),
            "{refresh}"
        );
        let ours = RawResponse {
            status: 0,
            text: refresh.clone(),
        };
        // The refresh offers Centrale's SDP as it was: the same o= line as in its 200.
        assert_eq!(origin(&ours), origin(&ok));
        sip.answer(
            &refresh,
            "200 OK",
            &[
                &format!("Contact: <sip:+31612345678@{}>", sip.local),
                "Session-Expires: 90;refresher=uac",
                "Require: timer",
                "Content-Type: application/sdp",
            ],
            &sdp,
        )
        .await;
        // Still up well past the first interval's end; then the caller hangs up.
        tokio::time::sleep(Duration::from_secs(50)).await;
        call.in_dialog(&sip, "BYE", 2, &ok, &[], "").await;
        assert_eq!(answer_to(&call, &sip, "2 BYE").await.status, 200);
    };

    let never_refreshed = async {
        let (sip, _call, _ok) = answered_with_timer(&env, &offer_v(40312, 1), "uac").await;
        let started = tokio::time::Instant::now();
        let bye = sip
            .incoming("BYE", Duration::from_secs(80))
            .await
            .expect("Centrale ends the unrefreshed session");
        let after = started.elapsed();
        eprintln!("Centrale ended the unrefreshed session after {after:?}");
        // Before the 90 s ran out (the Sipp wait above bounds it), and not at once.
        assert!(after.as_secs() >= 45, "ended after only {after:?}");
        sip.answer(&bye, "200 OK", &[], "").await;
    };

    tokio::join!(refreshed_by_centrale, never_refreshed);
    for phone in phones {
        phone.finish().await.assert_ok("operator phone");
    }
    let records = env.calls_of_number(BAKERY_NUMBER).await;
    let mut ended_by: Vec<&str> = records
        .iter()
        .inspect(|r| assert_eq!(r["outcome"], "answered", "{r}"))
        .map(|r| r["ended_by"].as_str().unwrap_or_default())
        .collect();
    ended_by.sort();
    assert_eq!(ended_by, ["caller", "system"], "{records:?}");
}

/// The caller's early dialog (our 183 or 180 sent, no 200 yet), where rsipstack answers only
/// BYE and PRACK: an UPDATE refreshing the session gets 200, OPTIONS 200, an UPDATE with a new
/// offer moves the announcement to the new address with our answer one version up (RFC 3311
/// §5.1); with a late offer, whose session does not exist before our 200, an offer in an
/// UPDATE gets 500 with Retry-After (§5.2). The calls then end as callers' BYEs end any.
#[tokio::test]
async fn requests_in_the_early_dialog_are_answered_and_an_early_update_moves_the_media() {
    // Nobody is available: the calls wait in the queue.
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let first = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let moved = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = |socket: &UdpSocket| socket.local_addr().unwrap().port();
    let call = RawCall::invite(&sip, BAKERY_NUMBER, &offer_v(port(&first), 1)).await;
    let early = early_response(&call, &sip, 183).await;
    let mut buf = [0u8; 2048];
    tokio::time::timeout(Duration::from_secs(5), first.recv_from(&mut buf))
        .await
        .expect("the announcement at the first address")
        .unwrap();

    call.in_dialog(&sip, "UPDATE", 2, &early, &[], "").await;
    let refreshed = answer_to(&call, &sip, "2 UPDATE").await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(refreshed.headers("Contact").len(), 1, "{}", refreshed.text);
    call.in_dialog(&sip, "OPTIONS", 3, &early, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "3 OPTIONS").await.status, 200);

    let sdp = ["Content-Type: application/sdp"];
    let new_offer = offer_v(port(&moved), 2);
    call.in_dialog(&sip, "UPDATE", 4, &early, &sdp, &new_offer)
        .await;
    let answered = answer_to(&call, &sip, "4 UPDATE").await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(
        version(&origin(&answered)),
        version(&origin(&early)) + 1,
        "{}",
        answered.text
    );
    tokio::time::timeout(Duration::from_secs(5), moved.recv_from(&mut buf))
        .await
        .expect("the announcement follows the new offer")
        .unwrap();

    let late = RawCall::invite(&sip, BAKERY_NUMBER, "").await;
    let ringing = early_response(&late, &sip, 180).await;
    late.in_dialog(&sip, "UPDATE", 2, &ringing, &sdp, &offer_v(40330, 1))
        .await;
    let refused = answer_to(&late, &sip, "2 UPDATE").await;
    assert_eq!(refused.status, 500, "{}", refused.text);
    assert_eq!(refused.headers("Retry-After").len(), 1, "{}", refused.text);
    late.in_dialog(&sip, "UPDATE", 3, &ringing, &[], "").await;
    assert_eq!(answer_to(&late, &sip, "3 UPDATE").await.status, 200);

    call.in_dialog(&sip, "BYE", 5, &early, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "5 BYE").await.status, 200);
    late.in_dialog(&sip, "BYE", 4, &ringing, &[], "").await;
    assert_eq!(answer_to(&late, &sip, "4 BYE").await.status, 200);
    let records = env.calls_of_number(BAKERY_NUMBER).await;
    assert_eq!(records.len(), 2, "{records:?}");
    for record in records {
        assert_eq!(record["outcome"], "abandoned_queued", "{record}");
        assert_eq!(record["ended_by"], "caller", "{record}");
    }
    assert_eq!(env.metric("centrale_active_calls").await, 0.0);
}

/// A call with `sdp` asking for a 90 s session timer refreshed by `refresher` ("uac": the
/// carrier, "uas": Centrale), answered with that timer and ACKed.
async fn answered_with_timer(
    env: &TestApp,
    sdp: &str,
    refresher: &str,
) -> (RawSip, RawCall, RawResponse) {
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let asked = format!("Session-Expires: 90;refresher={refresher}");
    let call = RawCall::invite_with(&sip, BAKERY_NUMBER, sdp, &["Supported: timer", &asked]).await;
    let ok = answer_to(&call, &sip, "1 INVITE").await;
    assert_eq!(
        ok.headers("Session-Expires"),
        [format!("90;refresher={refresher}")],
        "{}",
        ok.text
    );
    call.ack(&sip, &ok).await;
    (sip, call, ok)
}

/// The call's first provisional response with `status`, skipping 100 Trying.
async fn early_response(call: &RawCall, sip: &RawSip, status: u16) -> RawResponse {
    loop {
        let response = call
            .response(sip, Duration::from_secs(5), true)
            .await
            .unwrap_or_else(|| panic!("no {status} within 5 s"));
        if response.status == status {
            return response;
        }
    }
}
