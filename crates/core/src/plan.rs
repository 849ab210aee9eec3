//! The plans a client subscribes to: a monthly fee with a bundle of calls and a price per call
//! beyond it. Each change is a new version valid from an instant, so a past month is always
//! priced by the version then in force (billing reads them; sign-up offers the current ones).

use crate::client::name_text;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest plan code accepted.
pub const MAX_CODE_LEN: usize = 40;

/// A version of a plan, as kept by bureau staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Short and stable, e.g. `basis`; lower-case letters, digits and `-`.
    pub code: String,
    /// What clients read, e.g. "Basis".
    pub name: String,
    /// The monthly fee in euro cents, excluding VAT.
    pub monthly_cents: i64,
    /// Calls included per month.
    pub included_calls: i64,
    /// The price of each call beyond them, in euro cents, excluding VAT.
    pub extra_call_cents: i64,
    /// From when this version holds (until the next version of the same code).
    pub valid_from: DateTime<Utc>,
}

impl Plan {
    /// Checks the code, the name and that no amount is negative.
    pub fn validate(self) -> Result<Self> {
        let code = self.code.trim().to_owned();
        if code.is_empty()
            || code.len() > MAX_CODE_LEN
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(Error::invalid(
                "code",
                "code is 1 to 40 lower-case letters, digits or '-'",
            ));
        }
        let name = name_text("name", &self.name, 100)?;
        for (field, value) in [
            ("monthly_cents", self.monthly_cents),
            ("included_calls", self.included_calls),
            ("extra_call_cents", self.extra_call_cents),
        ] {
            if value < 0 {
                return Err(Error::invalid(
                    field,
                    format!("{field} must not be negative"),
                ));
            }
        }
        Ok(Self { code, name, ..self })
    }

    /// The monthly fee as people read it: `€ 49,00` (Dutch) or `€49.00`.
    pub fn monthly_text(&self, language: crate::Language) -> String {
        euros(self.monthly_cents, language)
    }
}

/// `cents` as an amount in euros for `language`.
pub fn euros(cents: i64, language: crate::Language) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, part) = (cents.abs() / 100, cents.abs() % 100);
    match language {
        crate::Language::Nl => format!("{sign}€ {whole},{part:02}"),
        crate::Language::En => format!("{sign}€{whole}.{part:02}"),
    }
}

/// The versions in force at `at`, one per code, from every version there is.
pub fn in_force(versions: &[Plan], at: DateTime<Utc>) -> Vec<Plan> {
    let mut current: Vec<Plan> = Vec::new();
    for plan in versions.iter().filter(|p| p.valid_from <= at) {
        match current.iter_mut().find(|p| p.code == plan.code) {
            Some(known) if known.valid_from < plan.valid_from => *known = plan.clone(),
            Some(_) => {}
            None => current.push(plan.clone()),
        }
    }
    current.sort_by_key(|p| (p.monthly_cents, p.code.clone()));
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn plan(code: &str, cents: i64, from_day: u32) -> Plan {
        Plan {
            code: code.into(),
            name: code.into(),
            monthly_cents: cents,
            included_calls: 50,
            extra_call_cents: 100,
            valid_from: Utc.with_ymd_and_hms(2026, 1, from_day, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_latest_version_not_in_the_future_holds() {
        let versions = [
            plan("basis", 4900, 1),
            plan("basis", 5900, 15),
            plan("plus", 9900, 1),
        ];
        let at = |day| Utc.with_ymd_and_hms(2026, 1, day, 12, 0, 0).unwrap();
        let cents = |day| {
            in_force(&versions, at(day))
                .iter()
                .map(|p| (p.code.clone(), p.monthly_cents))
                .collect::<Vec<_>>()
        };
        assert_eq!(cents(10), [("basis".into(), 4900), ("plus".into(), 9900)]);
        assert_eq!(cents(20), [("basis".into(), 5900), ("plus".into(), 9900)]);
    }

    #[test]
    fn codes_and_amounts_are_checked() {
        assert!(plan("Basis!", 1, 1).validate().is_err());
        assert!(plan("basis", -1, 1).validate().is_err());
        assert_eq!(plan("basis", 4900, 1).validate().unwrap().code, "basis");
    }

    #[test]
    fn amounts_read_as_euros() {
        assert_eq!(euros(4900, crate::Language::Nl), "€ 49,00");
        assert_eq!(euros(125, crate::Language::En), "€1.25");
        assert_eq!(euros(-5, crate::Language::Nl), "-€ 0,05");
    }
}
