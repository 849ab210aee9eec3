//! Bytes from an SMSC: framed into PDUs, every `deliver_sm` read as a delivery receipt; and
//! the receipt text on its own.
#![no_main]

use centrale_delivery::fuzzing::{read_receipt_text, read_smpp_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_smpp_stream(data);
    read_receipt_text(&String::from_utf8_lossy(data));
});
