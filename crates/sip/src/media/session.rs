//! One call's media: SDP offer/answer on both legs and control of the relay task.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use centrale_core::Cidr;
use ezk_sdp_types::Direction;
use prometheus_client::metrics::counter::Counter;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use super::codec::{Codec, DEFAULT_DTMF_PT};
use super::relay::Relay;
use super::sdp::{LocalAudio, RemoteAudio, parse_audio, write_audio};
use super::state::{Leg, Mode, Negotiation, Shared, Side};
use super::{MediaConfig, MediaError, MediaStats, Result};

/// The media of one call: a caller-side and an operator-side RTP socket (and a consult-side
/// one from the first ruggespraak on) and the task between.
///
/// Every method takes `&self` (state sits behind a lock), so a call's task can lend it freely.
/// Closing or dropping it stops the task, which frees both ports.
#[derive(Debug)]
pub struct MediaSession {
    shared: Arc<Shared>,
    mode: watch::Sender<Mode>,
    advertise_ip: IpAddr,
    caller_port: u16,
    operator_port: u16,
    /// Bound by the first ruggespraak ([`Self::open_consult`]).
    consult_port: OnceLock<u16>,
    consult_socket: mpsc::UnboundedSender<UdpSocket>,
    silence_timeout: Duration,
    /// Where peers' SDP may point us.
    networks: Vec<Cidr>,
    /// `o=` session id, shared by both legs (they are different SDP sessions to the peers).
    sdp_session_id: u64,
    /// Last `o=` version sent per leg; incremented for each SDP body.
    caller_version: AtomicU64,
    operator_version: AtomicU64,
    consult_version: AtomicU64,
    /// The operator holds the caller from her console (not her phone's SDP).
    console_hold: AtomicBool,
}

impl MediaSession {
    /// Starts the relay task over two bound sockets (caller side, operator side).
    pub(crate) fn start(
        [caller, operator]: [UdpSocket; 2],
        config: &MediaConfig,
        dropped: Counter,
    ) -> Result<Self> {
        let caller_port = caller.local_addr()?.port();
        let operator_port = operator.local_addr()?.port();
        let shared = Arc::new(Shared::new(dropped));
        let (mode, mode_rx) = watch::channel(Mode::Idle);
        let (consult_socket, consult_rx) = mpsc::unbounded_channel();
        tokio::spawn(Relay::new(shared.clone(), mode_rx, [caller, operator], consult_rx).run());
        Ok(Self {
            shared,
            mode,
            advertise_ip: config.advertise_ip,
            caller_port,
            operator_port,
            consult_port: OnceLock::new(),
            consult_socket,
            silence_timeout: config.silence_timeout,
            networks: config.networks.clone(),
            sdp_session_id: rand::random::<u32>().into(),
            caller_version: AtomicU64::new(0),
            operator_version: AtomicU64::new(0),
            consult_version: AtomicU64::new(0),
            console_hold: AtomicBool::new(false),
        })
    }

    /// Our RTP port toward the caller.
    pub fn caller_port(&self) -> u16 {
        self.caller_port
    }

    /// Our RTP port toward the operator's phone.
    pub fn operator_port(&self) -> u16 {
        self.operator_port
    }

    /// The IP the caller's SIP came from: the only source the caller leg may latch to.
    pub fn set_caller_peer(&self, ip: IpAddr) {
        self.shared.negotiation().leg_mut(Side::Caller).peer_ip = Some(ip);
    }

    /// A new peer is rung on `side` (a phone, a transfer's destination): the leg starts over,
    /// and the IP its SIP goes to is the only source the leg may latch to.
    pub(crate) fn set_peer(&self, side: Side, ip: IpAddr) {
        *self.shared.negotiation().leg_mut(side) = Leg {
            peer_ip: Some(ip),
            ..Leg::default()
        };
    }

    /// The peer on `side` is gone: nothing more is sent there (a caller who hung up during a
    /// ruggespraak hears no more hold music).
    pub(crate) fn forget(&self, side: Side) {
        *self.shared.negotiation().leg_mut(side) = Leg::default();
    }

    /// Binds the consult leg's socket (once per call; a later ruggespraak reuses it).
    pub(crate) async fn open_consult(&self, engine: &super::MediaEngine) -> Result<()> {
        if self.consult_port.get().is_some() {
            return Ok(());
        }
        let socket = engine.bind_even_port().await?;
        let port = socket.local_addr()?.port();
        // The relay ends only with the session, which holds this sender's receiver's task.
        if self.consult_socket.send(socket).is_ok() {
            let _ = self.consult_port.set(port);
        }
        Ok(())
    }

