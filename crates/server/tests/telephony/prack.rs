//! RFC 3262 on the carrier leg (issue 11): a carrier that requires reliable provisional
//! responses gets its 183 with `Require: 100rel` and an `RSeq`, sent again until it PRACKs; a
//! PRACK for a response Centrale never sent gets 481, the right one 200; Centrale's 200 comes
//! after the PRACK, and the call goes on as any other. The carrier is a raw SIP peer, so the
//! test sees every retransmission; the operator's phone is SIPp. (A SIPp carrier doing the
//! same, `carrier_call_100rel.xml`, is in `calls`.)

use super::raw_call::{RawCall, offer};
use centrale_testkit::{BAKERY_NUMBER, RawResponse, RawSip, TestApp};
use std::time::Duration;

/// The call's next 183, skipping 100 Trying.
async fn next_183(call: &RawCall, sip: &RawSip) -> RawResponse {
    loop {
        let response = call
            .response(sip, Duration::from_secs(5), true)
            .await
            .expect("a 183 within 5 s");
        if response.status == 183 {
            return response;
        }
    }
}

/// The call's next response to `cseq` (e.g. "2 PRACK"), skipping others (183s included).
async fn answer_to(call: &RawCall, sip: &RawSip, cseq: &str) -> RawResponse {
    loop {
        let response = call
            .response(sip, Duration::from_secs(10), true)
            .await
            .unwrap_or_else(|| panic!("no answer to {cseq}"));
        let answers = response.headers("CSeq").first().map(String::as_str) == Some(cseq);
        if answers && response.status >= 200 {
            return response;
        }
    }
}

#[tokio::test]
async fn a_carrier_requiring_100rel_gets_its_183_reliably_until_it_pracks() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;

    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let sdp = offer("127.0.0.1", 40200, "");
    let extra = ["Supported: 100rel, timer", "Require: 100rel"];
    let call = RawCall::invite_with(&sip, BAKERY_NUMBER, &sdp, &extra).await;

    // Nobody is available yet: the caller waits with our 183, sent reliably.
    let early = next_183(&call, &sip).await;
    assert!(
        early
            .headers("Require")
            .iter()
            .any(|r| r.contains("100rel")),
        "{}",
        early.text
    );
    let rseq = early.headers("RSeq").first().cloned().expect("an RSeq");
    let rseq: u32 = rseq.trim().parse().expect("a numeric RSeq");
    assert!((1..=0x7fff_ffff).contains(&rseq), "RSeq {rseq}");
    assert!(
        early.text.contains("m=audio "),
        "our answer: {}",
        early.text
    );
    // Not acknowledged, it comes again, the same response.
    let again = next_183(&call, &sip).await;
    assert_eq!(again.headers("RSeq"), [rseq.to_string()]);

    // A PRACK naming a response we never sent (the wrong CSeq) gets 481.
    let wrong = format!("RAck: {rseq} 7 INVITE");
    call.in_dialog(&sip, "PRACK", 2, &early, &[&wrong], "")
        .await;
    let refused = answer_to(&call, &sip, "2 PRACK").await;
    assert_eq!(refused.status, 481, "{}", refused.text);
    // The right one gets 200.
    let right = format!("RAck: {rseq} 1 INVITE");
    call.in_dialog(&sip, "PRACK", 3, &early, &[&right], "")
        .await;
    let acknowledged = answer_to(&call, &sip, "3 PRACK").await;
    assert_eq!(acknowledged.status, 200, "{}", acknowledged.text);

    // Anna takes the call: Centrale's 200, and the call goes on to its end.
    env.set_state(&anna, "available").await;
    let ok = answer_to(&call, &sip, "1 INVITE").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    call.ack(&sip, &ok).await;
    call.in_dialog(&sip, "BYE", 4, &ok, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "4 BYE").await.status, 200);
    phone.finish().await.assert_ok("operator phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
}

#[tokio::test]
async fn a_caller_that_only_supports_100rel_is_served_reliably_and_a_stray_prack_gets_481() {
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let sdp = offer("127.0.0.1", 40202, "");
    let call = RawCall::invite_with(&sip, BAKERY_NUMBER, &sdp, &["Supported: 100rel"]).await;
    let early = next_183(&call, &sip).await;
    let rseq = early.headers("RSeq").first().cloned().expect("an RSeq");
    let right = format!("RAck: {rseq} 1 INVITE");
    call.in_dialog(&sip, "PRACK", 2, &early, &[&right], "")
        .await;
    assert_eq!(answer_to(&call, &sip, "2 PRACK").await.status, 200);

    // A PRACK from a caller that was sent no reliable 183.
    let stray = RawCall::invite_with(&sip, BAKERY_NUMBER, &sdp, &[]).await;
    let stray_early = next_183(&stray, &sip).await;
    assert!(
        stray_early.headers("RSeq").is_empty(),
        "{}",
        stray_early.text
    );
    stray
        .in_dialog(&sip, "PRACK", 2, &stray_early, &[&right], "")
        .await;
    assert_eq!(answer_to(&stray, &sip, "2 PRACK").await.status, 481);

    // Both callers give up; their INVITEs get 487.
    for (call, early) in [(&call, &early), (&stray, &stray_early)] {
        call.in_dialog(&sip, "BYE", 3, early, &[], "").await;
        assert_eq!(answer_to(call, &sip, "1 INVITE").await.status, 487);
    }
}

