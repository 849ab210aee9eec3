//! Call notes are personal data: kept per client for a set period, then purged; a client may
//! take all its data with it; a caller may ask to be forgotten.
//!
//! Key types: [`Retention`] (months, the bureau's default or a client's own), [`Purged`] and
//! [`Erased`] (what a purge or an erasure touched). [`cutoff`] turns a retention into the
//! instant before which records go.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The bureau's default retention when its settings name none: two years.
pub const DEFAULT_MONTHS: u32 = 24;
/// The longest retention a client may ask for (ten years).
pub const MAX_MONTHS: u32 = 120;

/// How long a client's calls, notes, deliveries and digests are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Retention {
    /// Whole calendar months, 1 to [`MAX_MONTHS`].
    pub months: u32,
}

impl Retention {
    /// Checks the number of months.
    pub fn new(months: u32) -> crate::Result<Self> {
        if (1..=MAX_MONTHS).contains(&months) {
            Ok(Self { months })
        } else {
            Err(crate::Error::invalid(
                "months",
                format!("months must be between 1 and {MAX_MONTHS}"),
            ))
        }
    }
}

/// Records that arrived before this instant are past `retention` at `now` (the same day of
/// the month, `months` calendar months back; the 31st falls back to a shorter month's end).
pub fn cutoff(now: DateTime<Utc>, retention: Retention) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(retention.months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// What a purge removed for one client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Purged {
    pub calls: u64,
    pub notes: u64,
    pub deliveries: u64,
    pub digests: u64,
}

/// What erasing a caller's number changed within one client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Erased {
    /// Notes whose caller's name, company, number and texts were removed.
    pub notes: u64,
    /// Known-caller entries deleted.
    pub contacts: u64,
    /// Call records whose caller number and name were removed.
    pub calls: u64,
}

/// What an erased note's texts read afterwards.
pub const ERASED_TEXT: &str = "[gewist op verzoek / erased on request]";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 3, 0, 0).unwrap()
    }

    #[test]
    fn the_cutoff_is_whole_calendar_months_back() {
        let two_years = Retention::new(24).unwrap();
        assert_eq!(cutoff(at(2026, 12, 1), two_years), at(2024, 12, 1));
        // From the 31st into a 30-day or February month: that month's last day.
        let one = Retention::new(1).unwrap();
        assert_eq!(cutoff(at(2026, 3, 31), one), at(2026, 2, 28));
        assert_eq!(cutoff(at(2028, 3, 31), one), at(2028, 2, 29));
    }

    #[test]
    fn months_are_bounded() {
        assert!(Retention::new(0).is_err());
        assert!(Retention::new(MAX_MONTHS + 1).is_err());
        assert!(Retention::new(1).is_ok() && Retention::new(MAX_MONTHS).is_ok());
    }
}