    /// Whether the caller negotiated comfort noise (`CN`): it may then send no RTP for long
    /// stretches, so its silence says nothing about whether it is still there.
    pub fn caller_suppresses_silence(&self) -> bool {
        self.shared.negotiation().leg(Side::Caller).comfort_noise
    }

    /// The codec the peer on `side` chose, once it has.
    pub(crate) fn codec(&self, side: Side) -> Option<Codec> {
        self.shared.negotiation().leg(side).codec
    }

    /// Early offer from the caller: takes the caller's first offered codec among PCMA and PCMU
    /// and keeps telephone-event if offered; returns our answer with the caller-side port.
    pub fn answer_caller_offer(&self, offer: &[u8]) -> Result<Vec<u8>> {
        let remote = self.parse_remote(offer)?;
        let mut negotiation = self.shared.negotiation();
        let (codec, pt) = choose(&remote, negotiation.leg(Side::Caller).codec)?;
        take_remote(negotiation.leg_mut(Side::Caller), &remote, codec, pt);
        Ok(self.answer(&mut negotiation, Side::Caller, &remote, codec, pt))
    }

    /// A peer's offer inside the established dialog on `side` (re-INVITE or UPDATE): a
    /// refresh (the same `o=` version as before) is answered with our SDP as it was, the same
    /// version; a changed offer is taken — a new address or port, a hold (`sendonly`,
    /// `inactive`, `c=0.0.0.0`), its end or the other G.711 law — and answered with our
    /// version + 1. The leg keeps its codec while the peer lists it; an offer without any of
    /// ours gets NoCommonCodec (488), and nothing changes.
    pub(crate) fn answer_reoffer(&self, side: Side, offer: &[u8]) -> Result<Vec<u8>> {
        let remote = self.parse_remote(offer)?;
        let mut negotiation = self.shared.negotiation();
        let leg = negotiation.leg_mut(side);
        if leg.remote_origin.as_deref() == Some(remote.origin.as_str())
            && let Some(ours) = &leg.local_sdp
        {
            return Ok(ours.clone());
        }
        let (codec, pt) = choose(&remote, negotiation.leg(side).codec)?;
        take_remote(negotiation.leg_mut(side), &remote, codec, pt);
        let answer = self.answer(&mut negotiation, side, &remote, codec, pt);
        drop(negotiation);
        self.follow_hold();
        Ok(answer)
    }

    /// Our SDP on `side` when the call is re-offered with no SDP (a re-INVITE asking for our
    /// offer): what we last sent, or a fresh offer.
    pub(crate) fn current_sdp(&self, side: Side) -> Vec<u8> {
        let ours = self.shared.negotiation().leg(side).local_sdp.clone();
        ours.unwrap_or_else(|| match side {
            Side::Caller => self.offer_to_caller(),
            far => self.offer_far(far),
        })
    }

    /// The far leg the caller is bridged with (or will be: the operator's phone until a
    /// bridge says otherwise).
    fn far(&self) -> Side {
        match *self.mode.borrow() {
            Mode::Bridge(far) | Mode::Hold { far, .. } => far,
            _ => Side::Operator,
        }
    }

    /// Of the caller and the far leg, the side whose peer holds the call, if one does (the
    /// far leg also when the operator holds from her console).
    pub(crate) fn held_by(&self) -> Option<Side> {
        let far = self.far();
        let console = self.console_hold.load(Ordering::Relaxed).then_some(far);
        self.shared.negotiation().holder(far).or(console)
    }

    /// The operator holds the caller (or resumes) from her console: the caller hears the hold
    /// music as when her phone holds.
    pub(crate) fn hold_from_console(&self, held: bool) {
        self.console_hold.store(held, Ordering::Relaxed);
        self.follow_hold();
    }

    /// Plays hold music to the other side while a peer holds; back to the bridge when none
    /// does. Only a bridged call is held: before, the announcement plays on, and during a
    /// ruggespraak the caller hears the hold music anyway.
    fn follow_hold(&self) {
        let current = *self.mode.borrow();
        let far = self.far();
        let holder = self.held_by();
        match (current, holder) {
            (Mode::Bridge(_) | Mode::Hold { .. }, Some(holder))
                if current != (Mode::Hold { far, holder }) =>
            {
                self.mode.send_replace(Mode::Hold { far, holder });
            }
            (Mode::Hold { .. }, None) => self.bridge_to(far),
            _ => {}
        }
    }

