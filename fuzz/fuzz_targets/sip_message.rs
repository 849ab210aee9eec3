//! Whole SIP messages as they arrive: a UDP datagram, and the same bytes as a TCP stream framed
//! by `Content-Length`; each request read as the edge reads it (headers, digest, SDP offer).
#![no_main]

use centrale_sip::fuzzing::{read_datagram, read_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_datagram(data);
    read_stream(data);
});
