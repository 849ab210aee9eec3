//! The bureau's pool of forwarding numbers (doorschakelnummers).

use crate::client::optional_text;
use crate::{ClientId, NumberId, PhoneNumber, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest label accepted.
pub const MAX_LABEL_LEN: usize = 100;

/// A number as created or updated: which number, its label, to whom it is assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberDraft {
    pub number: PhoneNumber,
    /// What the line is for the client, e.g. "Sales line".
    #[serde(default)]
    pub label: Option<String>,
    /// The client the number is assigned to; none while it waits in the pool.
    #[serde(default)]
    pub client_id: Option<ClientId>,
}

impl NumberDraft {
    /// Trims and bounds the label; an empty label is no label.
    pub fn validate(self) -> Result<Self> {
        let label = match self.label {
            Some(label) => {
                Some(optional_text("label", &label, MAX_LABEL_LEN)?).filter(|l| !l.is_empty())
            }
            None => None,
        };
        Ok(Self { label, ..self })
    }
}

/// A forwarding number as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ForwardingNumber {
    pub id: NumberId,
    #[serde(flatten)]
    pub draft: NumberDraft,
    /// When the last client gave it up (for its quarantine); none while assigned or never used.
    pub released_at: Option<DateTime<Utc>>,
}

impl ForwardingNumber {
    /// Where the number stands at `now`, given how long a released number rests.
    pub fn state(&self, quarantine: chrono::Duration, now: DateTime<Utc>) -> NumberState {
        match (self.draft.client_id, self.released_at) {
            (Some(_), _) => NumberState::Assigned,
            (None, Some(released)) if released + quarantine > now => NumberState::Quarantine {
                until: released + quarantine,
            },
            (None, _) => NumberState::Free,
        }
    }
}

/// Where a number of the pool stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum NumberState {
    /// Waiting to be given to a client.
    Free,
    Assigned,
    /// Given up by a client not long ago: not handed out again until `until`, so the old
    /// client's callers do not reach a new one.
    Quarantine {
        until: DateTime<Utc>,
    },
}

/// The quarantine when the bureau sets none.
pub const DEFAULT_QUARANTINE_DAYS: u32 = 90;
/// Most numbers one import takes (a range included).
pub const MAX_IMPORT: usize = 10_000;

/// An import read: the numbers to add, and what could not be.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportPlan {
    /// Valid Dutch numbers, each once, in the order given.
    pub numbers: Vec<PhoneNumber>,
    /// Entries given more than once (after the first).
    pub repeated: Vec<String>,
    /// Valid numbers of another country: the bureau's forwarding numbers are Dutch.
    pub foreign: Vec<String>,
    /// Entries that are no phone number or range, with why.
    pub invalid: Vec<ImportProblem>,
}

/// An entry of an import that was not taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportProblem {
    pub entry: String,
    pub reason: String,
}

/// Reads an import: numbers and ranges (`+31852001000-+31852001099`, or with the end's last
/// digits only: `+31852001000-099`), separated by lines, commas or semicolons.
pub fn parse_import(text: &str) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let mut seen = std::collections::HashSet::new();
    for entry in text
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        // A number written with dashes ("020-1234567") is a number, not a range.
        let numbers = match PhoneNumber::parse(entry) {
            Ok(number) => Ok(vec![number]),
            Err(not_a_number) => range(entry).unwrap_or(Err(not_a_number)),
        };
        let numbers = match numbers {
            Ok(numbers) => numbers,
            Err(reason) => {
                plan.invalid.push(ImportProblem {
                    entry: entry.to_owned(),
                    reason,
                });
                continue;
            }
        };
        for number in numbers {
            if !number.as_str().starts_with("+31") {
                plan.foreign.push(number.to_string());
            } else if !seen.insert(number.clone()) {
                plan.repeated.push(number.to_string());
            } else if plan.numbers.len() >= MAX_IMPORT {
                plan.invalid.push(ImportProblem {
                    entry: number.to_string(),
                    reason: format!("one import takes at most {MAX_IMPORT} numbers"),
                });
                return plan;
            } else {
                plan.numbers.push(number);
            }
        }
    }
    plan
}

/// The numbers of a range entry (`FIRST-LAST`), or None when the entry is no range.
fn range(entry: &str) -> Option<std::result::Result<Vec<PhoneNumber>, String>> {
    let (first, last) = entry.split_once(['-', '–'])?;
    let (first, last) = (first.trim(), last.trim());
    if last.is_empty() {
        return None;
    }
    Some((|| {
        let start = PhoneNumber::parse(first)?;
        let digits = &start.as_str()[1..];
        let end_digits = last.trim_start_matches('+');
        let end_digits = if end_digits.len() < digits.len() {
            format!("{}{end_digits}", &digits[..digits.len() - end_digits.len()])
        } else {
            end_digits.to_owned()
        };
        let (Ok(from), Ok(to)) = (digits.parse::<u64>(), end_digits.parse::<u64>()) else {
            return Err(format!("'{entry}' is not a range of numbers"));
        };
        if end_digits.len() != digits.len() || to < from {
            return Err(format!("'{entry}' does not end after it starts"));
        }
        if to - from >= MAX_IMPORT as u64 {
            return Err(format!("'{entry}' has more than {MAX_IMPORT} numbers"));
        }
        (from..=to)
            .map(|n| PhoneNumber::parse(&format!("+{n}")))
            .collect()
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_takes_numbers_and_ranges_and_reports_the_rest() {
        let plan = parse_import(
            "+31852001000-003\n0852001002, +31852001010–+31852001011; +32 2 555 12 12\nhello\n020-1234567",
        );
        let numbers: Vec<&str> = plan.numbers.iter().map(PhoneNumber::as_str).collect();
        assert_eq!(
            numbers,
            [
                "+31852001000",
                "+31852001001",
                "+31852001002",
                "+31852001003",
                "+31852001010",
                "+31852001011",
                "+31201234567"
            ]
        );
        assert_eq!(plan.repeated, ["+31852001002"]);
        assert_eq!(plan.foreign, ["+3225551212"]);
        assert_eq!(plan.invalid.len(), 1);
        assert_eq!(plan.invalid[0].entry, "hello");
    }

    #[test]
    fn a_range_must_run_forwards_and_stay_bounded() {
        assert_eq!(parse_import("+31852001005-001").invalid.len(), 1);
        assert_eq!(parse_import("+31852000000-+31852099999").invalid.len(), 1);
        assert!(parse_import("+31852000000-+31852099999").numbers.is_empty());
    }

    #[test]
    fn a_released_number_rests_before_it_is_free() {
        let now = Utc::now();
        let mut number = ForwardingNumber {
            id: NumberId::new(),
            draft: NumberDraft {
                number: PhoneNumber::parse("+31852001000").unwrap(),
                label: None,
                client_id: None,
            },
            released_at: Some(now - chrono::Duration::days(10)),
        };
        let quarantine = chrono::Duration::days(90);
        assert_eq!(
            number.state(quarantine, now),
            NumberState::Quarantine {
                until: now + chrono::Duration::days(80)
            }
        );
        number.released_at = Some(now - chrono::Duration::days(91));
        assert_eq!(number.state(quarantine, now), NumberState::Free);
        number.draft.client_id = Some(ClientId::new());
        assert_eq!(number.state(quarantine, now), NumberState::Assigned);
    }
}
