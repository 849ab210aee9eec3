//! Hand-made SIP over UDP, for messages SIPp cannot send (SHA-256 digest, forged headers, junk).

use std::net::SocketAddr;
use std::time::Duration;

/// A hand-driven SIP peer on UDP, for messages SIPp cannot send (SHA-256 digest, junk).
pub struct RawSip {
    pub socket: tokio::net::UdpSocket,
    pub local: SocketAddr,
    pub server: SocketAddr,
}

/// A SIP response as text, with its status code.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    pub text: String,
}

impl RawResponse {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let status = text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()?;
        Some(Self { status, text })
    }

    /// All values of header `name` (case-insensitive; compact forms not expanded).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.text
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

impl RawSip {
    /// A socket on `ip` (e.g. "127.0.0.2") talking to Centrale at `server`.
    pub async fn bind(ip: &str, server: SocketAddr) -> Self {
        let socket = tokio::net::UdpSocket::bind((ip, 0))
            .await
            .expect("bind a raw SIP socket");
        let local = socket.local_addr().expect("local addr");
        Self {
            socket,
            local,
            server,
        }
    }

    pub async fn send(&self, bytes: &[u8]) {
        self.socket
            .send_to(bytes, self.server)
            .await
            .expect("datagram sent");
    }

    /// The next SIP response within `wait`, skipping provisional ones unless `provisional`.
    pub async fn response(&self, wait: Duration, provisional: bool) -> Option<RawResponse> {
        self.first_within(wait, |datagram| {
            RawResponse::parse(datagram).filter(|r| provisional || r.status >= 200)
        })
        .await
    }

    /// The next request of `method` that Centrale sends within `wait` (anything else that
    /// arrives meanwhile is skipped), as text.
    pub async fn incoming(&self, method: &str, wait: Duration) -> Option<String> {
        let start = format!("{method} ");
        self.first_within(wait, |datagram| {
            let text = String::from_utf8_lossy(datagram);
            text.starts_with(&start).then(|| text.into_owned())
        })
        .await
    }

    /// The first datagram within `wait` that `pick` takes, the others skipped.
    async fn first_within<T>(
        &self,
        wait: Duration,
        mut pick: impl FnMut(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = vec![0u8; 65536];
        loop {
            let (len, _) = tokio::time::timeout_at(deadline, self.socket.recv_from(&mut buf))
                .await
                .ok()?
                .ok()?;
            if let Some(picked) = pick(&buf[..len]) {
                return Some(picked);
            }
        }
    }

    /// Answers `request` (as [`Self::incoming`] returned it) with `status` (e.g. "200 OK"):
    /// its Via, From, To, Call-ID and CSeq copied, then `headers` and `body`.
    pub async fn answer(&self, request: &str, status: &str, headers: &[&str], body: &str) {
        let request = RawResponse {
            status: 0,
            text: request.to_owned(),
        };
        let mut text = format!("SIP/2.0 {status}\r\n");
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            for value in request.headers(name) {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        for header in headers {
            text.push_str(&format!("{header}\r\n"));
        }
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.send(text.as_bytes()).await;
    }

    /// Sends `text` and waits (at most 3 s) for its final response.
    pub async fn request(&self, text: &str) -> Option<RawResponse> {
        self.send(text.as_bytes()).await;
        self.response(Duration::from_secs(3), false).await
    }

    /// A request from this socket with a fresh branch, tag and Call-ID; `headers` are extra
    /// lines (without CRLF); Content-Length is computed from `body` unless `headers` has one.
    pub fn build(&self, method: &str, uri: &str, headers: &[&str], body: &str) -> String {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let mut text = format!(
            "{method} {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK{unique};rport\r\n\
             Max-Forwards: 70\r\n",
            local = self.local
        );
        let has = |name: &str| {
            headers
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with(&format!("{name}:")))
        };
        if !has("from") {
            text.push_str(&format!("From: <sip:test@{}>;tag={unique}\r\n", self.local));
        }
        if !has("to") {
            text.push_str(&format!("To: <{uri}>\r\n"));
        }
        if !has("call-id") {
            text.push_str(&format!("Call-ID: {unique}\r\n"));
        }
        if !has("cseq") {
            text.push_str(&format!("CSeq: 1 {method}\r\n"));
        }
        for header in headers {
            text.push_str(header);
            text.push_str("\r\n");
        }
        if !has("content-length") {
            text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        text.push_str("\r\n");
        text.push_str(body);
        text
    }
}
