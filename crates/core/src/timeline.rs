//! What is in force when: a client's instruction sets laid out over a stretch of time, by the
//! same rule as a call's ([`in_force`]), and the temporary sets a new period would overlap.

use crate::instructions::{Period, in_force};
use crate::{InstructionSet, InstructionSetId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A stretch of time in which one set is in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub set: InstructionSetId,
}

/// The sets in force from `from` until `until`, as consecutive spans (a set in force twice,
/// around another, makes two spans). Without any set in force, nothing.
pub fn timeline(
    sets: &[InstructionSet],
    tz: Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<Span> {
    // The set in force changes only where a period starts or ends.
    let mut edges: Vec<DateTime<Utc>> = sets
        .iter()
        .filter_map(|set| set.draft.period)
        .flat_map(|period| {
            let (start, end) = period.instants(tz);
            [start, end]
        })
        .filter(|at| from < *at && *at < until)
        .collect();
    edges.push(from);
    edges.push(until);
    edges.sort_unstable();
    edges.dedup();
    let mut spans: Vec<Span> = Vec::new();
    for pair in edges.windows(2) {
        let Some(set) = in_force(sets, tz, pair[0]) else {
            continue;
        };
        match spans.last_mut() {
            Some(last) if last.set == set.id && last.until == pair[0] => last.until = pair[1],
            _ => spans.push(Span {
                from: pair[0],
                until: pair[1],
                set: set.id,
            }),
        }
    }
    spans
}

/// The temporary sets (other than `except`) whose period overlaps `period`.
pub fn overlapping<'a>(
    sets: &'a [InstructionSet],
    tz: Tz,
    period: &Period,
    except: Option<InstructionSetId>,
) -> Vec<&'a InstructionSet> {
    let (start, end) = period.instants(tz);
    sets.iter()
        .filter(|set| Some(set.id) != except)
        .filter(|set| {
            set.draft.period.is_some_and(|other| {
                let (other_start, other_end) = other.instants(tz);
                other_start < end && start < other_end
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::instant_of;
    use crate::{Actor, ClientId, InstructionContent, InstructionSetDraft};
    use chrono::NaiveDateTime;

    const TZ: Tz = chrono_tz::Europe::Amsterdam;

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn set(title: &str, period: Option<(&str, &str)>, created_minute: i64) -> InstructionSet {
        let created =
            instant_of(wall("2026-01-01T00:00"), TZ) + chrono::Duration::minutes(created_minute);
        InstructionSet {
            id: InstructionSetId::new(),
            client_id: ClientId::new(),
            draft: InstructionSetDraft {
                period: period.map(|(start, end)| Period {
                    start: wall(start),
                    end: wall(end),
                }),
                title: title.into(),
                content: InstructionContent::default(),
            },
            version: 1,
            created_at: created,
            updated_at: created,
            updated_by: Actor::system(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        instant_of(wall(text), TZ)
    }

    #[test]
    fn spans_follow_the_rule_of_a_call() {
        let standard = set("", None, 0);
        let holiday = set("Holiday", Some(("2026-07-20T00:00", "2026-08-10T00:00")), 1);
        // A fair inside the holiday starts later: it wins while it lasts.
        let fair = set("Fair", Some(("2026-07-27T09:00", "2026-07-29T17:00")), 2);
        let sets = [standard.clone(), holiday.clone(), fair.clone()];
        let spans = timeline(&sets, TZ, at("2026-07-13T00:00"), at("2026-08-17T00:00"));
        let laid_out: Vec<(DateTime<Utc>, InstructionSetId)> =
            spans.iter().map(|s| (s.from, s.set)).collect();
        assert_eq!(
            laid_out,
            [
                (at("2026-07-13T00:00"), standard.id),
                (at("2026-07-20T00:00"), holiday.id),
                (at("2026-07-27T09:00"), fair.id),
                (at("2026-07-29T17:00"), holiday.id),
                (at("2026-08-10T00:00"), standard.id),
            ]
        );
        assert_eq!(spans.last().unwrap().until, at("2026-08-17T00:00"));
        // Consecutive spans meet.
        assert!(spans.windows(2).all(|w| w[0].until == w[1].from));
    }

    #[test]
    fn a_stretch_with_only_the_standard_set_is_one_span() {
        let standard = set("", None, 0);
        let spans = timeline(
            std::slice::from_ref(&standard),
            TZ,
            at("2026-03-28T00:00"),
            at("2026-04-04T00:00"),
        );
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].set, standard.id);
        // Across the DST change: the span is a wall-clock week long, 167 hours.
        assert_eq!((spans[0].until - spans[0].from).num_hours(), 167);
    }

    #[test]
    fn overlaps_are_found_except_with_the_set_itself() {
        let holiday = set("Holiday", Some(("2026-07-20T00:00", "2026-08-10T00:00")), 1);
        let sets = [set("", None, 0), holiday.clone()];
        let inside = Period {
            start: wall("2026-07-27T09:00"),
            end: wall("2026-07-29T17:00"),
        };
        assert_eq!(overlapping(&sets, TZ, &inside, None), vec![&holiday]);
        assert!(overlapping(&sets, TZ, &inside, Some(holiday.id)).is_empty());
        // End exclusive: a period starting as the holiday ends does not overlap.
        let after = Period {
            start: wall("2026-08-10T00:00"),
            end: wall("2026-08-12T00:00"),
        };
        assert!(overlapping(&sets, TZ, &after, None).is_empty());
    }
}
