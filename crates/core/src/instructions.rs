//! Instructions: what the operator does for a client, and which set is in force.
//!
//! A client has one standard set and any number of temporary sets, each with a period
//! in the client's own time zone. **The rule** ([`in_force`]): a temporary set whose
//! period contains the instant wins — start inclusive, end exclusive; among overlapping
//! temporary sets the one with the later start wins, then the one created later;
//! otherwise the standard set is in force.
//!
//! Periods are wall-clock times in the client's zone. A time that falls in a daylight-saving
//! gap (02:30 on the last Sunday of March in Amsterdam) means the first instant after the
//! gap; a time that occurs twice (02:30 on the last Sunday of October) means the first one.

use crate::client::optional_text;
use crate::{
    Actor, ClientId, EmailAddress, EmployeeId, Error, InstructionSetId, PhoneNumber, Result,
};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest free text accepted in a set.
pub const MAX_TEXT_LEN: usize = 20_000;

/// When a temporary set applies, as wall-clock times in the client's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First moment in force, e.g. `2026-07-20T00:00:00`.
    #[schema(value_type = String, example = "2026-07-20T00:00:00")]
    pub start: NaiveDateTime,
    /// First moment no longer in force.
    #[schema(value_type = String, example = "2026-08-10T00:00:00")]
    pub end: NaiveDateTime,
}

impl Period {
    /// The period as instants in `tz`.
    pub fn instants(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (instant_of(self.start, tz), instant_of(self.end, tz))
    }

    /// True when `at` lies in `[start, end)`.
    pub fn contains(&self, tz: Tz, at: DateTime<Utc>) -> bool {
        let (start, end) = self.instants(tz);
        start <= at && at < end
    }
}

/// The instant a wall-clock time in `tz` means (see the module's rule for gaps and folds).
pub fn instant_of(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let mut probe = local;
    loop {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            // In a gap: step forward to the first wall-clock time that exists.
            LocalResult::None => probe += chrono::Duration::minutes(1),
        }
    }
}

/// What a client wants done with notes while a set is in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeliveryOverride {
    /// Every note by SMS to this number.
    AllBySms { to: PhoneNumber },
    /// Notes for anyone go to this colleague instead.
    AllToEmployee { employee: EmployeeId },
    /// Every note also by e-mail to this address.
    AlsoEmail { to: EmailAddress },
}

/// One step of the emergency procedure, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EmergencyStep {
    /// Send an urgent SMS.
    Sms { to: PhoneNumber },
    /// Phone a colleague and put the caller through.
    Call { to: PhoneNumber, name: String },
    /// Leave a voicemail on this number.
    Voicemail { to: PhoneNumber },
}

/// The content of a set: free text for the operator plus structured parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionContent {
    /// Free text shown to the operator.
    #[serde(default)]
    pub text: String,
    /// Said instead of the client's greeting while in force.
    #[serde(default)]
    pub greeting_override: Option<String>,
    /// Employees callers may be put through to; empty means anyone reachable.
    #[serde(default)]
    pub put_through: Vec<EmployeeId>,
    #[serde(default)]
    pub delivery_overrides: Vec<DeliveryOverride>,
    #[serde(default)]
    pub emergency: Vec<EmergencyStep>,
}

/// A set as created or updated: its content and, for a temporary set, its period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionSetDraft {
    /// None for the standard set.
    #[serde(default)]
    pub period: Option<Period>,
    /// Short name, e.g. "Summer holiday".
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub content: InstructionContent,
}

impl InstructionSetDraft {
    /// Checks the period's order and the texts' lengths.
    pub fn validate(self) -> Result<Self> {
        if let Some(period) = &self.period
            && period.end <= period.start
        {
            return Err(Error::invalid(
                "period.end",
                "the period must end after it starts",
            ));
        }
        let mut content = self.content;
        content.text = optional_text("content.text", &content.text, MAX_TEXT_LEN)?;
        content.greeting_override = match content.greeting_override {
            Some(g) => {
                Some(optional_text("content.greeting_override", &g, 500)?).filter(|g| !g.is_empty())
            }
            None => None,
        };
        for (i, step) in content.emergency.iter_mut().enumerate() {
            if let EmergencyStep::Call { name, .. } = step {
                let field = format!("content.emergency[{i}].name");
                if name.trim().is_empty() {
                    return Err(Error::invalid(field, "name whom to call"));
                }
                // Shown to the operator and put into the call: one line, like any name.
                *name = crate::client::name_text(&field, name, 200)?;
            }
        }
        Ok(Self {
            title: optional_text("title", &self.title, 200)?,
            content,
            ..self
        })
    }
}

