//! The task behind one session: it owns the sockets, plays the announcement, the ringing tone
//! or the hold music at real-time pace and relays RTP between the legs the mode joins,
//! rewriting each packet into the receiving leg's stream (and its audio into that leg's G.711
//! law when the legs chose different ones).
//!
//! One task and one `select!` per session: the caller's and the operator's sockets, the
//! consult leg's once a ruggespraak opened it, a 20 ms ticker while it plays (not polled once
//! bridged), the mode channel and the cancellation token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtp_types::{RtpPacket, RtpPacketBuilder, RtpPacketMut};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::time::{Interval, MissedTickBehavior};

use super::state::{Mode, Shared, Side};
use super::stream::OutStream;
use super::tone::{CHIME, HOLD_MUSIC, Player, RINGBACK, Tune};

/// Large enough for any RTP packet on a link with a 1500-byte MTU, and then some.
const BUFFER: usize = 2048;

/// Packetisation interval of what we play.
const FRAME: Duration = Duration::from_millis(20);

/// The running relay of one session.
pub(crate) struct Relay {
    shared: Arc<Shared>,
    mode: watch::Receiver<Mode>,
    caller: UdpSocket,
    operator: UdpSocket,
    /// Bound when the first ruggespraak needs it.
    consult: Option<UdpSocket>,
    consult_socket: mpsc::UnboundedReceiver<UdpSocket>,
    caller_buf: Box<[u8; BUFFER]>,
    operator_buf: Box<[u8; BUFFER]>,
    consult_buf: Box<[u8; BUFFER]>,
    ticker: Interval,
    /// What plays now, started at the first frame once the codec is known.
    player: Option<Player>,
    /// Our stream toward each leg, by [`Side::index`].
    out: [OutStream; 3],
}

