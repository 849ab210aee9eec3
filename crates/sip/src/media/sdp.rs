//! SDP for one audio stream: read a peer's offer or answer, write ours (RFC 3264, RFC 8866).
//!
//! Only what relaying G.711 needs is read: the address (`c=` at media or session level), the
//! port (`m=`), our codecs in the peer's order and the telephone-event payload type.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use bytesstr::BytesStr;
use ezk_sdp_types::{
    Direction, Fmtp, MediaDescription, MediaType, Origin, RtpMap, SessionDescription,
    TaggedAddress, Time, TransportProtocol, UnknownAttribute,
};

use super::codec::{CLOCK_RATE, Codec};
use super::{MediaError, Result};

/// Encoding name of RFC 4733 events in `a=rtpmap`.
const TELEPHONE_EVENT: &str = "telephone-event";

/// Encoding name and static payload type of comfort noise (RFC 3389).
const COMFORT_NOISE: &str = "CN";
const COMFORT_NOISE_PT: u8 = 13;

/// What a peer's SDP says about its audio stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RemoteAudio {
    /// Where the peer wants our RTP.
    pub(crate) addr: SocketAddr,
    /// Our codecs in the peer's order of preference, each with the peer's payload type.
    pub(crate) codecs: Vec<(Codec, u8)>,
    /// The peer's telephone-event payload type, if it offered or accepted RFC 4733 events.
    pub(crate) dtmf_pt: Option<u8>,
    /// The peer's media direction.
    pub(crate) direction: Direction,
    /// The peer listed comfort noise (`CN`, RFC 3389): it suppresses silence.
    pub(crate) comfort_noise: bool,
    /// The `o=` session id and version: an SDP repeated with the same version is unchanged
    /// (RFC 3264 §8), as in a session refresh.
    pub(crate) origin: String,
}

impl RemoteAudio {
    /// The peer's payload type for `codec`, if the peer listed it.
    pub(crate) fn pt_of(&self, codec: Codec) -> Option<u8> {
        self.codecs
            .iter()
            .find(|(c, _)| *c == codec)
            .map(|&(_, pt)| pt)
    }

    /// Whether the peer puts the stream on hold: it will not receive (`sendonly`,
    /// `inactive`) or names no address (`c=0.0.0.0`, RFC 2543 style).
    pub(crate) fn holds(&self) -> bool {
        matches!(self.direction, Direction::SendOnly | Direction::Inactive)
            || self.addr.ip().is_unspecified()
    }
}

/// Reads the first active audio stream of an SDP body.
pub(crate) fn parse_audio(body: &[u8]) -> Result<RemoteAudio> {
    let text = BytesStr::from_utf8_bytes(Bytes::copy_from_slice(body))
        .map_err(|_| MediaError::BadSdp("not UTF-8".into()))?;
    let session =
        SessionDescription::parse(&text).map_err(|e| MediaError::BadSdp(e.to_string()))?;

    // A port of 0 marks a rejected or disabled stream; SRTP we cannot terminate.
    let media = session
        .media_descriptions
        .iter()
        .find(|m| m.media.media_type == MediaType::Audio && m.media.port != 0)
        .ok_or(MediaError::NoCommonCodec)?;
    if !matches!(
        media.media.proto,
        TransportProtocol::RtpAvp | TransportProtocol::RtpAvpf
    ) {
        return Err(MediaError::NoCommonCodec);
    }

    let connection = media
        .connection
        .as_ref()
        .or(session.connection.as_ref())
        .ok_or_else(|| MediaError::BadSdp("no connection address (c=)".into()))?;
    let ip = match &connection.address {
        TaggedAddress::IP4(ip) => IpAddr::V4(*ip),
        TaggedAddress::IP6(ip) => IpAddr::V6(*ip),
        TaggedAddress::IP4FQDN(name) | TaggedAddress::IP6FQDN(name) => {
            return Err(MediaError::BadSdp(format!(
                "connection address {name} is not an IP address"
            )));
        }
    };

    let rtpmap_of = |pt: u8| media.rtpmap.iter().find(|r| r.payload == pt);
    let mut codecs = Vec::new();
    let mut dtmf_pt = None;
    let mut comfort_noise = false;
    for &pt in &media.media.fmts {
        match rtpmap_of(pt) {
            Some(map) if map.encoding.eq_ignore_ascii_case(COMFORT_NOISE) => comfort_noise = true,
            None if pt == COMFORT_NOISE_PT => comfort_noise = true,
            Some(map) if map.encoding.eq_ignore_ascii_case(TELEPHONE_EVENT) => {
                if map.clock_rate == CLOCK_RATE && dtmf_pt.is_none() {
                    dtmf_pt = Some(pt);
                }
            }
            Some(map) => {
                if let Some(codec) = Codec::from_rtpmap(&map.encoding, map.clock_rate) {
                    codecs.push((codec, pt));
                }
            }
            None => codecs.extend(Codec::from_static_pt(pt).map(|codec| (codec, pt))),
        }
    }

    Ok(RemoteAudio {
        addr: SocketAddr::new(ip, media.media.port),
        codecs,
        dtmf_pt,
        direction: media.direction,
        comfort_noise,
        origin: format!(
            "{} {}",
            session.origin.session_id, session.origin.session_version
        ),
    })
}

