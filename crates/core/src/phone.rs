//! Phone numbers: parsed with libphonenumber's rules, kept in E.164, type known.

use phonenumber::{Mode, country};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of line a number reaches; transfer prices depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    Mobile,
    FixedLine,
    TollFree,
    Voip,
    Other,
}

/// A valid phone number in E.164 form (`+31201234567`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "+31201234567")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number as people write it; national numbers are read as Dutch.
    /// Accepts `+31…`, `0031…`, `31…` (when that makes a valid Dutch number) and `0…`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let cleaned: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let candidate = if let Some(rest) = cleaned.strip_prefix("00") {
            format!("+{rest}")
        } else if cleaned.starts_with("31") && cleaned.len() == 11 {
            format!("+{cleaned}")
        } else {
            cleaned
        };
        let parsed = phonenumber::parse(Some(country::Id::NL), &candidate)
            .map_err(|_| format!("'{}' is not a phone number", input.trim()))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(format!("'{}' is not a valid phone number", input.trim()));
        }
        Ok(Self(parsed.format().mode(Mode::E164).to_string()))
    }

    /// The E.164 text, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The line type, as far as the numbering plan tells.
    pub fn kind(&self) -> NumberKind {
        use phonenumber::metadata::DATABASE;
        let Ok(parsed) = phonenumber::parse(None, &self.0) else {
            return NumberKind::Other;
        };
        match parsed.number_type(&DATABASE) {
            phonenumber::Type::Mobile => NumberKind::Mobile,
            phonenumber::Type::FixedLine | phonenumber::Type::FixedLineOrMobile => {
                NumberKind::FixedLine
            }
            phonenumber::Type::TollFree => NumberKind::TollFree,
            phonenumber::Type::Voip => NumberKind::Voip,
            _ => NumberKind::Other,
        }
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dutch_spelling_becomes_e164() {
        for input in [
            "+31 20 123 4567",
            "0031201234567",
            "31201234567",
            "020-1234567",
            "(020) 123 45 67",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+31201234567",
                "{input}"
            );
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(
            PhoneNumber::parse("+32 2 555 12 12").unwrap().as_str(),
            "+3225551212"
        );
    }

    #[test]
    fn knows_mobile_from_landline() {
        assert_eq!(
            PhoneNumber::parse("06 12345678").unwrap().kind(),
            NumberKind::Mobile
        );
        assert_eq!(
            PhoneNumber::parse("020 1234567").unwrap().kind(),
            NumberKind::FixedLine
        );
        assert_eq!(
            PhoneNumber::parse("0800 0123").unwrap().kind(),
            NumberKind::TollFree
        );
    }

    #[test]
    fn refuses_what_is_no_number() {
        for bad in ["", "hello", "123", "+31 20 12", "06123456789012"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
