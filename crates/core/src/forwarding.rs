//! How a client forwards its phones to its forwarding number: the codes per line type, with
//! the number filled in. One table, read by the portal's help page and the sign-up's welcome
//! e-mail. The facts are the Dutch carriers' (fixed lines) and GSM's (3GPP TS 22.030).

use crate::PhoneNumber;
use serde::{Deserialize, Serialize};

/// The kind of line a client forwards from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    Analog,
    Isdn,
    /// Cable telephony (UPC / Ziggo).
    Upc,
    Mobile,
    /// A telephone exchange: forwarding is set in the exchange itself.
    Pbx,
}

impl LineType {
    pub const ALL: [LineType; 5] = [
        LineType::Analog,
        LineType::Isdn,
        LineType::Upc,
        LineType::Mobile,
        LineType::Pbx,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LineType::Analog => "analog",
            LineType::Isdn => "isdn",
            LineType::Upc => "upc",
            LineType::Mobile => "mobile",
            LineType::Pbx => "pbx",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|line| line.code() == text)
    }
}

/// When calls are forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Always,
    Busy,
    /// After the phone rang for a while.
    NoAnswer,
    /// Switched off or out of coverage (mobile).
    Unreachable,
    /// Busy, no answer and unreachable at once (mobile).
    AllConditional,
    /// Every forwarding at once switched off (mobile).
    CancelAll,
}

impl Condition {
    pub fn code(self) -> &'static str {
        match self {
            Condition::Always => "always",
            Condition::Busy => "busy",
            Condition::NoAnswer => "no_answer",
            Condition::Unreachable => "unreachable",
            Condition::AllConditional => "all_conditional",
            Condition::CancelAll => "cancel_all",
        }
    }
}

/// One way to forward: what to dial to switch it on, and to switch it off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForwardingCode {
    pub condition: Condition,
    /// Empty for [`Condition::CancelAll`], which only switches off.
    pub on: String,
    pub off: String,
}

/// Seconds a mobile rings before a no-answer forward, as GSM allows: 5 to 30 in steps of 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingSeconds(u8);

impl RingSeconds {
    pub const DEFAULT: RingSeconds = RingSeconds(20);

    pub fn new(seconds: u8) -> Result<Self, String> {
        if (5..=30).contains(&seconds) && seconds.is_multiple_of(5) {
            Ok(Self(seconds))
        } else {
            Err("the ringing time is 5 to 30 seconds, in steps of 5".into())
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// The codes for `line` with `number` filled in (as dialled from a Dutch line: `0…` for a
/// Dutch number, `00…` for a foreign one). A PBX has none: its overflow is set in the exchange.
pub fn codes(line: LineType, number: &PhoneNumber, ring: RingSeconds) -> Vec<ForwardingCode> {
    let n = dialled(number);
    let code = |condition, on: String, off: &str| ForwardingCode {
        condition,
        on,
        off: off.to_owned(),
    };
    match line {
        LineType::Analog => vec![
            code(Condition::Always, format!("*21*{n}#"), "#21#"),
            code(Condition::Busy, format!("*67*{n}#"), "#67#"),
            code(Condition::NoAnswer, format!("*61*{n}#"), "#61#"),
        ],
        LineType::Isdn => vec![
            code(Condition::Always, format!("*210*{n}#"), "#210#"),
            code(Condition::Busy, format!("*670*{n}#"), "#670#"),
            code(Condition::NoAnswer, format!("*610*{n}#"), "#610#"),
        ],
        LineType::Upc => vec![code(Condition::Always, format!("*21{n}"), "#21")],
        LineType::Mobile => vec![
            code(Condition::Always, format!("*21*{n}#"), "#21#"),
            code(Condition::Busy, format!("*67*{n}#"), "#67#"),
            code(
                Condition::NoAnswer,
                format!("*61*{n}*{}#", ring.get()),
                "#61#",
            ),
            code(Condition::Unreachable, format!("*62*{n}#"), "#62#"),
            code(Condition::AllConditional, format!("*004*{n}#"), "#004#"),
            code(Condition::CancelAll, String::new(), "##002#"),
        ],
        LineType::Pbx => Vec::new(),
    }
}

/// `number` as dialled from a Dutch line.
pub fn dialled(number: &PhoneNumber) -> String {
    let e164 = number.as_str();
    match e164.strip_prefix("+31") {
        Some(national) => format!("0{national}"),
        None => format!("00{}", e164.trim_start_matches('+')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> PhoneNumber {
        PhoneNumber::parse("+31851234567").unwrap()
    }

    fn on(line: LineType, condition: Condition) -> Option<(String, String)> {
        codes(line, &number(), RingSeconds::DEFAULT)
            .into_iter()
            .find(|c| c.condition == condition)
            .map(|c| (c.on, c.off))
    }

    #[test]
    fn fixed_lines_follow_the_carriers_table() {
        let pair = |on: &str, off: &str| Some((on.to_owned(), off.to_owned()));
        assert_eq!(
            on(LineType::Analog, Condition::Always),
            pair("*21*0851234567#", "#21#")
        );
        assert_eq!(
            on(LineType::Analog, Condition::Busy),
            pair("*67*0851234567#", "#67#")
        );
        assert_eq!(
            on(LineType::Analog, Condition::NoAnswer),
            pair("*61*0851234567#", "#61#")
        );
        assert_eq!(
            on(LineType::Isdn, Condition::Always),
            pair("*210*0851234567#", "#210#")
        );
        assert_eq!(
            on(LineType::Isdn, Condition::Busy),
            pair("*670*0851234567#", "#670#")
        );
        assert_eq!(
            on(LineType::Isdn, Condition::NoAnswer),
            pair("*610*0851234567#", "#610#")
        );
        assert_eq!(
            on(LineType::Upc, Condition::Always),
            pair("*210851234567", "#21")
        );
        assert_eq!(on(LineType::Upc, Condition::Busy), None);
        assert!(codes(LineType::Pbx, &number(), RingSeconds::DEFAULT).is_empty());
    }

    #[test]
    fn mobiles_use_the_gsm_codes_with_the_ringing_time() {
        let ring = RingSeconds::new(15).unwrap();
        let all = codes(LineType::Mobile, &number(), ring);
        let texts: Vec<(&str, &str)> = all
            .iter()
            .map(|c| (c.on.as_str(), c.off.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("*21*0851234567#", "#21#"),
                ("*67*0851234567#", "#67#"),
                ("*61*0851234567*15#", "#61#"),
                ("*62*0851234567#", "#62#"),
                ("*004*0851234567#", "#004#"),
                ("", "##002#"),
            ]
        );
    }

    #[test]
    fn ringing_times_are_five_to_thirty_in_fives() {
        assert!(RingSeconds::new(5).is_ok());
        assert!(RingSeconds::new(30).is_ok());
        assert!(RingSeconds::new(0).is_err());
        assert!(RingSeconds::new(12).is_err());
        assert!(RingSeconds::new(35).is_err());
    }

    #[test]
    fn numbers_are_dialled_as_from_a_dutch_line() {
        assert_eq!(dialled(&number()), "0851234567");
        let german = PhoneNumber::parse("+493012345678").unwrap();
        assert_eq!(dialled(&german), "00493012345678");
    }

    #[test]
    fn line_types_read_back_their_codes() {
        for line in LineType::ALL {
            assert_eq!(LineType::parse(line.code()), Some(line));
        }
        assert_eq!(LineType::parse("fax"), None);
    }
}
