//! What Centrale plays, generated in code: the waiting announcement (a soft two-note chime,
//! then silence, repeated), the hold music (a slow four-note arpeggio without pause) and
//! the ringing tone a caller hears while being put through (425 Hz, 1 s on, 4 s off, as
//! Dutch and most European networks ring).
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

/// A looping piece: its notes, the length of one cycle in samples, and that cycle encoded
/// per codec (PCMA, PCMU), computed on first use.
pub(crate) struct Tune {
    notes: &'static [Note],
    cycle: u32,
    /// Decay time constant of its notes in samples; infinite for a steady tone.
    decay: f64,
    encoded: [OnceLock<Vec<u8>>; 2],
}

/// E5 then C5, a falling major third like a door chime; the first note still rings under the
/// second, as on a real chime. Silence follows until the cycle (4 s) ends.
pub(crate) static CHIME: Tune = Tune {
    notes: &CHIME_NOTES,
    cycle: 4 * CLOCK_RATE,
    decay: BELL_DECAY,
    encoded: [OnceLock::new(), OnceLock::new()],
};

const CHIME_NOTES: [Note; 2] = [
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

/// C5 E5 G5 E5, half a second each, every note ringing into the next: 2 s, looped, never
/// silent, so a held caller knows the line is alive.
pub(crate) static HOLD_MUSIC: Tune = Tune {
    notes: &HOLD_NOTES,
    cycle: 2 * CLOCK_RATE,
    decay: BELL_DECAY,
    encoded: [OnceLock::new(), OnceLock::new()],
};

const HOLD_NOTES: [Note; 4] = [
    Note {
        start: 0,
        len: 6000,
        freq: 523.25,
    },
    Note {
        start: 4000,
        len: 6000,
        freq: 659.25,
    },
    Note {
        start: 8000,
        len: 6000,
        freq: 783.99,
    },
    Note {
        start: 12000,
        len: 4000,
        freq: 659.25,
    },
];

/// The ringing tone: 425 Hz for a second, then four silent ones.
pub(crate) static RINGBACK: Tune = Tune {
    notes: &[Note {
        start: 0,
        len: CLOCK_RATE,
        freq: 425.0,
    }],
    cycle: 5 * CLOCK_RATE,
    decay: f64::INFINITY,
    encoded: [OnceLock::new(), OnceLock::new()],
};

/// Peak amplitude of one note, about -15 dBFS.
const PEAK: f64 = 5500.0;

/// Attack time in samples (5 ms).
const ATTACK: f64 = 40.0;

/// Decay time constant of a bell-like note in samples (0.25 s).
const BELL_DECAY: f64 = 2000.0;

/// Fade-out at the end of a note in samples (50 ms), so the cut does not click.
const RELEASE: f64 = 400.0;

/// One note's contribution at `t` samples after its start.
fn note_sample(note: &Note, decay: f64, t: u32) -> f64 {
    let t = f64::from(t);
    let left = f64::from(note.len) - t;
    let envelope = (t / ATTACK).min(1.0) * (-t / decay).exp() * (left / RELEASE).min(1.0);
    let phase = std::f64::consts::TAU * note.freq * t / f64::from(CLOCK_RATE);
    envelope * (phase.sin() + 0.2 * (2.0 * phase).sin()) / 1.2
}

/// The linear sample at position `n` of the looping `tune`.
fn sample(tune: &Tune, n: u32) -> i16 {
    let n = n % tune.cycle;
    let sum: f64 = tune
        .notes
        .iter()
        .filter(|note| n >= note.start && n < note.start + note.len)
        .map(|note| note_sample(note, tune.decay, n - note.start))
        .sum();
    // At most two notes of at most PEAK each: far inside i16, so the cast cannot saturate.
    (PEAK * sum) as i16
}

/// Plays a tune 20 ms at a time, encoded in one codec.
pub(crate) struct Player {
    tune: &'static Tune,
    codec: Codec,
    position: u32,
}

impl Player {
    /// Starts at the beginning of `tune`.
    pub(crate) fn new(tune: &'static Tune, codec: Codec) -> Self {
        Self {
            tune,
            codec,
            position: 0,
        }
    }

    /// The codec the frames are encoded in.
    pub(crate) fn codec(&self) -> Codec {
        self.codec
    }

    /// The next 20 ms of encoded audio.
    pub(crate) fn next_frame(&mut self) -> [u8; SAMPLES_PER_FRAME] {
        let mut frame = [0u8; SAMPLES_PER_FRAME];
        let start = self.position as usize;
        let encoded = self.tune.encoded_cycle(self.codec);
        if let Some(encoded) = encoded.get(start..start + SAMPLES_PER_FRAME) {
            frame.copy_from_slice(encoded);
        }
        self.position = (self.position + SAMPLES_PER_FRAME as u32) % self.tune.cycle;
        frame
    }
}

impl Tune {
    /// The whole cycle encoded in `codec`, computed once per process: every queued call plays
    /// the same chime, and computing it per packet (two sines and an exp per sample) cost a
    /// third of the CPU under load (bench/sip.sh).
    fn encoded_cycle(&self, codec: Codec) -> &[u8] {
        let cell = match codec {
            Codec::Pcma => &self.encoded[0],
            Codec::Pcmu => &self.encoded[1],
        };
        cell.get_or_init(|| {
            (0..self.cycle)
                .map(|n| codec.encode(sample(self, n)))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chime_is_soft_and_followed_by_silence() {
        let peak = (0..CHIME.cycle)
            .map(|n| sample(&CHIME, n).unsigned_abs())
            .max();
        assert!(peak.is_some_and(|p| p > 2000 && p < 8000), "peak {peak:?}");
        assert!((12_000..CHIME.cycle).all(|n| sample(&CHIME, n) == 0));
    }

    #[test]
    fn hold_music_is_soft_and_never_silent_for_long() {
        let samples: Vec<i16> = (0..HOLD_MUSIC.cycle)
            .map(|n| sample(&HOLD_MUSIC, n))
            .collect();
        let peak = samples.iter().map(|s| s.unsigned_abs()).max();
        assert!(peak.is_some_and(|p| p > 2000 && p < 8000), "peak {peak:?}");
        // Every 20 ms frame carries sound.
        for frame in samples.chunks(SAMPLES_PER_FRAME) {
            assert!(frame.iter().any(|s| s.unsigned_abs() > 100));
        }
    }

    #[test]
    fn ringback_is_a_steady_second_of_425_hz_then_four_of_silence() {
        let on: Vec<i16> = (800..7200).map(|n| sample(&RINGBACK, n)).collect();
        let peak = on.iter().map(|s| s.unsigned_abs()).max();
        assert!(peak.is_some_and(|p| p > 2000 && p < 8000), "peak {peak:?}");
        // Steady: the last 20 ms of the tone are as loud as the first after the attack.
        let loudness = |frame: &[i16]| frame.iter().map(|s| s.unsigned_abs()).max();
        assert_eq!(loudness(&on[..160]), loudness(&on[on.len() - 160..]));
        assert!((CLOCK_RATE..RINGBACK.cycle).all(|n| sample(&RINGBACK, n) == 0));
        // 425 Hz: 425 rising zero crossings in its second.
        let crossings = (1..CLOCK_RATE)
            .filter(|&n| sample(&RINGBACK, n - 1) < 0 && sample(&RINGBACK, n) >= 0)
            .count();
        assert!((424..=426).contains(&crossings), "{crossings}");
    }

    #[test]
    fn frames_loop_over_the_cycle() {
        let mut announcement = Player::new(&CHIME, Codec::Pcma);
        let first = announcement.next_frame();
        assert!(first.iter().any(|&b| b != 0xD5));
        let frames_per_cycle = CHIME.cycle as usize / SAMPLES_PER_FRAME;
        for _ in 1..frames_per_cycle {
            announcement.next_frame();
        }
        assert_eq!(announcement.next_frame(), first);
    }

    #[test]
    fn frames_are_the_encoded_samples() {
        for (tune, codec) in [&CHIME, &HOLD_MUSIC, &RINGBACK]
            .into_iter()
            .flat_map(|tune| Codec::ALL.map(|codec| (tune, codec)))
        {
            let mut player = Player::new(tune, codec);
            for frame_index in 0..(tune.cycle as usize / SAMPLES_PER_FRAME) {
                let frame = player.next_frame();
                let first = (frame_index * SAMPLES_PER_FRAME) as u32;
                let expected: Vec<u8> = (first..first + SAMPLES_PER_FRAME as u32)
                    .map(|n| codec.encode(sample(tune, n)))
                    .collect();
                assert_eq!(frame.as_slice(), expected.as_slice());
            }
        }
    }
}