/// A set as stored; `version` counts its changes from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstructionSet {
    pub id: InstructionSetId,
    pub client_id: ClientId,
    #[serde(flatten)]
    pub draft: InstructionSetDraft,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub updated_by: Actor,
}

impl InstructionSet {
    /// True for the standard set.
    pub fn is_standard(&self) -> bool {
        self.draft.period.is_none()
    }

    /// What the operator says on answering: the set's greeting override, else the client's.
    pub fn greeting(&self, clients_greeting: &str) -> String {
        let greeting = self.draft.content.greeting_override.as_deref();
        greeting.unwrap_or(clients_greeting).to_owned()
    }
}

/// One kept version of a set: what it was after a change, who made it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstructionVersion {
    pub version: i64,
    /// None when this change deleted the set.
    pub set: Option<InstructionSet>,
    #[schema(value_type = String)]
    pub changed_by: Actor,
    pub changed_at: DateTime<Utc>,
}

/// The set in force at `at` among a client's live `sets`, by the module's rule.
pub fn in_force(sets: &[InstructionSet], tz: Tz, at: DateTime<Utc>) -> Option<&InstructionSet> {
    let temporary = sets
        .iter()
        .filter_map(|set| set.draft.period.map(|period| (set, period)))
        .filter(|(_, period)| period.contains(tz, at))
        .max_by_key(|(set, period)| (instant_of(period.start, tz), set.created_at, set.id))
        .map(|(set, _)| set);
    temporary.or_else(|| sets.iter().find(|set| set.is_standard()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::Europe::Amsterdam;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn set(
        title: &str,
        period: Option<(NaiveDateTime, NaiveDateTime)>,
        created: &str,
    ) -> InstructionSet {
        InstructionSet {
            id: InstructionSetId::new(),
            client_id: ClientId::new(),
            draft: InstructionSetDraft {
                period: period.map(|(start, end)| Period { start, end }),
                title: title.into(),
                content: InstructionContent::default(),
            },
            version: 1,
            created_at: utc(created),
            updated_at: utc(created),
            updated_by: Actor::system(),
        }
    }

    fn title_at(sets: &[InstructionSet], at: &str) -> String {
        in_force(sets, Amsterdam, utc(at))
            .unwrap()
            .draft
            .title
            .clone()
    }

    #[test]
    fn start_is_inclusive_and_end_exclusive() {
        // 20 July 09:00 CEST = 07:00 UTC; 21 July 17:00 CEST = 15:00 UTC.
        let sets = [
            set("standard", None, "2026-01-01T00:00:00Z"),
            set(
                "fair",
                Some((local(2026, 7, 20, 9, 0), local(2026, 7, 21, 17, 0))),
                "2026-06-01T00:00:00Z",
            ),
        ];
        assert_eq!(title_at(&sets, "2026-07-20T06:59:59Z"), "standard");
        assert_eq!(title_at(&sets, "2026-07-20T07:00:00Z"), "fair");
        assert_eq!(title_at(&sets, "2026-07-21T14:59:59Z"), "fair");
        assert_eq!(title_at(&sets, "2026-07-21T15:00:00Z"), "standard");
    }

    #[test]
    fn a_period_across_the_spring_dst_change_keeps_wall_clock_edges() {
        // Clocks go 02:00 CET → 03:00 CEST on 29 March 2026. Start in CET, end in CEST.
        let sets = [
            set("standard", None, "2026-01-01T00:00:00Z"),
            set(
                "weekend",
                Some((local(2026, 3, 28, 12, 0), local(2026, 3, 30, 12, 0))),
                "2026-02-01T00:00:00Z",
            ),
        ];
        assert_eq!(title_at(&sets, "2026-03-28T10:59:59Z"), "standard");
        assert_eq!(title_at(&sets, "2026-03-28T11:00:00Z"), "weekend"); // 12:00 CET
        assert_eq!(title_at(&sets, "2026-03-29T01:30:00Z"), "weekend"); // across the jump
        assert_eq!(title_at(&sets, "2026-03-30T09:59:59Z"), "weekend");
        assert_eq!(title_at(&sets, "2026-03-30T10:00:00Z"), "standard"); // 12:00 CEST
    }

    #[test]
    fn a_period_across_the_autumn_dst_change_keeps_wall_clock_edges() {
        // Clocks go 03:00 CEST → 02:00 CET on 25 October 2026.
        let sets = [
            set("standard", None, "2026-01-01T00:00:00Z"),
            set(
                "night",
                Some((local(2026, 10, 24, 22, 0), local(2026, 10, 25, 22, 0))),
                "2026-02-01T00:00:00Z",
            ),
        ];
        assert_eq!(title_at(&sets, "2026-10-24T19:59:59Z"), "standard");
        assert_eq!(title_at(&sets, "2026-10-24T20:00:00Z"), "night"); // 22:00 CEST
        assert_eq!(title_at(&sets, "2026-10-25T20:59:59Z"), "night");
        assert_eq!(title_at(&sets, "2026-10-25T21:00:00Z"), "standard"); // 22:00 CET
    }

    #[test]
    fn wall_clock_times_in_a_gap_or_fold_resolve_by_the_rule() {
        // 02:30 does not exist on 29 March 2026: the first instant after the gap, 03:00 CEST.
        assert_eq!(
            instant_of(local(2026, 3, 29, 2, 30), Amsterdam),
            utc("2026-03-29T01:00:00Z")
        );
        // 02:30 happens twice on 25 October 2026: the first one, in CEST.
        assert_eq!(
            instant_of(local(2026, 10, 25, 2, 30), Amsterdam),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn among_overlapping_sets_the_later_start_wins_then_the_later_created() {
        let sets = [
            set("standard", None, "2026-01-01T00:00:00Z"),
            set(
                "holiday",
                Some((local(2026, 8, 1, 0, 0), local(2026, 8, 31, 0, 0))),
                "2026-06-01T00:00:00Z",
            ),
            set(
                "fair",
                Some((local(2026, 8, 10, 0, 0), local(2026, 8, 12, 0, 0))),
                "2026-05-01T00:00:00Z",
            ),
            set(
                "fair-fix",
                Some((local(2026, 8, 10, 0, 0), local(2026, 8, 11, 0, 0))),
                "2026-07-01T00:00:00Z",
            ),
        ];
        assert_eq!(title_at(&sets, "2026-08-05T12:00:00Z"), "holiday");
        assert_eq!(title_at(&sets, "2026-08-10T12:00:00Z"), "fair-fix");
        assert_eq!(title_at(&sets, "2026-08-11T12:00:00Z"), "fair");
        assert_eq!(title_at(&sets, "2026-08-20T12:00:00Z"), "holiday");
        assert_eq!(title_at(&sets, "2026-09-01T12:00:00Z"), "standard");
    }

    #[test]
    fn no_sets_means_nothing_in_force() {
        assert!(in_force(&[], Amsterdam, Utc::now()).is_none());
    }

    #[test]
    fn an_inverted_or_empty_period_is_refused() {
        let draft = |start, end| InstructionSetDraft {
            period: Some(Period { start, end }),
            title: String::new(),
            content: InstructionContent::default(),
        };
        let inverted = draft(local(2026, 8, 2, 0, 0), local(2026, 8, 1, 0, 0)).validate();
        assert!(matches!(inverted, Err(Error::Invalid { field, .. }) if field == "period.end"));
        assert!(
            draft(local(2026, 8, 1, 0, 0), local(2026, 8, 1, 0, 0))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn emergency_names_are_one_line_of_reasonable_length() {
        let draft = |name: &str| InstructionSetDraft {
            period: None,
            title: String::new(),
            content: InstructionContent {
                emergency: vec![EmergencyStep::Call {
                    to: PhoneNumber::parse("+31612345003").unwrap(),
                    name: name.into(),
                }],
                ..InstructionContent::default()
            },
        };
        let kept = draft("  Sara Koster ").validate().unwrap();
        assert_eq!(
            kept.content.emergency,
            [EmergencyStep::Call {
                to: PhoneNumber::parse("+31612345003").unwrap(),
                name: "Sara Koster".into()
            }]
        );
        for bad in ["", "Sara\r\nKoster", &"x".repeat(201)] {
            let refused = draft(bad).validate();
            assert!(
                matches!(&refused, Err(Error::Invalid { field, .. }) if field == "content.emergency[0].name"),
                "{bad:?}: {refused:?}"
            );
        }
    }
}
