//! What delivery does with untrusted bytes, for the fuzz targets in `fuzz/` and the regression
//! tests: the SMSC's byte stream framed into PDUs as the SMPP session does, and each
//! `deliver_sm` read as a delivery receipt.

use rusmpp::Pdu;
use rusmpp::tokio_codec::CommandCodec;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::Decoder;

use crate::sms::smpp::receipt_of;

/// Frames `bytes` as PDUs and reads every `deliver_sm` among them as a receipt: the message
/// ids and verdicts found. Holds: a receipt that is read names a message id.
pub fn read_smpp_stream(bytes: &[u8]) -> Vec<(String, Option<bool>)> {
    let mut buffer = BytesMut::from(bytes);
    let mut codec = CommandCodec::new();
    let mut receipts = Vec::new();
    while let Ok(Some(command)) = codec.decode(&mut buffer) {
        if let Some(Pdu::DeliverSm(deliver)) = command.pdu()
            && let Some(receipt) = receipt_of(deliver)
        {
            assert!(!receipt.0.is_empty(), "a receipt names its message");
            receipts.push(receipt);
        }
    }
    receipts
}

/// A receipt's text (`id:… stat:…`) as an SMSC or gateway writes it.
pub fn read_receipt_text(text: &str) {
    if let Some((id, stat)) = crate::sms::receipts::parse_receipt_text(text) {
        assert!(
            !id.is_empty() && !stat.is_empty(),
            "a parsed receipt has an id and a stat"
        );
        let _ = crate::sms::receipts::stat_delivered(&stat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzz_targets_seeds_and_past_findings_run_clean() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let files: Vec<_> = ["seeds", "regressions"]
            .iter()
            .filter_map(|kind| std::fs::read_dir(root.join(kind).join("smpp_receipt")).ok())
            .flatten()
            .collect();
        assert!(!files.is_empty(), "no seeds in {}", root.display());
        let mut receipts = Vec::new();
        for file in files {
            let input = std::fs::read(file.unwrap().path()).unwrap();
            receipts.extend(read_smpp_stream(&input));
            read_receipt_text(&String::from_utf8_lossy(&input));
        }
        assert!(
            receipts.contains(&("abc123".into(), Some(true))),
            "{receipts:?}"
        );
    }
}