/// Our side of one leg, to be written as SDP.
#[derive(Debug, Clone)]
pub(crate) struct LocalAudio {
    /// Advertised address.
    pub(crate) ip: IpAddr,
    /// Our RTP port on this leg.
    pub(crate) port: u16,
    /// Codecs with the payload types to list, in order of preference.
    pub(crate) codecs: Vec<(Codec, u8)>,
    /// Telephone-event payload type, if we list RFC 4733 events.
    pub(crate) dtmf_pt: Option<u8>,
    /// Our media direction.
    pub(crate) direction: Direction,
    /// `o=` session id, fixed for the leg.
    pub(crate) session_id: u64,
    /// `o=` version, incremented for each SDP we send on the leg.
    pub(crate) version: u64,
}

/// Writes our SDP: one audio stream, G.711 with 20 ms packets.
pub(crate) fn write_audio(local: &LocalAudio) -> Vec<u8> {
    let mut media = MediaDescription::rejected(MediaType::Audio);
    media.media.port = local.port;
    media.media.proto = TransportProtocol::RtpAvp;
    media.direction = local.direction;
    for &(codec, pt) in &local.codecs {
        media.media.fmts.push(pt);
        media.rtpmap.push(RtpMap {
            payload: pt,
            encoding: codec.name().into(),
            clock_rate: CLOCK_RATE,
            params: None,
        });
    }
    if let Some(pt) = local.dtmf_pt {
        media.media.fmts.push(pt);
        media.rtpmap.push(RtpMap {
            payload: pt,
            encoding: TELEPHONE_EVENT.into(),
            clock_rate: CLOCK_RATE,
            params: None,
        });
        media.fmtp.push(Fmtp {
            format: pt,
            params: "0-16".into(),
        });
    }
    media.attributes.push(UnknownAttribute {
        name: "ptime".into(),
        value: Some("20".into()),
    });

    let address = TaggedAddress::from(local.ip);
    let session = SessionDescription {
        origin: Origin {
            username: "centrale".into(),
            session_id: local.session_id.to_string().into(),
            session_version: local.version.to_string().into(),
            address: address.clone(),
        },
        name: "centrale".into(),
        connection: Some(ezk_sdp_types::Connection {
            address,
            ttl: None,
            num: None,
        }),
        bandwidth: Vec::new(),
        time: Time { start: 0, stop: 0 },
        direction: local.direction,
        group: Vec::new(),
        extmap: Vec::new(),
        extmap_allow_mixed: false,
        ice_lite: false,
        ice_options: Default::default(),
        ice_ufrag: None,
        ice_pwd: None,
        setup: None,
        fingerprint: Vec::new(),
        attributes: Vec::new(),
        media_descriptions: vec![media],
    };
    session.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(c_session: &str, c_media: &str, m: &str, extra: &str) -> Vec<u8> {
        format!(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n{c_session}t=0 0\r\n\
             m={m}\r\n{c_media}{extra}"
        )
        .into_bytes()
    }

    #[test]
    fn reads_codecs_in_the_peers_order_and_the_dtmf_type() {
        let body = offer(
            "c=IN IP4 192.0.2.10\r\n",
            "",
            "audio 4000 RTP/AVP 18 0 8 96",
            "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=sendrecv\r\n",
        );
        let audio = parse_audio(&body).expect("valid SDP");
        assert_eq!(audio.addr, "192.0.2.10:4000".parse().expect("addr"));
        assert_eq!(audio.codecs, vec![(Codec::Pcmu, 0), (Codec::Pcma, 8)]);
        assert_eq!(audio.dtmf_pt, Some(96));
        assert_eq!(audio.direction, Direction::SendRecv);
    }

    #[test]
    fn media_level_connection_wins_and_ipv6_is_read() {
        let body = offer(
            "c=IN IP4 192.0.2.10\r\n",
            "c=IN IP6 2001:db8::7\r\n",
            "audio 4002 RTP/AVP 8",
            "a=sendonly\r\n",
        );
        let audio = parse_audio(&body).expect("valid SDP");
        assert_eq!(audio.addr, "[2001:db8::7]:4002".parse().expect("addr"));
        assert_eq!(audio.direction, Direction::SendOnly);
    }

    #[test]
    fn sendonly_inactive_and_a_null_address_are_hold_and_the_origin_is_read() {
        let held = |c: &str, extra: &str| {
            parse_audio(&offer(c, "", "audio 4000 RTP/AVP 8", extra))
                .expect("valid SDP")
                .holds()
        };
        let c = "c=IN IP4 192.0.2.10\r\n";
        assert!(held(c, "a=sendonly\r\n"));
        assert!(held(c, "a=inactive\r\n"));
        assert!(held("c=IN IP4 0.0.0.0\r\n", ""));
        assert!(!held(c, "a=sendrecv\r\n"));
        assert!(!held(c, "a=recvonly\r\n"));
        let audio = parse_audio(&offer(c, "", "audio 4000 RTP/AVP 8", "")).expect("valid SDP");
        assert_eq!(audio.origin, "1 1");
    }

    #[test]
    fn dynamic_g711_and_other_clock_rates_are_understood() {
        let body = offer(
            "c=IN IP4 192.0.2.10\r\n",
            "",
            "audio 4000 RTP/AVP 97 98 99",
            "a=rtpmap:97 PCMA/8000\r\na=rtpmap:98 telephone-event/48000\r\n\
             a=rtpmap:99 telephone-event/8000\r\n",
        );
        let audio = parse_audio(&body).expect("valid SDP");
        assert_eq!(audio.codecs, vec![(Codec::Pcma, 97)]);
        assert_eq!(audio.dtmf_pt, Some(99));
    }

    #[test]
    fn missing_address_or_bad_text_is_bad_sdp() {
        let no_c = offer("", "", "audio 4000 RTP/AVP 8", "");
        let fqdn = offer("c=IN IP4 pbx.example\r\n", "", "audio 4000 RTP/AVP 8", "");
        for body in [
            no_c,
            fqdn,
            b"hello".to_vec(),
            vec![0xff, 0xfe, 0x00],
            b"v=0\r\nm=audio x RTP/AVP 8\r\n".to_vec(),
        ] {
            assert!(matches!(parse_audio(&body), Err(MediaError::BadSdp(_))));
        }
    }

    #[test]
    fn no_usable_audio_is_no_common_codec() {
        let c = "c=IN IP4 192.0.2.10\r\n";
        for m in [
            "audio 0 RTP/AVP 8",
            "video 4000 RTP/AVP 96",
            "audio 4000 RTP/SAVP 8",
        ] {
            let result = parse_audio(&offer(c, "", m, ""));
            assert!(matches!(result, Err(MediaError::NoCommonCodec)), "{m}");
        }
    }

    #[test]
    fn every_prefix_of_an_offer_parses_or_fails_without_panic() {
        let body = offer(
            "c=IN IP4 192.0.2.10\r\n",
            "c=IN IP6 2001:db8::7\r\n",
            "audio 4000 RTP/AVP 8 0 101",
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n",
        );
        for end in 0..=body.len() {
            let _ = parse_audio(&body[..end]);
        }
    }

    #[test]
    fn mutated_offers_parse_or_fail_without_panic() {
        let body = offer(
            "c=IN IP4 192.0.2.10\r\n",
            "c=IN IP6 2001:db8::7\r\n",
            "audio 4000 RTP/AVP 8 0 101",
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n",
        );
        for position in 0..body.len() {
            for byte in [b' ', b'/', b':', b'=', b'0', b'9', b'\r', b'x', 0xc3, 0xff] {
                let mut mutated = body.clone();
                mutated[position] = byte;
                let _ = parse_audio(&mutated);
                mutated.insert(position, byte);
                let _ = parse_audio(&mutated);
            }
        }
    }

    #[test]
    fn written_sdp_reads_back() {
        let local = LocalAudio {
            ip: "198.51.100.5".parse().expect("ip"),
            port: 30000,
            codecs: vec![(Codec::Pcmu, 0), (Codec::Pcma, 8)],
            dtmf_pt: Some(101),
            direction: Direction::SendRecv,
            session_id: 42,
            version: 3,
        };
        let body = write_audio(&local);
        let text = String::from_utf8(body.clone()).expect("utf-8");
        assert!(
            text.contains("o=centrale 42 3 IN IP4 198.51.100.5\r\n"),
            "{text}"
        );
        assert!(text.contains("m=audio 30000 RTP/AVP 0 8 101\r\n"), "{text}");
        assert!(text.contains("a=ptime:20\r\n"), "{text}");
        let audio = parse_audio(&body).expect("own SDP parses");
        assert_eq!(audio.addr, "198.51.100.5:30000".parse().expect("addr"));
        assert_eq!(audio.codecs, local.codecs);
        assert_eq!(audio.dtmf_pt, Some(101));
    }
}
