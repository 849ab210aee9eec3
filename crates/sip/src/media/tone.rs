//! The waiting announcement, generated in code: a soft two-note chime, then silence, repeated.
//!
//! Each note is a sine with a quiet octave partial and a bell-like envelope (5 ms attack,
//! exponential decay), peaking well below full scale so it stays pleasant on a phone.

use super::codec::{CLOCK_RATE, Codec, SAMPLES_PER_FRAME};
use std::sync::OnceLock;

/// One note of the chime.
struct Note {
    /// First sample of the note within the cycle.
    start: u32,
    /// Length in samples.
    len: u32,
    /// Fundamental frequency in Hz.
    freq: f64,
}

/// E5 then C5, a falling major third like a door chime; the first note still rings under the
/// second, as on a real chime. Silence follows until the cycle ends.
const NOTES: [Note; 2] = [
    Note {
        start: 0,
        len: 8000,
        freq: 659.25,
    },
    Note {
        start: 4000,
        len: 8000,
        freq: 523.25,
    },
];

/// Length of one cycle: 1.5 s of chime, then 2.5 s of silence.
const CYCLE: u32 = 4 * CLOCK_RATE;

/// Peak amplitude of one note, about -15 dBFS.
const PEAK: f64 = 5500.0;

/// Attack time in samples (5 ms).
const ATTACK: f64 = 40.0;

/// Decay time constant in samples (0.25 s).
const DECAY: f64 = 2000.0;

/// Fade-out at the end of a note in samples (50 ms), so the cut does not click.
const RELEASE: f64 = 400.0;

/// One note's contribution at `t` samples after its start.
fn note_sample(note: &Note, t: u32) -> f64 {
    let t = f64::from(t);
    let left = f64::from(note.len) - t;
    let envelope = (t / ATTACK).min(1.0) * (-t / DECAY).exp() * (left / RELEASE).min(1.0);
    let phase = std::f64::consts::TAU * note.freq * t / f64::from(CLOCK_RATE);
    envelope * (phase.sin() + 0.2 * (2.0 * phase).sin()) / 1.2
}

/// The linear sample at position `n` of the looping announcement.
fn sample(n: u32) -> i16 {
    let n = n % CYCLE;
    let sum: f64 = NOTES
        .iter()
        .filter(|note| n >= note.start && n < note.start + note.len)
        .map(|note| note_sample(note, n - note.start))
        .sum();
    // At most two notes of at most PEAK each: far inside i16, so the cast cannot saturate.
    (PEAK * sum) as i16
}

/// Produces the announcement 20 ms at a time, encoded in one codec.
#[derive(Debug)]
pub(crate) struct Announcement {
    codec: Codec,
    position: u32,
}

impl Announcement {
    /// Starts at the beginning of the chime.
    pub(crate) fn new(codec: Codec) -> Self {
        Self { codec, position: 0 }
    }

    /// The codec the frames are encoded in.
    pub(crate) fn codec(&self) -> Codec {
        self.codec
    }

    /// The next 20 ms of encoded audio.
    pub(crate) fn next_frame(&mut self) -> [u8; SAMPLES_PER_FRAME] {
        let mut frame = [0u8; SAMPLES_PER_FRAME];
        let start = self.position as usize;
        if let Some(encoded) = encoded_cycle(self.codec).get(start..start + SAMPLES_PER_FRAME) {
            frame.copy_from_slice(encoded);
        }
        self.position = (self.position + SAMPLES_PER_FRAME as u32) % CYCLE;
        frame
    }
}

/// The whole cycle encoded in `codec`, computed once per process: every queued call plays the
/// same chime, and computing it per packet (two sines and an exp per sample) cost a third of
/// the CPU under load (bench/sip.sh).
fn encoded_cycle(codec: Codec) -> &'static [u8] {
    static PCMA: OnceLock<Vec<u8>> = OnceLock::new();
    static PCMU: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = match codec {
        Codec::Pcma => &PCMA,
        Codec::Pcmu => &PCMU,
    };
    cell.get_or_init(|| (0..CYCLE).map(|n| codec.encode(sample(n))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chime_is_soft_and_followed_by_silence() {
        let peak = (0..CYCLE).map(|n| sample(n).unsigned_abs()).max();
        assert!(peak.is_some_and(|p| p > 2000 && p < 8000), "peak {peak:?}");
        assert!((12_000..CYCLE).all(|n| sample(n) == 0));
    }

    #[test]
    fn frames_loop_over_the_cycle() {
        let mut announcement = Announcement::new(Codec::Pcma);
        let first = announcement.next_frame();
        assert!(first.iter().any(|&b| b != 0xD5));
        let frames_per_cycle = CYCLE as usize / SAMPLES_PER_FRAME;
        for _ in 1..frames_per_cycle {
            announcement.next_frame();
        }
        assert_eq!(announcement.next_frame(), first);
    }

    #[test]
    fn frames_are_the_encoded_samples() {
        for codec in Codec::ALL {
            let mut announcement = Announcement::new(codec);
            for frame_index in 0..(CYCLE as usize / SAMPLES_PER_FRAME) {
                let frame = announcement.next_frame();
                let first = (frame_index * SAMPLES_PER_FRAME) as u32;
                let expected: Vec<u8> = (first..first + SAMPLES_PER_FRAME as u32)
                    .map(|n| codec.encode(sample(n)))
                    .collect();
                assert_eq!(frame.as_slice(), expected.as_slice());
            }
        }
    }
}