    /// Our answer on `side` to `remote` with the chosen codec, remembered for refreshes.
    fn answer(
        &self,
        negotiation: &mut Negotiation,
        side: Side,
        remote: &RemoteAudio,
        codec: Codec,
        pt: u8,
    ) -> Vec<u8> {
        let body = write_audio(&LocalAudio {
            ip: self.advertise_ip,
            port: self.port(side),
            codecs: vec![(codec, pt)],
            dtmf_pt: remote.dtmf_pt,
            direction: remote.direction.flipped(),
            session_id: self.sdp_session_id,
            version: next_version(self.version(side)),
        });
        negotiation.leg_mut(side).local_sdp = Some(body.clone());
        body
    }

    fn port(&self, side: Side) -> u16 {
        match side {
            Side::Caller => self.caller_port,
            Side::Operator => self.operator_port,
            Side::Consult => self.consult_port.get().copied().unwrap_or(0),
        }
    }

    fn version(&self, side: Side) -> &AtomicU64 {
        match side {
            Side::Caller => &self.caller_version,
            Side::Operator => &self.operator_version,
            Side::Consult => &self.consult_version,
        }
    }

    /// Late offer (INVITE without SDP): our offer to the caller for the 200 OK; PCMA and PCMU
    /// (the operator's first once she answered) and telephone-event 101.
    pub fn offer_to_caller(&self) -> Vec<u8> {
        let codecs = Codec::first_of_all(self.codec(Side::Operator));
        self.offer(Side::Caller, codecs, Some(DEFAULT_DTMF_PT))
    }

    /// The caller's answer (in the ACK) to [`Self::offer_to_caller`].
    pub fn caller_answer(&self, answer: &[u8]) -> Result<()> {
        self.take_answer(Side::Caller, answer)
    }

    /// Our offer to the operator's phone, with the operator-side port: every codec we can
    /// deliver, the caller's first (so the relay converts only for a phone without it), and
    /// telephone-event unless the caller declined it.
    pub fn offer_to_operator(&self) -> Vec<u8> {
        self.offer_far(Side::Operator)
    }

    /// The same offer to a ruggespraak's destination, with the consult-side port.
    pub(crate) fn offer_to_consult(&self) -> Vec<u8> {
        self.offer_far(Side::Consult)
    }

    /// Our offer on a far leg (see [`Self::offer_to_operator`]).
    fn offer_far(&self, side: Side) -> Vec<u8> {
        let (codecs, dtmf_pt) = {
            let negotiation = self.shared.negotiation();
            let caller = negotiation.leg(Side::Caller);
            // Without events on the caller leg, DTMF must travel in-band: do not ask for events.
            let dtmf_pt = match (caller.sdp_addr, caller.dtmf_pt) {
                (None, _) => Some(DEFAULT_DTMF_PT),
                (Some(_), None) => None,
                // Reuse the caller's number so nothing needs mapping, unless it collides.
                (Some(_), Some(pt)) if Codec::from_static_pt(pt).is_some() => Some(DEFAULT_DTMF_PT),
                (Some(_), Some(pt)) => Some(pt),
            };
            (Codec::first_of_all(caller.codec), dtmf_pt)
        };
        self.offer(side, codecs, dtmf_pt)
    }

    /// The answer of the peer on a far leg (the operator's phone, a transfer's destination)
    /// to our offer: its first codec of ours; NoCommonCodec if it names none.
    pub(crate) fn far_answer(&self, side: Side, answer: &[u8]) -> Result<()> {
        self.take_answer(side, answer)
    }

    /// Starts (or restarts from its beginning) the looping announcement toward the caller.
    ///
    /// Frames go out once the caller's codec and address are known.
    pub fn start_announcement(&self) {
        self.mode.send_replace(Mode::Announce);
    }

    /// The caller hears the ringing tone (from its beginning) instead of whatever played or
    /// was relayed: a transfer's destination rings.
    pub fn ring_back(&self) {
        self.mode.send_replace(Mode::Ringback);
    }

    /// Stops what plays and relays RTP both ways between the caller and `far`; the silence
    /// clock starts over.
    pub(crate) fn bridge_to(&self, far: Side) {
        self.shared.activity.reset();
        // A bridge ends a hold from the console (a new phase of the call starts unheld).
        self.console_hold.store(false, Ordering::Relaxed);
        self.mode.send_replace(Mode::Bridge(far));
    }

