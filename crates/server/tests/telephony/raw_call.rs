//! A carrier call made by hand over UDP: INVITE with an SDP offer, ACK and BYE, for tests that
//! need what SIPp cannot give them (hundreds of calls that never go away, comfort noise in the
//! offer, the RTP ports in Centrale's answer).

use centrale_testkit::{RawResponse, RawSip};
use std::time::Duration;

/// An SDP offer of PCMA (and `extra_fmts`, e.g. "13" for comfort noise) at `ip`:`port`.
pub fn offer(ip: &str, port: u16, extra_fmts: &str) -> String {
    format!(
        "v=0\r\no=carrier 1 1 IN IP4 {ip}\r\ns=carrier\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 8 {extra_fmts}\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
    )
}

/// The RTP port of the `m=audio` line of a response's SDP.
pub fn audio_port(response: &RawResponse) -> Option<u16> {
    let line = response.text.lines().find(|l| l.starts_with("m=audio "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One call placed by a raw SIP peer.
pub struct RawCall {
    /// The INVITE as sent, for retransmissions.
    invite: String,
    pub call_id: String,
    from: String,
    uri: String,
}

impl RawCall {
    /// Sends an INVITE to `number` with `sdp`; the responses arrive on `sip`'s socket.
    pub async fn invite(sip: &RawSip, number: &str, sdp: &str) -> Self {
        Self::invite_with(sip, number, sdp, &[]).await
    }

    /// [`Self::invite`] with `extra` header lines (Require, Session-Expires, …).
    pub async fn invite_with(sip: &RawSip, number: &str, sdp: &str, extra: &[&str]) -> Self {
        let uri = format!("sip:{number}@{}", sip.server);
        let call_id = format!("{}@raw", uuid::Uuid::now_v7().simple());
        let from = format!(
            "<sip:+31612345678@{}>;tag={}",
            sip.local,
            uuid::Uuid::now_v7().simple()
        );
        let headers = [
            format!("From: {from}"),
            format!("Call-ID: {call_id}"),
            format!("Contact: <sip:+31612345678@{}>", sip.local),
            "Content-Type: application/sdp".to_owned(),
        ];
        let mut headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        headers.extend_from_slice(extra);
        let invite = sip.build("INVITE", &uri, &headers, sdp);
        sip.send(invite.as_bytes()).await;
        Self {
            invite,
            call_id,
            from,
            uri,
        }
    }

    /// Sends the INVITE again, as a UA does until it hears a response (RFC 3261 timer A).
    pub async fn retransmit(&self, sip: &RawSip) {
        sip.send(self.invite.as_bytes()).await;
    }

    /// Waits (bounded) for this call's final response, skipping provisional ones and other
    /// calls' messages.
    pub async fn final_response(&self, sip: &RawSip, wait: Duration) -> Option<RawResponse> {
        self.response(sip, wait, false).await
    }

    /// Waits (bounded) for this call's next response, provisional ones too if `provisional`.
    pub async fn response(
        &self,
        sip: &RawSip,
        wait: Duration,
        provisional: bool,
    ) -> Option<RawResponse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let response = sip.response(left, provisional).await?;
            if response.headers("Call-ID").first() == Some(&self.call_id) {
                return Some(response);
            }
        }
    }

    /// ACKs a 200 (a new transaction, to the 200's Contact).
    pub async fn ack(&self, sip: &RawSip, ok: &RawResponse) {
        self.in_dialog(sip, "ACK", 1, ok, &[], "").await;
    }

    /// Hangs up an answered call.
    pub async fn bye(&self, sip: &RawSip, ok: &RawResponse) {
        self.in_dialog(sip, "BYE", 2, ok, &[], "").await;
    }

    /// Sends `method` with CSeq `cseq`, `headers` and `body` in the dialog that `ok` (a 200
    /// or a provisional response with a To tag) established, to its Contact.
    pub async fn in_dialog(
        &self,
        sip: &RawSip,
        method: &str,
        cseq: u32,
        ok: &RawResponse,
        headers: &[&str],
        body: &str,
    ) {
        let to = ok.headers("To").first().cloned().unwrap_or_default();
        let target = ok
            .headers("Contact")
            .first()
            .and_then(|c| c.split(['<', '>']).nth(1).map(str::to_owned))
            .unwrap_or_else(|| self.uri.clone());
        let dialog = [
            format!("From: {}", self.from),
            format!("To: {to}"),
            format!("Call-ID: {}", self.call_id),
            format!("CSeq: {cseq} {method}"),
        ];
        let mut all: Vec<&str> = dialog.iter().map(String::as_str).collect();
        all.extend_from_slice(headers);
        sip.send(sip.build(method, &target, &all, body).as_bytes())
            .await;
    }
}
