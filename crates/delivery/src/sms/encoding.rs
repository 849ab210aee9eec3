//! How a text becomes SMS parts: GSM 03.38 (7-bit default alphabet with its extension
//! table) when every character fits, UCS-2 otherwise; long texts split into concatenated
//! parts with an 8-bit-reference UDH. Pure functions: no I/O.

/// The alphabet a text is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// GSM 03.38 default alphabet, one septet per octet (SMPP `data_coding` 0, Kannel `coding=0`).
    Gsm7,
    /// UTF-16BE (SMPP `data_coding` 8, Kannel `coding=2`).
    Ucs2,
}

impl Coding {
    /// The SMPP `data_coding` value.
    pub fn smpp_data_coding(self) -> u8 {
        match self {
            Self::Gsm7 => 0x00,
            Self::Ucs2 => 0x08,
        }
    }

    /// The Kannel `sendsms` `coding` value.
    pub fn kannel_coding(self) -> u8 {
        match self {
            Self::Gsm7 => 0,
            Self::Ucs2 => 2,
        }
    }
}

/// A text as one or more parts, each payload without its UDH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    pub coding: Coding,
    /// GSM-7: septets, one per byte; UCS-2: UTF-16BE bytes.
    pub parts: Vec<Vec<u8>>,
}

/// Escape to the GSM 03.38 extension table.
const ESC: u8 = 0x1B;

/// The GSM 03.38 default alphabet, indexed by septet (0x1B, the escape, maps to NUL here).
const GSM7_BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\0', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The GSM 03.38 extension table: character and the septet after ESC.
const GSM7_EXTENSION: [(char, u8); 10] = [
    ('\u{0C}', 0x0A),
    ('^', 0x14),
    ('{', 0x28),
    ('}', 0x29),
    ('\\', 0x2F),
    ('[', 0x3C),
    ('~', 0x3D),
    (']', 0x3E),
    ('|', 0x40),
    ('€', 0x65),
];

/// Septets of one character in GSM-7: one, two (escaped), or none when it does not fit.
fn gsm7_septets(c: char) -> Option<Vec<u8>> {
    if c != '\0'
        && let Some(index) = GSM7_BASIC.iter().position(|&g| g == c)
    {
        return Some(vec![index as u8]);
    }
    GSM7_EXTENSION
        .iter()
        .find(|(g, _)| *g == c)
        .map(|(_, code)| vec![ESC, *code])
}

/// The alphabet `text` needs: GSM-7 when every character fits, else UCS-2.
pub fn coding_for(text: &str) -> Coding {
    if text.chars().all(|c| gsm7_septets(c).is_some()) {
        Coding::Gsm7
    } else {
        Coding::Ucs2
    }
}

/// Maximum units in a single SMS and in each part of a concatenated one.
fn limits(coding: Coding) -> (usize, usize) {
    match coding {
        Coding::Gsm7 => (160, 153),
        Coding::Ucs2 => (70, 67),
    }
}