/// RFC 3262 §3: a reliable 183 never PRACKed is sent again, at T1, 2·T1, … at most T2 apart,
/// and after 64·T1 (32 s) Centrale gives up with 500 to the INVITE; the caller's call leaves
/// nothing behind (queue, active calls, the record).
#[tokio::test]
async fn a_183_never_pracked_is_retransmitted_and_its_invite_refused_after_64_t1() {
    // The caller sends no RTP: silence must not end the call first.
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.rtp_silence_secs = 600)
        .start()
        .await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let sdp = offer("127.0.0.1", 40204, "");
    let call = RawCall::invite_with(&sip, BAKERY_NUMBER, &sdp, &["Require: 100rel"]).await;
    let started = tokio::time::Instant::now();

    let (mut rseqs, mut gaps) = (Vec::new(), Vec::new());
    let mut last = started;
    let final_response = loop {
        let response = call
            .response(&sip, Duration::from_secs(10), true)
            .await
            .expect("a 183 again, or the final response, within 10 s");
        match response.status {
            183 => {
                rseqs.extend(response.headers("RSeq"));
                gaps.push(last.elapsed());
                last = tokio::time::Instant::now();
            }
            100 => {}
            _ => break response,
        }
    };
    let after = started.elapsed();
    eprintln!(
        "{} 183s, gaps {gaps:?}; {} after {after:?}",
        rseqs.len(),
        final_response.status
    );
    assert_eq!(final_response.status, 500, "{}", final_response.text);
    // T1-doubling up to T2 over 32 s: 0.5, 1, 2, 4, 4, … — at least ten sends, every one the
    // same response (the same RSeq).
    assert!(rseqs.len() >= 10, "{rseqs:?}");
    assert!(rseqs.iter().all(|r| *r == rseqs[0]), "{rseqs:?}");
    assert!(after.as_secs() >= 30, "gave up after only {after:?}");
    call.in_dialog(&sip, "ACK", 1, &final_response, &[], "")
        .await;

    // Centrale refused the call: the record must not blame the caller for leaving.
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "failed", "{record}");
    assert_eq!(record["ended_by"], "system", "{record}");
    assert_eq!(env.metric("centrale_active_calls").await, 0.0);
    assert_eq!(env.metric("centrale_queue_length").await, 0.0);
}

/// RFC 3262 §5 with a late offer: an INVITE without SDP that requires 100rel gets a reliable
/// 183 carrying Centrale's offer; the caller answers in its PRACK, and from then on hears the
/// announcement while it waits; the 200 that follows carries no SDP (the offer and answer are
/// done), and the call is answered and ends as any other.
#[tokio::test]
async fn a_late_offer_requiring_100rel_gets_our_offer_reliably_and_answers_in_its_prack() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;

    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let media_port = media.local_addr().unwrap().port();
    let call = RawCall::invite_with(&sip, BAKERY_NUMBER, "", &["Require: 100rel"]).await;
    let early = next_183(&call, &sip).await;
    let rseq = early.headers("RSeq").first().cloned().expect("an RSeq");
    assert!(
        early.text.contains("m=audio ") && early.text.contains("a=rtpmap:8 PCMA/8000"),
        "our offer in the 183: {}",
        early.text
    );
    // Nothing reaches the caller before it answered our offer.
    let mut buf = [0u8; 2048];
    let before = tokio::time::timeout(Duration::from_secs(1), media.recv_from(&mut buf)).await;
    assert!(before.is_err(), "RTP before the caller's answer");

    let answer = offer("127.0.0.1", media_port, "");
    let rack = format!("RAck: {rseq} 1 INVITE");
    let headers = [rack.as_str(), "Content-Type: application/sdp"];
    call.in_dialog(&sip, "PRACK", 2, &early, &headers, &answer)
        .await;
    assert_eq!(answer_to(&call, &sip, "2 PRACK").await.status, 200);
    let (len, _) = tokio::time::timeout(Duration::from_secs(5), media.recv_from(&mut buf))
        .await
        .expect("the announcement once the caller answered")
        .unwrap();
    assert!(len > 12, "an RTP packet");

    env.set_state(&anna, "available").await;
    let ok = answer_to(&call, &sip, "1 INVITE").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(
        !ok.text.contains("m=audio"),
        "no SDP in the 200: {}",
        ok.text
    );
    call.ack(&sip, &ok).await;
    call.in_dialog(&sip, "BYE", 3, &ok, &[], "").await;
    assert_eq!(answer_to(&call, &sip, "3 BYE").await.status, 200);
    phone.finish().await.assert_ok("operator phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
}
