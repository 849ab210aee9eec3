//! Big and odd messages from a carrier (issue 11, item 6): an INVITE far over 1,300 bytes on
//! UDP, and one written entirely in compact header forms (RFC 3261 §7.3.3) with `tel:` URIs
//! (RFC 3966). Both become calls like any other: the caller hears our 183, and the record
//! names who called which number. The carrier is a raw SIP peer, so the bytes are exactly
//! these; it gives up in the queue (BYE before the answer: 200, and 487 to its INVITE).

use super::raw_call::{RawCall, offer};
use centrale_testkit::{BAKERY_NUMBER, RawResponse, RawSip, TestApp};
use std::time::Duration;

/// The next response with this Call-ID and CSeq (e.g. "1 INVITE") and a status in `statuses`.
async fn response(sip: &RawSip, call_id: &str, cseq: &str, statuses: &[u16]) -> RawResponse {
    loop {
        let response = sip
            .response(Duration::from_secs(5), true)
            .await
            .unwrap_or_else(|| panic!("no {statuses:?} to {cseq}"));
        let ours = response.headers("Call-ID").first().map(String::as_str) == Some(call_id)
            && response.headers("CSeq").first().map(String::as_str) == Some(cseq);
        if ours && statuses.contains(&response.status) {
            return response;
        }
    }
}

#[tokio::test]
async fn an_invite_of_several_kilobytes_on_udp_becomes_a_call() {
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    // Carriers add long headers (P-Charging-Vector, History-Info chains, …): 4 KB of them.
    let long: Vec<String> = (0..16)
        .map(|i| format!("X-Carrier-Info-{i}: {}", "a".repeat(240)))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let call =
        RawCall::invite_with(&sip, BAKERY_NUMBER, &offer("127.0.0.1", 40300, ""), &long).await;
    let early = response(&sip, &call.call_id, "1 INVITE", &[183]).await;
    assert!(early.text.contains("m=audio "), "{}", early.text);

    call.in_dialog(&sip, "BYE", 2, &early, &[], "").await;
    assert_eq!(
        response(&sip, &call.call_id, "2 BYE", &[200]).await.status,
        200
    );
    response(&sip, &call.call_id, "1 INVITE", &[487]).await;
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "abandoned_queued", "{record}");
}

#[tokio::test]
async fn an_invite_in_compact_form_with_tel_uris_becomes_a_call() {
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let local = sip.local;
    let sdp = offer("127.0.0.1", 40302, "");
    let call_id = format!("{}@compact", uuid::Uuid::now_v7().simple());
    let from = "f: \"Jan Jansen\" <tel:+31612345678>;tag=compact-1";
    let invite = format!(
        "INVITE tel:{BAKERY_NUMBER} SIP/2.0\r\n\
         v: SIP/2.0/UDP {local};branch=z9hG4bK-compact-1;rport\r\n\
         Max-Forwards: 70\r\n{from}\r\nt: <tel:{BAKERY_NUMBER}>\r\ni: {call_id}\r\n\
         CSeq: 1 INVITE\r\nm: <sip:+31612345678@{local}>\r\nk: timer\r\n\
         c: application/sdp\r\nl: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    sip.send(invite.as_bytes()).await;
    let early = response(&sip, &call_id, "1 INVITE", &[183]).await;
    assert!(early.text.contains("m=audio "), "{}", early.text);

    // The caller gives up, in compact form too, to the 183's Contact.
    let to = early.headers("To").first().cloned().expect("To");
    let bye = format!(
        "BYE sip:centrale@{server} SIP/2.0\r\n\
         v: SIP/2.0/UDP {local};branch=z9hG4bK-compact-2;rport\r\n\
         Max-Forwards: 70\r\n{from}\r\nt: {to}\r\ni: {call_id}\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n",
        server = env.sip
    );
    sip.send(bye.as_bytes()).await;
    response(&sip, &call_id, "2 BYE", &[200]).await;
    response(&sip, &call_id, "1 INVITE", &[487]).await;

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "abandoned_queued", "{record}");
    assert_eq!(record["dialled"], BAKERY_NUMBER, "{record}");
    assert_eq!(record["caller"]["number"], "+31612345678", "{record}");
    assert_eq!(record["caller"]["name"], "Jan Jansen", "{record}");
}

#[tokio::test]
async fn a_request_of_an_unknown_method_gets_501_in_a_call_and_outside_one() {
    let env = TestApp::demo().await;
    let sip = RawSip::bind("127.0.0.1", env.sip).await;
    let call = RawCall::invite(&sip, BAKERY_NUMBER, &offer("127.0.0.1", 40304, "")).await;
    let early = response(&sip, &call.call_id, "1 INVITE", &[183]).await;

    // Within the caller's early dialog: 501, with Allow naming what Centrale does serve.
    call.in_dialog(&sip, "PING", 2, &early, &[], "").await;
    let refused = response(&sip, &call.call_id, "2 PING", &[501]).await;
    let allow = refused.headers("Allow").join(", ");
    assert!(
        allow.contains("INVITE") && !allow.contains("PING"),
        "{}",
        refused.text
    );
    assert!(
        refused.headers("To")[0].contains("tag="),
        "{}",
        refused.text
    );

    // Outside any dialog, with a method spelt in lower case letters and digits.
    let request = sip.build(
        "X-Ping2",
        &format!("sip:centrale@{}", env.sip),
        &[
            "From: <sip:probe@127.0.0.1>;tag=p1",
            "To: <sip:centrale@127.0.0.1>",
            "Call-ID: probe-501",
            "CSeq: 1 X-Ping2",
        ],
        "",
    );
    sip.send(request.as_bytes()).await;
    response(&sip, "probe-501", "1 X-Ping2", &[501]).await;

    // The call goes on as if nothing had come: the caller gives up in the queue.
    call.in_dialog(&sip, "BYE", 3, &early, &[], "").await;
    response(&sip, &call.call_id, "3 BYE", &[200]).await;
    response(&sip, &call.call_id, "1 INVITE", &[487]).await;
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "abandoned_queued", "{record}");
}