/// Encodes `text` into parts that each fit one SMS (with a concatenation UDH when more
/// than one). A character's units (an escaped GSM-7 pair, a UTF-16 surrogate pair) are
/// never split across parts.
pub fn encode(text: &str) -> Encoded {
    let coding = coding_for(text);
    // One entry per character: its units, as bytes in the payload.
    let units: Vec<Vec<u8>> = text
        .chars()
        .map(|c| match coding {
            Coding::Gsm7 => gsm7_septets(c).unwrap_or_default(),
            Coding::Ucs2 => {
                let mut buf = [0u16; 2];
                c.encode_utf16(&mut buf)
                    .iter()
                    .flat_map(|u| u.to_be_bytes())
                    .collect()
            }
        })
        .collect();
    let width = |bytes: &[u8]| match coding {
        Coding::Gsm7 => bytes.len(),
        Coding::Ucs2 => bytes.len() / 2,
    };
    let total: usize = units.iter().map(|u| width(u)).sum();
    let (single, per_part) = limits(coding);
    if total <= single {
        return Encoded {
            coding,
            parts: vec![units.concat()],
        };
    }
    let mut parts = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut used = 0;
    for unit in units {
        let w = width(&unit);
        if used + w > per_part {
            parts.push(std::mem::take(&mut current));
            used = 0;
        }
        current.extend_from_slice(&unit);
        used += w;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    Encoded { coding, parts }
}

/// A concatenation UDH (IEI 0x00, 8-bit reference) for part `sequence` (1-based) of `total`.
pub fn concat_udh(reference: u8, total: u8, sequence: u8) -> [u8; 6] {
    [0x05, 0x00, 0x03, reference, total, sequence]
}

/// Decodes unpacked GSM-7 septets (one per byte); unknown codes become `?`.
pub fn decode_gsm7(septets: &[u8]) -> String {
    let mut out = String::new();
    let mut bytes = septets.iter();
    while let Some(&b) = bytes.next() {
        if b == ESC {
            let next = bytes.next().copied().unwrap_or(0);
            let c = GSM7_EXTENSION
                .iter()
                .find(|(_, code)| *code == next)
                .map(|(c, _)| *c);
            out.push(c.unwrap_or('?'));
        } else {
            out.push(GSM7_BASIC.get(usize::from(b)).copied().unwrap_or('?'));
        }
    }
    out
}

/// Decodes UTF-16BE bytes; invalid sequences become U+FFFD.
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Decodes a payload in `coding`.
pub fn decode(coding: Coding, payload: &[u8]) -> String {
    match coding {
        Coding::Gsm7 => decode_gsm7(payload),
        Coding::Ucs2 => decode_ucs2(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dutch_is_gsm7_and_round_trips() {
        let text = "Bel meneer De Vries terug: 020-1234567 (vóór 17:00 graag)";
        // ó is not in the default alphabet.
        assert_eq!(coding_for(text), Coding::Ucs2);
        let text = "Bel meneer De Vries terug: 020-1234567, @ 17:00! é è à ü";
        let encoded = encode(text);
        assert_eq!(encoded.coding, Coding::Gsm7);
        assert_eq!(encoded.parts.len(), 1);
        assert_eq!(decode_gsm7(&encoded.parts[0]), text);
    }

    #[test]
    fn e_acute_is_gsm7_e_diaeresis_is_not() {
        assert_eq!(encode("é").parts, vec![vec![0x05]]);
        assert_eq!(encode("É").parts, vec![vec![0x1F]]);
        // 0x7B is ä, 0x7C ö, 0x7E ü; there is no ë in GSM 03.38.
        assert_eq!(encode("ä").parts, vec![vec![0x7B]]);
        assert_eq!(coding_for("Zoë"), Coding::Ucs2);
        assert_eq!(encode("ë").parts, vec![vec![0x00, 0xEB]]);
    }

    #[test]
    fn extension_characters_are_escaped() {
        assert_eq!(encode("€").parts, vec![vec![0x1B, 0x65]]);
        assert_eq!(
            encode("[]{}\\^~|").parts[0],
            vec![
                0x1B, 0x3C, 0x1B, 0x3E, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x14, 0x1B, 0x3D,
                0x1B, 0x40
            ]
        );
        assert_eq!(
            decode_gsm7(&encode("Kosten € 12,50 [excl]").parts[0]),
            "Kosten € 12,50 [excl]"
        );
        assert_eq!(coding_for("€ ë"), Coding::Ucs2);
        assert_eq!(
            decode_ucs2(&encode("Prijs € 5, Zoë").parts[0]),
            "Prijs € 5, Zoë"
        );
    }

    #[test]
    fn single_part_limits() {
        assert_eq!(encode(&"a".repeat(160)).parts.len(), 1);
        assert_eq!(encode(&"a".repeat(161)).parts.len(), 2);
        // 80 euro signs are 160 septets.
        assert_eq!(encode(&"€".repeat(80)).parts.len(), 1);
        assert_eq!(encode(&"€".repeat(81)).parts.len(), 2);
        assert_eq!(encode(&"ë".repeat(70)).parts.len(), 1);
        assert_eq!(encode(&"ë".repeat(71)).parts.len(), 2);
    }

    #[test]
    fn long_gsm7_splits_at_153_septets() {
        let text = "x".repeat(153 * 2 + 1);
        let encoded = encode(&text);
        let lengths: Vec<usize> = encoded.parts.iter().map(Vec::len).collect();
        assert_eq!(lengths, vec![153, 153, 1]);
    }

    #[test]
    fn extension_character_is_not_split() {
        // 152 septets then € (2 septets): € must move to the next part whole.
        let text = format!("{}€{}", "x".repeat(152), "y".repeat(10));
        let encoded = encode(&text);
        assert_eq!(encoded.parts.len(), 2);
        assert_eq!(encoded.parts[0].len(), 152);
        assert_eq!(&encoded.parts[1][..2], &[0x1B, 0x65]);
        let joined: String = encoded.parts.iter().map(|p| decode_gsm7(p)).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn long_ucs2_splits_at_67_characters_keeping_surrogates() {
        let text = "ë".repeat(67 * 2 + 5);
        let lengths: Vec<usize> = encode(&text).parts.iter().map(Vec::len).collect();
        assert_eq!(lengths, vec![134, 134, 10]);
        // 66 units then a surrogate pair: the pair moves whole.
        let text = format!("{}😀{}", "ë".repeat(66), "ë".repeat(10));
        let encoded = encode(&text);
        assert_eq!(encoded.parts[0].len(), 132);
        let joined: String = encoded.parts.iter().map(|p| decode_ucs2(p)).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn udh_layout() {
        assert_eq!(concat_udh(0x2A, 3, 1), [0x05, 0x00, 0x03, 0x2A, 3, 1]);
    }

    #[test]
    fn empty_text_is_one_empty_part() {
        let encoded = encode("");
        assert_eq!(
            encoded,
            Encoded {
                coding: Coding::Gsm7,
                parts: vec![vec![]]
            }
        );
    }
}
