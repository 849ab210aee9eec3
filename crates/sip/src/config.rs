//! What the telephony is told: where to listen, what to advertise, whom to trust.

use centrale_core::Cidr;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Telephony settings (the binary fills them from its layered settings).
#[derive(Clone, Debug)]
pub struct SipConfig {
    /// UDP and TCP listen address.
    pub listen: SocketAddr,
    /// The address put in Contact, Via and SDP (what peers can reach).
    pub advertise: IpAddr,
    /// Digest realm for operators' phones.
    pub realm: String,
    /// Also challenge with SHA-256 digest (after MD5).
    pub digest_sha256: bool,
    /// Carrier trunks allowed to send calls without authentication.
    pub trunks: Vec<Cidr>,
    /// RTP port range, inclusive.
    pub rtp_ports: (u16, u16),
    /// How long an operator's phone rings before the call goes to the next one.
    pub ring_timeout: Duration,
    /// Wrap-up time after a call before the operator is available again.
    pub wrap_up: Duration,
    /// RTP silence after which a call is taken to be dead (bridged: from both legs; queued:
    /// from a caller without comfort noise).
    pub silence_timeout: Duration,
    /// Calls in progress from one trunk source address before INVITEs get 503.
    pub max_calls_per_trunk: usize,
    /// Calls waiting for an operator (queued or ringing) before INVITEs get 503.
    pub max_queue_length: usize,
    /// Where we may send RTP; an SDP naming another address is refused (488).
    pub media_networks: Vec<Cidr>,
    /// Steps of calls the journal holds unwritten (database slow or down) before INVITEs get
    /// 503.
    pub journal_bound: usize,
}
