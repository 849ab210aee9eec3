//! Whole SIP messages as they arrive on the wire, read by the header helpers
//! (`caller`, `original_called`, `dialled`), the digest parser and the nonce check.
#![no_main]

use centrale_sip::fuzzing::{name_addr, read_request, uri_user};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_request(data);
    // The string helpers on their own, with inputs the request parser would reject.
    if let Ok(text) = std::str::from_utf8(data) {
        let (_, uri) = name_addr(text);
        let _ = uri_user(uri);
    }
});
