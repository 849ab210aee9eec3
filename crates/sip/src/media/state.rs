//! State one session shares between its signalling side ([`super::MediaSession`]) and its
//! relay task: what was negotiated per leg, packet counters and the time of the last packet.
//!
//! The negotiation sits behind a std `Mutex`, locked briefly and never across an `.await`;
//! counters and times are atomics.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use tokio_util::sync::CancellationToken;

use super::MediaStats;
use super::codec::Codec;

/// What the relay task does with media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Receive and count only.
    Idle,
    /// Send the announcement to the caller; the operator leg is not relayed.
    Announce,
    /// Play the ringing tone to the caller while a transfer's destination rings; the
    /// operator leg is not relayed.
    Ringback,
    /// Relay both ways between the caller and this far leg (the operator's phone, or the
    /// destination the caller was put through to).
    Bridge(Side),
    /// Bridged with `far`, the peer on `holder`'s side holds the call: the other side hears
    /// the hold music, nothing is relayed, and silence ends nothing.
    Hold { far: Side, holder: Side },
    /// The operator talks with the consult leg (ruggespraak) while the caller, on hold, hears
    /// the hold music; silence ends nothing.
    Consult,
}

impl Mode {
    /// Where a packet received on `side` goes in this mode, if anywhere.
    pub(crate) fn relays(self, side: Side) -> Option<Side> {
        match (self, side) {
            (Mode::Bridge(far), Side::Caller) => Some(far),
            (Mode::Bridge(far), from) if from == far => Some(Side::Caller),
            (Mode::Consult, Side::Operator) => Some(Side::Consult),
            (Mode::Consult, Side::Consult) => Some(Side::Operator),
            _ => None,
        }
    }
}

/// One of the legs of a session: the caller's, the operator phone's (or, after a blind
/// transfer, the destination's), and the consult leg a ruggespraak opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Caller,
    Operator,
    Consult,
}

impl Side {
    /// The legs, in the order of the per-leg arrays.
    pub(crate) const ALL: [Side; 3] = [Side::Caller, Side::Operator, Side::Consult];

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// How many packets a leg may receive before latching closes: a peer behind a NAT sends from
/// its real source from the first packets on, so a source that turns up later is a stranger.
const LATCH_WINDOW: u32 = 16;

/// How many sources a leg may latch to: a peer may send from another port than it receives
/// on (asymmetric RTP, e.g. a media server beside its signalling), but not from many.
const MAX_LATCHED: usize = 2;

/// What we know about one leg's peer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leg {
    /// Address from the peer's SDP.
    pub(crate) sdp_addr: Option<SocketAddr>,
    /// Sources accepted since the SDP, in the order first heard; the first is where the peer
    /// receives too (symmetric RTP, for a peer behind a NAT).
    pub(crate) latched: Vec<SocketAddr>,
    /// The IP the leg's SIP came from: the only one whose packets may latch.
    pub(crate) peer_ip: Option<IpAddr>,
    /// Packets accepted since the SDP, to close the latching window.
    pub(crate) accepted: u32,
    /// The peer negotiated comfort noise (`CN`): it may stay silent for long, legitimately.
    pub(crate) comfort_noise: bool,
    /// The codec this leg's peer chose (each leg chooses its own: the relay converts).
    pub(crate) codec: Option<Codec>,
    /// The peer's payload type for that codec.
    pub(crate) audio_pt: Option<u8>,
    /// The peer's telephone-event payload type.
    pub(crate) dtmf_pt: Option<u8>,
    /// The `o=` id and version of the peer's last SDP, to tell a refresh from a change.
    pub(crate) remote_origin: Option<String>,
    /// Our last SDP on this leg, repeated as it was when the peer only refreshes.
    pub(crate) local_sdp: Option<Vec<u8>>,
    /// The peer's last SDP put the stream on hold.
    pub(crate) holding: bool,
}

impl Leg {
    /// Where to send this leg's RTP, if anywhere yet.
    pub(crate) fn target(&self) -> Option<SocketAddr> {
        self.latched
            .first()
            .copied()
            .or(self.sdp_addr)
            .filter(|addr| addr.port() != 0 && !addr.ip().is_unspecified())
    }

    /// Takes the SDP's address; when it is a new one, latching starts over since the peer may
    /// have moved (the same address again, as in a refresh or a hold, keeps what was latched).
    pub(crate) fn set_sdp_addr(&mut self, addr: SocketAddr) {
        if self.sdp_addr == Some(addr) {
            return;
        }
        self.sdp_addr = Some(addr);
        self.latched.clear();
        self.accepted = 0;
    }

