//! `Authorization: Digest …` values as a phone (or an attacker) sends them.
#![no_main]

use centrale_sip::fuzzing::read_digest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        read_digest(header);
    }
});