impl Relay {
    /// A relay over the caller's and the operator's bound sockets; the consult leg's comes
    /// later through `consult_socket`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        mode: watch::Receiver<Mode>,
        [caller, operator]: [UdpSocket; 2],
        consult_socket: mpsc::UnboundedReceiver<UdpSocket>,
    ) -> Self {
        let mut ticker = tokio::time::interval(FRAME);
        // Late ticks are sent in a burst: timestamps advance per frame, so the receiver's
        // jitter buffer sees the right media time.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
        Self {
            shared,
            mode,
            caller,
            operator,
            consult: None,
            consult_socket,
            caller_buf: Box::new([0; BUFFER]),
            operator_buf: Box::new([0; BUFFER]),
            consult_buf: Box::new([0; BUFFER]),
            ticker,
            player: None,
            out: [OutStream::new(), OutStream::new(), OutStream::new()],
        }
    }

    /// Runs until the session is closed or dropped; the sockets are freed on return.
    pub(crate) async fn run(mut self) {
        loop {
            let now_playing = playing(*self.mode.borrow());
            tokio::select! {
                () = self.shared.cancel.cancelled() => break,
                changed = self.mode.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    // Each start plays its tune from the beginning.
                    self.player = None;
                    if playing(*self.mode.borrow_and_update()).is_some() {
                        self.ticker.reset_immediately();
                    }
                }
                _ = self.ticker.tick(), if now_playing.is_some() => {
                    if let Some((side, tune)) = now_playing {
                        self.send_frame(side, tune).await;
                    }
                }
                received = self.caller.recv_from(&mut self.caller_buf[..]) => match received {
                    Ok((len, from)) => self.on_packet(Side::Caller, len, from).await,
                    Err(error) => tracing::debug!(%error, "caller-side RTP receive failed"),
                },
                received = self.operator.recv_from(&mut self.operator_buf[..]) => match received {
                    Ok((len, from)) => self.on_packet(Side::Operator, len, from).await,
                    Err(error) => tracing::debug!(%error, "operator-side RTP receive failed"),
                },
                received = receive(self.consult.as_ref(), &mut self.consult_buf[..]) => match received {
                    Ok((len, from)) => self.on_packet(Side::Consult, len, from).await,
                    Err(error) => tracing::debug!(%error, "consult-side RTP receive failed"),
                },
                Some(socket) = self.consult_socket.recv() => self.consult = Some(socket),
            }
        }
    }

    /// Sends the next 20 ms of `tune` to `side`, once codec and address are known.
    async fn send_frame(&mut self, side: Side, tune: &'static Tune) {
        let (codec, target, pt) = {
            let negotiation = self.shared.negotiation();
            let leg = negotiation.leg(side);
            match (leg.codec, leg.target(), leg.audio_pt) {
                (Some(codec), Some(target), Some(pt)) => (codec, target, pt),
                _ => return,
            }
        };
        let player = match &mut self.player {
            Some(player) if player.codec() == codec => player,
            slot => slot.insert(Player::new(tune, codec)),
        };
        let frame = player.next_frame();
        let header = self.out[side.index()].next_own(Instant::now());
        let packet = RtpPacketBuilder::new()
            .payload_type(pt)
            .sequence_number(header.seq)
            .timestamp(header.timestamp)
            .ssrc(header.ssrc)
            .marker_bit(header.marker)
            .payload(&frame[..])
            .write_vec();
        match packet {
            Ok(packet) => self.send(side, &packet, target).await,
            Err(error) => tracing::warn!(%error, "tone packet not built"),
        }
    }

    /// Handles one datagram received on `side`.
    async fn on_packet(&mut self, side: Side, len: usize, from: SocketAddr) {
        let buf = match side {
            Side::Caller => &mut self.caller_buf[..],
            Side::Operator => &mut self.operator_buf[..],
            Side::Consult => &mut self.consult_buf[..],
        };
        let Some(data) = buf.get_mut(..len) else {
            return;
        };
        let Ok(packet) = RtpPacket::parse(&data[..]) else {
            return;
        };
        let (pt, ssrc, seq, timestamp) = (
            packet.payload_type(),
            packet.ssrc(),
            packet.sequence_number(),
            packet.timestamp(),
        );
        // RTCP (RFC 5761: packet types 200-204 read as payload types 72-76) is ignored.
        if (72..=76).contains(&pt) {
            return;
        }
        let (out_pt, laws, target, out_side) = {
            let mut negotiation = self.shared.negotiation();
            if !negotiation.leg_mut(side).admit(from) {
                // Checked before counting: a stranger's packets must not keep a dead call alive.
                tracing::trace!(?side, %from, "RTP from a stranger dropped");
                self.shared.dropped.inc();
                return;
            }
            self.shared.counters.received(side);
            self.shared.activity.touch(side);
            let Some(out_side) = self.mode.borrow().relays(side) else {
                return;
            };
            let (from_leg, to_leg) = negotiation.pair(side, out_side);
            match (to_leg.map_pt(from_leg, pt), to_leg.target()) {
                (Some((out_pt, laws)), Some(target)) => (out_pt, laws, target, out_side),
                _ => return,
            }
        };
        let header = self.out[out_side.index()].relay(ssrc, seq, timestamp, Instant::now());
        let Ok(mut packet) = RtpPacketMut::parse(&mut data[..]) else {
            return;
        };
        if packet.set_payload_type(out_pt).is_err() {
            return;
        }
        if let Some((from, to)) = laws {
            from.convert(to, packet.payload_mut());
        }
        packet.set_ssrc(header.ssrc);
        packet.set_sequence_number(header.seq);
        packet.set_timestamp(header.timestamp);
        if header.marker {
            packet.set_marker_bit(true);
        }
        let data = match side {
            Side::Caller => &self.caller_buf[..len],
            Side::Operator => &self.operator_buf[..len],
            Side::Consult => &self.consult_buf[..len],
        };
        self.send(out_side, data, target).await;
    }

    /// Sends `packet` out of the socket of `side`, so the peer sees the port it sends to.
    async fn send(&self, side: Side, packet: &[u8], target: SocketAddr) {
        let socket = match side {
            Side::Caller => Some(&self.caller),
            Side::Operator => Some(&self.operator),
            Side::Consult => self.consult.as_ref(),
        };
        let Some(socket) = socket else {
            return;
        };
        match socket.send_to(packet, target).await {
            Ok(_) => self.shared.counters.sent(side),
            Err(error) => tracing::debug!(%error, ?side, %target, "RTP send failed"),
        }
    }
}

/// A datagram from `socket`; never, while there is none.
async fn receive(
    socket: Option<&UdpSocket>,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

/// What the relay plays in `mode`, and to whom: the announcement to the waiting caller, the
/// hold music to the other side of a hold and to a caller waiting out a ruggespraak;
/// nothing when idle or bridged.
fn playing(mode: Mode) -> Option<(Side, &'static Tune)> {
    match mode {
        Mode::Announce => Some((Side::Caller, &CHIME)),
        Mode::Ringback => Some((Side::Caller, &RINGBACK)),
        Mode::Hold { far, holder } => {
            let other = if holder == Side::Caller {
                far
            } else {
                Side::Caller
            };
            Some((other, &HOLD_MUSIC))
        }
        Mode::Consult => Some((Side::Caller, &HOLD_MUSIC)),
        Mode::Idle | Mode::Bridge(_) => None,
    }
}
