//! The RTP stream we send on one leg: one SSRC, with sequence numbers and timestamps that stay
//! continuous while its source changes (our announcement, then the other leg's packets).
//!
//! A carrier or phone that sees a new SSRC or a jump in sequence numbers may reset its jitter
//! buffer or, worse, drop the stream; rewriting every packet into one stream avoids that.

use std::time::Instant;

use super::codec::{CLOCK_RATE, SAMPLES_PER_FRAME};

/// Where the packets of an [`OutStream`] currently come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Nothing sent yet.
    None,
    /// Frames we generate (the announcement).
    Own,
    /// Packets relayed from the other leg, with their SSRC.
    Relay(u32),
}

/// The header fields of one outgoing packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ssrc: u32,
    pub(crate) seq: u16,
    pub(crate) timestamp: u32,
    /// Set on the first packet after a change of source, so the receiver resynchronises.
    pub(crate) marker: bool,
}

/// One outgoing stream and the offsets mapping its current source onto it.
#[derive(Debug)]
pub(crate) struct OutStream {
    ssrc: u32,
    last_seq: u16,
    last_timestamp: u32,
    last_at: Option<Instant>,
    source: Source,
    seq_offset: u16,
    timestamp_offset: u32,
}

impl OutStream {
    /// A stream with a random SSRC, first sequence number and first timestamp (RFC 3550 5.1).
    pub(crate) fn new() -> Self {
        Self {
            ssrc: rand::random(),
            last_seq: rand::random(),
            last_timestamp: rand::random(),
            last_at: None,
            source: Source::None,
            seq_offset: 0,
            timestamp_offset: 0,
        }
    }

    /// The header of our next generated 20 ms frame.
    pub(crate) fn next_own(&mut self, now: Instant) -> Header {
        let marker = self.source != Source::Own;
        let step = if marker {
            self.gap(now)
        } else {
            SAMPLES_PER_FRAME as u32
        };
        self.source = Source::Own;
        let header = Header {
            ssrc: self.ssrc,
            seq: self.last_seq.wrapping_add(1),
            timestamp: self.last_timestamp.wrapping_add(step),
            marker,
        };
        self.advance(header, now);
        header
    }

    /// The header for a relayed packet that arrived with `ssrc`, `seq` and `timestamp`.
    pub(crate) fn relay(&mut self, ssrc: u32, seq: u16, timestamp: u32, now: Instant) -> Header {
        let marker = self.source != Source::Relay(ssrc);
        if marker {
            // A new source: continue right after what we sent last.
            self.seq_offset = self.last_seq.wrapping_add(1).wrapping_sub(seq);
            self.timestamp_offset = self
                .last_timestamp
                .wrapping_add(self.gap(now))
                .wrapping_sub(timestamp);
            self.source = Source::Relay(ssrc);
        }
        let header = Header {
            ssrc: self.ssrc,
            seq: seq.wrapping_add(self.seq_offset),
            timestamp: timestamp.wrapping_add(self.timestamp_offset),
            marker,
        };
        self.advance(header, now);
        header
    }

    /// Timestamp distance for a change of source: the real time since our last packet, at least
    /// one frame so two packets never share a timestamp.
    fn gap(&self, now: Instant) -> u32 {
        let frame = SAMPLES_PER_FRAME as u32;
        let Some(last) = self.last_at else {
            return frame;
        };
        let millis = now.saturating_duration_since(last).as_millis();
        let samples = millis.saturating_mul(u128::from(CLOCK_RATE / 1000));
        u32::try_from(samples).unwrap_or(u32::MAX).max(frame)
    }

    /// Remembers the newest sequence number and timestamp sent; late packets do not move them back.
    fn advance(&mut self, header: Header, now: Instant) {
        if self.last_at.is_none() || is_newer_seq(header.seq, self.last_seq) {
            self.last_seq = header.seq;
        }
        if self.last_at.is_none() || is_newer_timestamp(header.timestamp, self.last_timestamp) {
            self.last_timestamp = header.timestamp;
        }
        self.last_at = Some(now);
    }
}

/// Whether `a` comes after `b` in 16-bit sequence space.
fn is_newer_seq(a: u16, b: u16) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000
}

/// Whether `a` comes after `b` in 32-bit timestamp space.
fn is_newer_timestamp(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn own_frames_advance_by_one_and_a_frame() {
        let mut stream = OutStream::new();
        let now = Instant::now();
        let first = stream.next_own(now);
        let second = stream.next_own(now + Duration::from_millis(20));
        assert!(first.marker && !second.marker);
        assert_eq!(second.ssrc, first.ssrc);
        assert_eq!(second.seq, first.seq.wrapping_add(1));
        assert_eq!(second.timestamp, first.timestamp.wrapping_add(160));
    }

    #[test]
    fn relayed_packets_continue_the_stream_and_keep_their_spacing() {
        let mut stream = OutStream::new();
        let now = Instant::now();
        let own = stream.next_own(now);
        let later = now + Duration::from_millis(100);
        let a = stream.relay(7, 65535, 1000, later);
        let b = stream.relay(7, 0, 1160, later + Duration::from_millis(20));
        assert_eq!((a.ssrc, a.seq), (own.ssrc, own.seq.wrapping_add(1)));
        assert!(a.marker && !b.marker);
        assert_eq!(a.timestamp, own.timestamp.wrapping_add(800));
        assert_eq!(b.seq, a.seq.wrapping_add(1));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
    }

    #[test]
    fn a_new_relayed_source_and_a_late_packet_do_not_break_continuity() {
        let mut stream = OutStream::new();
        let now = Instant::now();
        let a = stream.relay(1, 100, 5000, now);
        let b = stream.relay(1, 101, 5160, now);
        let late = stream.relay(1, 99, 4840, now);
        assert_eq!(late.seq, a.seq.wrapping_sub(1));
        let c = stream.relay(2, 9, 9, now);
        assert!(c.marker);
        assert_eq!(c.seq, b.seq.wrapping_add(1));
        assert_eq!(c.timestamp, b.timestamp.wrapping_add(160));
    }
}
