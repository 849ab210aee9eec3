//! An SDP offer from a carrier or a phone, answered as the caller's leg answers it.
#![no_main]

use centrale_sip::fuzzing::answer_offer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = answer_offer(data);
});