    /// A ruggespraak: the caller hears the hold music, the operator and the consult leg are
    /// relayed.
    pub(crate) fn consult(&self) {
        self.shared.activity.reset();
        self.mode.send_replace(Mode::Consult);
    }

    /// Resolves when no RTP arrived for the silence timeout: from the caller before
    /// [`Self::bridge_to`], from neither bridged leg after it; never while the call is held (a
    /// held phone may send nothing) or in a ruggespraak. Also resolves once the session is
    /// closed.
    pub async fn silent(&self) {
        let mut mode = self.mode.subscribe();
        loop {
            let current = *mode.borrow_and_update();
            let deadline = match current {
                Mode::Hold { .. } | Mode::Consult => None,
                Mode::Bridge(far) => Some(self.shared.activity.last(&[Side::Caller, far])),
                Mode::Idle | Mode::Announce | Mode::Ringback => {
                    Some(self.shared.activity.last(&[Side::Caller]))
                }
            }
            .map(|last| last + self.silence_timeout);
            if deadline.is_some_and(|deadline| deadline <= std::time::Instant::now()) {
                return;
            }
            let sleep = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sleep => {}
                changed = mode.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = self.shared.cancel.cancelled() => return,
            }
        }
    }

    /// Packet counters (received and sent per leg).
    pub fn stats(&self) -> MediaStats {
        self.shared.counters.snapshot()
    }

    /// Stops the task; the ports are free once it has returned (at its next wake-up).
    pub fn close(&self) {
        self.shared.cancel.cancel();
    }

    /// Our offer on `side` with the given codecs and telephone-event type.
    fn offer(&self, side: Side, codecs: Vec<Codec>, dtmf_pt: Option<u8>) -> Vec<u8> {
        let body = write_audio(&LocalAudio {
            ip: self.advertise_ip,
            port: self.port(side),
            codecs: codecs.into_iter().map(|c| (c, c.payload_type())).collect(),
            dtmf_pt,
            direction: Direction::SendRecv,
            session_id: self.sdp_session_id,
            version: next_version(self.version(side)),
        });
        self.shared.negotiation().leg_mut(side).local_sdp = Some(body.clone());
        body
    }

    /// Reads a peer's SDP, refusing an address outside the media networks: we would send
    /// RTP wherever it says. The unspecified address (hold) is let through: nothing goes there.
    fn parse_remote(&self, body: &[u8]) -> Result<RemoteAudio> {
        let remote = parse_audio(body)?;
        let ip = remote.addr.ip();
        if ip.is_unspecified() || self.networks.iter().any(|net| net.contains(ip)) {
            Ok(remote)
        } else {
            Err(MediaError::AddressNotAllowed(ip))
        }
    }

    /// Applies a peer's answer to our offer on `side`.
    fn take_answer(&self, side: Side, answer: &[u8]) -> Result<()> {
        let remote = self.parse_remote(answer)?;
        let mut negotiation = self.shared.negotiation();
        let (codec, pt) = choose(&remote, negotiation.leg(side).codec)?;
        take_remote(negotiation.leg_mut(side), &remote, codec, pt);
        Ok(())
    }
}

impl Drop for MediaSession {
    fn drop(&mut self) {
        self.close();
    }
}

/// The codec for a peer's SDP: the leg's codec while the peer lists it, else the peer's first
/// of ours; with the peer's payload type for it.
pub(crate) fn choose(remote: &RemoteAudio, current: Option<Codec>) -> Result<(Codec, u8)> {
    current
        .and_then(|codec| remote.pt_of(codec).map(|pt| (codec, pt)))
        .or_else(|| remote.codecs.first().copied())
        .ok_or(MediaError::NoCommonCodec)
}

/// Records a peer's address, codec and payload types on its leg.
fn take_remote(leg: &mut Leg, remote: &RemoteAudio, codec: Codec, audio_pt: u8) {
    leg.set_sdp_addr(remote.addr);
    leg.remote_origin = Some(remote.origin.clone());
    leg.holding = remote.holds();
    leg.codec = Some(codec);
    leg.audio_pt = Some(audio_pt);
    leg.dtmf_pt = remote.dtmf_pt;
    leg.comfort_noise = remote.comfort_noise;
}

/// The next `o=` version of a leg.
fn next_version(version: &AtomicU64) -> u64 {
    version.fetch_add(1, Ordering::Relaxed) + 1
}
