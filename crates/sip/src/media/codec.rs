//! The two codecs Centrale relays (G.711 A-law and µ-law) and how they are named in SDP.

use audio_codec_algorithms::{encode_alaw, encode_ulaw};

/// Samples per second of G.711 and of RFC 4733 telephone-events as we use them.
pub(crate) const CLOCK_RATE: u32 = 8000;

/// Samples in one 20 ms packet.
pub(crate) const SAMPLES_PER_FRAME: usize = 160;

/// Payload type we use for telephone-events in our own offers.
pub(crate) const DEFAULT_DTMF_PT: u8 = 101;

/// A G.711 codec; the only ones Centrale relays (no transcoding).
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
}
