//! The two codecs Centrale relays (G.711 A-law and µ-law), how they are named in SDP, and the
//! conversion between them when the two legs of a call chose different laws.
//!
//! A codec that needs decoding (Opus, for a browser phone) would add a variant here and a
//! decoder/encoder pair in [`Codec::convert`]'s place; the relay only asks for a conversion.

use audio_codec_algorithms::{
    convert_alaw_to_ulaw, convert_ulaw_to_alaw, encode_alaw, encode_ulaw,
};
#[cfg(test)]
use audio_codec_algorithms::{decode_alaw, decode_ulaw};

/// Samples per second of G.711 and of RFC 4733 telephone-events as we use them.
pub(crate) const CLOCK_RATE: u32 = 8000;

/// Samples in one 20 ms packet.
pub(crate) const SAMPLES_PER_FRAME: usize = 160;

/// Payload type we use for telephone-events in our own offers.
pub(crate) const DEFAULT_DTMF_PT: u8 = 101;

/// A G.711 codec; the only ones Centrale relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// G.711 µ-law, static payload type 0.
    Pcmu,
}

impl Codec {
    /// Both codecs in the order we offer them.
    pub(crate) const ALL: [Codec; 2] = [Codec::Pcma, Codec::Pcmu];

    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcma => 8,
            Codec::Pcmu => 0,
        }
    }

    /// The encoding name in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcma => "PCMA",
            Codec::Pcmu => "PCMU",
        }
    }

    /// The codec a static payload type stands for, if it is one of ours.
    pub(crate) fn from_static_pt(pt: u8) -> Option<Codec> {
        match pt {
            8 => Some(Codec::Pcma),
            0 => Some(Codec::Pcmu),
            _ => None,
        }
    }

    /// The codec an `a=rtpmap` encoding name and clock rate stand for.
    pub(crate) fn from_rtpmap(name: &str, clock_rate: u32) -> Option<Codec> {
        if clock_rate != CLOCK_RATE {
            return None;
        }
        Codec::ALL
            .into_iter()
            .find(|codec| codec.name().eq_ignore_ascii_case(name))
    }

    /// Encodes one linear 16-bit sample.
    pub(crate) fn encode(self, sample: i16) -> u8 {
        match self {
            Codec::Pcma => encode_alaw(sample),
            Codec::Pcmu => encode_ulaw(sample),
        }
    }

    /// Decodes one sample to linear 16-bit (tests compare what the relay converted).
    #[cfg(test)]
    pub(crate) fn decode(self, sample: u8) -> i16 {
        match self {
            Codec::Pcma => decode_alaw(sample),
            Codec::Pcmu => decode_ulaw(sample),
        }
    }

    /// Converts encoded samples in place from this law to `to`, by the tables of ITU-T G.711
    /// (one per direction, made so that a double conversion changes next to nothing). The
    /// same law on both sides leaves them as they are.
    pub(crate) fn convert(self, to: Codec, samples: &mut [u8]) {
        let convert: fn(u8) -> u8 = match (self, to) {
            (Codec::Pcma, Codec::Pcmu) => convert_alaw_to_ulaw,
            (Codec::Pcmu, Codec::Pcma) => convert_ulaw_to_alaw,
            (Codec::Pcma, Codec::Pcma) | (Codec::Pcmu, Codec::Pcmu) => return,
        };
        for sample in samples {
            *sample = convert(*sample);
        }
    }

    /// Every codec, this one first: what we offer a leg when the other leg chose this one.
    pub(crate) fn first_of_all(preferred: Option<Codec>) -> Vec<Codec> {
        let mut codecs = Codec::ALL.to_vec();
        if let Some(preferred) = preferred {
            codecs.sort_by_key(|&codec| codec != preferred);
        }
        codecs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_payload_types_round_trip() {
        for codec in Codec::ALL {
            assert_eq!(Codec::from_static_pt(codec.payload_type()), Some(codec));
            assert_eq!(Codec::from_rtpmap(codec.name(), 8000), Some(codec));
        }
        assert_eq!(Codec::from_rtpmap("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_rtpmap("PCMU", 16000), None);
        assert_eq!(Codec::from_static_pt(9), None);
    }

    #[test]
    fn silence_encodes_to_the_usual_bytes() {
        assert_eq!(Codec::Pcma.encode(0), 0xD5);
        assert_eq!(Codec::Pcmu.encode(0), 0xFF);
    }

    /// Every sample of one law, converted to the other, decodes to the same linear value
    /// within the coarser law's step there, and converts back to itself (G.711 tables 3/4).
    #[test]
    fn conversion_keeps_each_sample_within_a_step_and_round_trips() {
        for (from, to) in [(Codec::Pcma, Codec::Pcmu), (Codec::Pcmu, Codec::Pcma)] {
            let original: Vec<u8> = (0..=255).collect();
            let mut converted = original.clone();
            from.convert(to, &mut converted);
            for (&before, &after) in original.iter().zip(&converted) {
                let (a, b) = (i32::from(from.decode(before)), i32::from(to.decode(after)));
                // The steps of both laws are at most 1/16 of the value (plus the smallest
                // steps near zero).
                assert!(
                    (a - b).abs() <= a.abs() / 16 + 16,
                    "{from:?} {before}: {a} vs {b}"
                );
            }
            let mut back = converted.clone();
            to.convert(from, &mut back);
            let unchanged = original.iter().zip(&back).filter(|(x, y)| x == y).count();
            // µ-law has more levels than A-law near zero, so µ→A→µ merges a few of them.
            assert!(unchanged >= 240, "{from:?}: {unchanged} of 256 came back");
        }
        let mut same = [1u8, 2, 3];
        Codec::Pcma.convert(Codec::Pcma, &mut same);
        assert_eq!(same, [1, 2, 3]);
    }

    #[test]
    fn the_other_legs_codec_is_offered_first() {
        assert_eq!(Codec::first_of_all(None), [Codec::Pcma, Codec::Pcmu]);
        assert_eq!(
            Codec::first_of_all(Some(Codec::Pcmu)),
            [Codec::Pcmu, Codec::Pcma]
        );
    }
}
