//! RTP media: SDP offer/answer, port allocation, announcement, relay.
//!
//! Centrale anchors the media of every call: the caller's RTP reaches one of our UDP ports, the
//! operator phone's RTP another, and a small task per call moves packets between them. Each leg
//! chooses its own G.711 law (PCMA or PCMU); when they differ the relay converts the audio
//! sample by sample (G.711's tables), so a PCMU-only phone can take an A-law trunk's call.
//!
//! Key types:
//! - [`MediaEngine`]: shared, cheap to clone; hands out even RTP ports from a configured range.
//! - [`MediaSession`]: one call's media, two sockets (caller side, operator side). Its life:
//!   1. SDP with the caller: [`MediaSession::answer_caller_offer`] (early offer in the INVITE) or
//!      [`MediaSession::offer_to_caller`] + [`MediaSession::caller_answer`] (late offer: our
//!      offer in the 200 OK, the caller's answer in the ACK).
//!   2. [`MediaSession::start_announcement`]: a generated chime loops toward the caller while it
//!      waits in the queue.
//!   3. SDP with the operator phone: [`MediaSession::offer_to_operator`] and
//!      `MediaSession::far_answer`.
//!   4. `MediaSession::bridge_to`: the announcement stops, RTP flows both ways. Toward the caller
//!      the SSRC, sequence numbers and timestamps continue the announcement's stream, so the
//!      carrier sees one unbroken stream.
//!   5. In the dialog, [`MediaSession::answer_reoffer`] answers a peer's re-INVITE or UPDATE:
//!      a refresh gets our SDP as it was, a change is followed. A peer that holds
//!      (`sendonly`, `inactive`, `c=0.0.0.0`) stops the relay and the other side hears the
//!      generated hold music until the peer resumes.
//!   6. Putting the caller through: [`MediaSession::ring_back`] plays the ringing tone to the
//!      caller while the operator side starts over with the destination
//!      (`set_peer`, offer and answer as with a phone); `bridge_to` then
//!      joins them. The "operator" side is the far leg: her phone, or the destination.
//!   7. [`MediaSession::silent`] to detect dead media (never while held),
//!      [`MediaSession::close`] (or drop) to end.
//!
//! Payload types: PCMU is 0 and PCMA is 8 on our side of each leg (a peer's own numbers are
//! kept in answers and mapped while relaying). RFC 4733 telephone-events pass through, their
//! payload type mapped between the legs; when we make the offer it uses 101.
//!
//! Remote addresses come from SDP (`c=` at session or media level, `m=` port) and must lie in
//! the configured media networks (else 488: we would send RTP where we were told). A leg
//! accepts packets only from its SDP address or from a source it latched to: from the IP the
//! leg's SIP came from, within the leg's first packets (for a peer behind a NAT). The first
//! source heard is also where that leg's RTP goes (symmetric RTP). Packets from anyone else
//! are dropped and counted, never relayed, and never count as the leg being alive. RTCP is
//! neither bound nor sent.
//!
//! May depend on: tokio, the SDP and RTP wire crates, the G.711 codec crate, `centrale-core`'s
//! [`Cidr`], prometheus-client's counter.

mod codec;
mod engine;
mod relay;
pub(crate) mod sdp;
pub(crate) mod session;
mod state;
mod stream;
mod tone;

#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::time::Duration;

use centrale_core::Cidr;

pub use codec::Codec;
pub use engine::MediaEngine;
pub use session::MediaSession;
pub(crate) use state::Side;

/// Where and how the media engine binds its RTP sockets.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Local address the RTP sockets bind to (may be unspecified, `0.0.0.0`).
    pub bind_ip: IpAddr,
    /// Address written into our SDP (`c=` and `o=`); what peers send RTP to.
    pub advertise_ip: IpAddr,
    /// First port of the RTP range (rounded up to even).
    pub port_min: u16,
    /// Last port of the RTP range (inclusive).
    pub port_max: u16,
    /// How long without incoming RTP before [`MediaSession::silent`] resolves.
    pub silence_timeout: Duration,
    /// Where we may send RTP: an SDP naming an address outside these is refused.
    pub networks: Vec<Cidr>,
}

/// What can go wrong while negotiating or opening media.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The peer offered or answered no codec we can relay without transcoding (SIP 488).
    #[error("no common codec (PCMA or PCMU, the same on both legs)")]
    NoCommonCodec,
    /// The SDP could not be parsed or lacks an address or port (SIP 400 or 488).
    #[error("bad SDP: {0}")]
    BadSdp(String),
    /// The SDP names an address outside the media networks (SIP 488).
    #[error("media address {0} is outside the allowed media networks")]
    AddressNotAllowed(IpAddr),
    /// Every even port of the configured range is in use (SIP 503).
    #[error("no free RTP port in the configured range")]
    NoPorts,
    /// A socket could not be bound for another reason than the port being in use.
    #[error("media socket: {0}")]
    Io(#[from] std::io::Error),
}

/// `Result` of the media module.
pub type Result<T, E = MediaError> = std::result::Result<T, E>;

/// Packet counters of one session, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaStats {
    /// RTP packets received on the caller-side socket.
    pub caller_received: u64,
    /// RTP packets sent to the caller (announcement and relayed).
    pub caller_sent: u64,
    /// RTP packets received on the operator-side socket.
    pub operator_received: u64,
    /// RTP packets sent to the operator's phone.
    pub operator_sent: u64,
    /// RTP packets received from and sent to a consult leg (ruggespraak).
    pub consult_received: u64,
    pub consult_sent: u64,
}

impl MediaStats {
    /// All packets handled: received and sent on both legs.
    pub fn packets(&self) -> u64 {
        self.caller_received
            + self.caller_sent
            + self.operator_received
            + self.operator_sent
            + self.consult_received
            + self.consult_sent
    }
}
