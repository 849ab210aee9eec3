//! A client's IANA time zone; instructions' periods are read in it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An IANA time zone such as `Europe/Amsterdam` (the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Europe/Amsterdam")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Parses an IANA name.
    pub fn parse(input: &str) -> Result<Self, String> {
        input
            .trim()
            .parse()
            .map(Self)
            .map_err(|_| format!("'{input}' is not an IANA time zone"))
    }

    /// The zone for date arithmetic.
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::Europe::Amsterdam)
    }
}

impl TryFrom<String> for TimeZone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TimeZone> for String {
    fn from(value: TimeZone) -> Self {
        value.0.name().to_owned()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}
