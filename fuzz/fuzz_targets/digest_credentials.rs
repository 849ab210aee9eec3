//! `Authorization: Digest …` values as a phone (or an attacker) sends them.
#![no_main]

use centrale_sip::fuzzing::Credentials;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(credentials) = Credentials::parse(header) {
        // Whatever was parsed must be usable: algorithm lookup and verification never panic.
        let _ = credentials.algorithm();
        let _ = credentials.verify("0123456789abcdef0123456789abcdef", "REGISTER");
        let _ = credentials.verify("", "INVITE");
    }
});
