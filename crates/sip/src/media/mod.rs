//! RTP media: SDP offer/answer, port allocation, announcement, relay.