    /// Whether a packet from `from` belongs to this leg: it comes from the SDP address or a
    /// latched source, or it is among the leg's first packets and from the signalling peer's
    /// IP (then its source is latched). Anything else is a stranger's and must not be relayed.
    pub(crate) fn admit(&mut self, from: SocketAddr) -> bool {
        let known = self.sdp_addr == Some(from) || self.latched.contains(&from);
        let latch = !known
            && self.accepted < LATCH_WINDOW
            && self.latched.len() < MAX_LATCHED
            && self.peer_ip == Some(from.ip());
        if !known && !latch {
            return false;
        }
        if latch || self.latched.is_empty() {
            tracing::debug!(%from, "RTP source latched");
            self.latched.push(from);
        }
        self.accepted = self.accepted.saturating_add(1);
        true
    }

    /// What a packet of payload type `pt` received on the `from` leg becomes on this leg: its
    /// payload type here, and for audio in another law the laws to convert between. RFC 4733
    /// events keep their payload, under this leg's type; anything else is not relayed.
    pub(crate) fn map_pt(&self, from: &Leg, pt: u8) -> Option<(u8, Option<(Codec, Codec)>)> {
        if Some(pt) == from.audio_pt {
            let laws = from.codec.zip(self.codec).filter(|(from, to)| from != to);
            self.audio_pt.map(|out| (out, laws))
        } else if Some(pt) == from.dtmf_pt {
            self.dtmf_pt.map(|out| (out, None))
        } else {
            None
        }
    }
}

/// The outcome of SDP on each leg.
#[derive(Debug, Clone, Default)]
pub(crate) struct Negotiation {
    legs: [Leg; 3],
}

impl Negotiation {
    /// The leg on `side`, to read.
    pub(crate) fn leg(&self, side: Side) -> &Leg {
        &self.legs[side.index()]
    }

    /// Of the caller and `far`, the side whose peer holds the call, if one does (the
    /// caller's first).
    pub(crate) fn holder(&self, far: Side) -> Option<Side> {
        [Side::Caller, far]
            .into_iter()
            .find(|&side| self.leg(side).holding)
    }

    /// The leg on `side`.
    pub(crate) fn leg_mut(&mut self, side: Side) -> &mut Leg {
        &mut self.legs[side.index()]
    }

    /// The legs packets go from and to.
    pub(crate) fn pair(&self, from: Side, to: Side) -> (&Leg, &Leg) {
        (self.leg(from), self.leg(to))
    }
}

/// Packets received and sent per leg.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: [AtomicU64; 3],
    sent: [AtomicU64; 3],
}

impl Counters {
    /// Counts one packet received on `side`.
    pub(crate) fn received(&self, side: Side) {
        self.received[side.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one packet sent on `side`.
    pub(crate) fn sent(&self, side: Side) {
        self.sent[side.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub(crate) fn snapshot(&self) -> MediaStats {
        let load =
            |counters: &[AtomicU64; 3], side: Side| counters[side.index()].load(Ordering::Relaxed);
        MediaStats {
            caller_received: load(&self.received, Side::Caller),
            caller_sent: load(&self.sent, Side::Caller),
            operator_received: load(&self.received, Side::Operator),
            operator_sent: load(&self.sent, Side::Operator),
            consult_received: load(&self.received, Side::Consult),
            consult_sent: load(&self.sent, Side::Consult),
        }
    }
}

/// When each leg last sent us RTP, as milliseconds since the session opened.
#[derive(Debug)]
pub(crate) struct Activity {
    opened: Instant,
    last: [AtomicU64; 3],
}

impl Activity {
    /// Every leg counts as active now.
    pub(crate) fn new() -> Self {
        Self {
            opened: Instant::now(),
            last: Default::default(),
        }
    }

    /// Records a packet from `side` now.
    pub(crate) fn touch(&self, side: Side) {
        self.last[side.index()].store(self.millis_now(), Ordering::Relaxed);
    }

    /// Restarts the silence clock of every leg.
    pub(crate) fn reset(&self) {
        for side in Side::ALL {
            self.touch(side);
        }
    }

    /// The last packet from any of `sides`.
    pub(crate) fn last(&self, sides: &[Side]) -> Instant {
        let millis = sides
            .iter()
            .map(|side| self.last[side.index()].load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        self.opened + Duration::from_millis(millis)
    }

    fn millis_now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Everything the session and its relay task share.
#[derive(Debug)]
pub(crate) struct Shared {
    negotiation: Mutex<Negotiation>,
    pub(crate) counters: Counters,
    pub(crate) activity: Activity,
    /// Packets from strangers, counted across all sessions (`centrale_rtp_dropped_total`).
    pub(crate) dropped: Counter,
    /// Cancelled by close or drop; ends the relay task, which owns the sockets.
    pub(crate) cancel: CancellationToken,
}

impl Shared {
    /// Fresh state for a new session, counting dropped packets on `dropped`.
    pub(crate) fn new(dropped: Counter) -> Self {
        Self {
            negotiation: Mutex::new(Negotiation::default()),
            counters: Counters::default(),
            activity: Activity::new(),
            dropped,
            cancel: CancellationToken::new(),
        }
    }

    /// Locks the negotiation; a poisoned lock is taken over, the data stays consistent.
    pub(crate) fn negotiation(&self) -> MutexGuard<'_, Negotiation> {
        self.negotiation
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
