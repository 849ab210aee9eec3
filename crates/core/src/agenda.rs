//! Employees' agendas: when each is busy, read from an iCalendar file (RFC 5545) the client
//! shares (a URL the server fetches on a schedule, or an uploaded file), so the operator's pop
//! can say "Henk: afspraak tot 14:00". Only when, never what: an event's summary is not kept.
//!
//! Read: `VEVENT`s with `DTSTART` and `DTEND` or `DURATION`, as UTC (`…Z`), in a named zone
//! (`TZID=Europe/Amsterdam`; an unknown zone name is read in the client's zone), floating
//! (the client's zone), or all-day (`VALUE=DATE`). Skipped: cancelled and transparent
//! (free) events. Not expanded: recurrence rules (`RRULE`) — a recurring event counts at its
//! first occurrence only.

use crate::EmployeeId;
use crate::instructions::instant_of;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::io::BufReader;

/// Largest agenda file read.
pub const MAX_ICS_BYTES: usize = 1024 * 1024;
/// How far ahead busy times are kept.
pub const HORIZON_DAYS: i64 = 14;
/// Events read from one file at most (the rest are ignored).
const MAX_EVENTS: usize = 5_000;

/// A time an employee is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// An employee busy now, as the pop shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BusyNow {
    pub employee_id: EmployeeId,
    pub until: DateTime<Utc>,
    /// The end in the client's zone: "14:00", or "04-12 09:00" on another day.
    pub until_local: String,
}

/// The busy times in `ics` that end after `from` and start before `until`, sorted and
/// merged where they overlap or touch.
pub fn busy_periods(
    ics: &str,
    zone: Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Busy>, String> {
    if ics.len() > MAX_ICS_BYTES {
        return Err(format!(
            "the agenda is larger than {} KiB",
            MAX_ICS_BYTES / 1024
        ));
    }
    let mut periods = Vec::new();
    let mut calendars = 0;
    for calendar in ical::IcalParser::new(BufReader::new(ics.as_bytes())) {
        let calendar = calendar.map_err(|e| format!("not an iCalendar file: {e}"))?;
        calendars += 1;
        for event in calendar.events.iter().take(MAX_EVENTS) {
            if let Some(busy) = event_busy(&event.properties, zone)
                && busy.until > from
                && busy.from < until
            {
                periods.push(busy);
            }
        }
    }
    if calendars == 0 {
        return Err("not an iCalendar file: no VCALENDAR".into());
    }
    Ok(merged(periods))
}

fn merged(mut periods: Vec<Busy>) -> Vec<Busy> {
    periods.sort_by_key(|p| p.from);
    let mut out: Vec<Busy> = Vec::with_capacity(periods.len());
    for period in periods {
        match out.last_mut() {
            Some(last) if period.from <= last.until => last.until = last.until.max(period.until),
            _ => out.push(period),
        }
    }
    out
}

fn property<'a>(
    properties: &'a [ical::property::Property],
    name: &str,
) -> Option<&'a ical::property::Property> {
    properties
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

fn param<'a>(property: &'a ical::property::Property, name: &str) -> Option<&'a str> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

fn event_busy(properties: &[ical::property::Property], zone: Tz) -> Option<Busy> {
    let value = |name: &str| {
        property(properties, name)
            .and_then(|p| p.value.as_deref())
            .map(str::trim)
    };
    if value("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
        || value("TRANSP").is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT"))
    {
        return None;
    }
    let start = property(properties, "DTSTART")?;
    let (from, all_day) = instant(start, zone)?;
    let until = match property(properties, "DTEND") {
        Some(end) => instant(end, zone)?.0,
        None => match value("DURATION") {
            Some(duration) => from.checked_add_signed(parse_duration(duration)?)?,
            None if all_day => from.checked_add_signed(Duration::days(1))?,
            None => from,
        },
    };
    (until > from).then_some(Busy { from, until })
}

/// A DTSTART/DTEND as an instant, and whether it is a whole day.
fn instant(property: &ical::property::Property, zone: Tz) -> Option<(DateTime<Utc>, bool)> {
    let text = property.value.as_deref()?.trim();
    if param(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")) || text.len() == 8 {
        let day = NaiveDate::parse_from_str(text, "%Y%m%d").ok()?;
        return Some((instant_of(day.and_time(chrono::NaiveTime::MIN), zone), true));
    }
    if let Some(utc) = text.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some((at.and_utc(), false));
    }
    let at = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").ok()?;
    let tz = param(property, "TZID")
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(zone);
    Some((instant_of(at, tz), false))
}

/// An RFC 5545 duration such as `PT1H30M`, `P1D` or `P2W` (no months or years).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let mut rest = text.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut in_time = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('T') {
            in_time = true;
            rest = after;
            continue;
        }
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let number: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        // A stranger's file: every step is checked, an absurd length is no duration.
        let part = match (unit, in_time) {
            ('W', false) => Duration::try_weeks(number),
            ('D', false) => Duration::try_days(number),
            ('H', true) => Duration::try_hours(number),
            ('M', true) => Duration::try_minutes(number),
            ('S', true) => Duration::try_seconds(number),
            _ => None,
        }?;
        total = total.checked_add(&part)?;
        rest = &rest[digits + 1..];
    }
    Some(total)
}

/// Until when an employee with these busy times is busy at `at` (None when free).
pub fn busy_until(periods: &[Busy], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    periods
        .iter()
        .find(|p| p.from <= at && at < p.until)
        .map(|p| p.until)
}

/// How the pop says until when: the time, with the day when it is not today.
pub fn until_local(until: DateTime<Utc>, at: DateTime<Utc>, zone: Tz) -> String {
    let (end, now) = (until.with_timezone(&zone), at.with_timezone(&zone));
    if end.date_naive() == now.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        end.format("%d-%m %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Europe::Amsterdam;

    fn at(text: &str) -> DateTime<Utc> {
        instant_of(
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap(),
            TZ,
        )
    }

    fn calendar(events: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
    }

    fn event(lines: &str) -> String {
        format!(
            "BEGIN:VEVENT\r\nUID:{}\r\n{lines}END:VEVENT\r\n",
            lines.len()
        )
    }

    #[test]
    fn events_are_read_in_their_zone_utc_floating_and_all_day() {
        let ics = calendar(&[
            event("DTSTART;TZID=Europe/Amsterdam:20261203T130000\r\nDTEND;TZID=Europe/Amsterdam:20261203T140000\r\nSUMMARY:Klant\r\n"),
            event("DTSTART:20261203T150000Z\r\nDURATION:PT30M\r\n"),
            event("DTSTART:20261204T090000\r\nDTEND:20261204T093000\r\n"),
            event("DTSTART;VALUE=DATE:20261207\r\n"),
        ].concat());
        let busy = busy_periods(&ics, TZ, at("2026-12-01T00:00"), at("2026-12-15T00:00")).unwrap();
        assert_eq!(
            busy,
            [
                Busy {
                    from: at("2026-12-03T13:00"),
                    until: at("2026-12-03T14:00")
                },
                Busy {
                    from: at("2026-12-03T16:00"),
                    until: at("2026-12-03T16:30")
                },
                Busy {
                    from: at("2026-12-04T09:00"),
                    until: at("2026-12-04T09:30")
                },
                Busy {
                    from: at("2026-12-07T00:00"),
                    until: at("2026-12-08T00:00")
                },
            ]
        );
        assert_eq!(
            busy_until(&busy, at("2026-12-03T13:30")),
            Some(at("2026-12-03T14:00"))
        );
        assert_eq!(busy_until(&busy, at("2026-12-03T14:00")), None);
        assert_eq!(
            until_local(at("2026-12-03T14:00"), at("2026-12-03T13:30"), TZ),
            "14:00"
        );
        assert_eq!(
            until_local(at("2026-12-08T00:00"), at("2026-12-07T10:00"), TZ),
            "08-12 00:00"
        );
    }

    #[test]
    fn free_cancelled_past_and_overlapping_events() {
        let ics = calendar(
            &[
                event(
                    "DTSTART:20261203T120000Z\r\nDTEND:20261203T130000Z\r\nTRANSP:TRANSPARENT\r\n",
                ),
                event("DTSTART:20261203T120000Z\r\nDTEND:20261203T130000Z\r\nSTATUS:CANCELLED\r\n"),
                event("DTSTART:20251203T120000Z\r\nDTEND:20251203T130000Z\r\n"),
                event("DTSTART:20261205T100000Z\r\nDTEND:20261205T110000Z\r\n"),
                event("DTSTART:20261205T103000Z\r\nDTEND:20261205T120000Z\r\n"),
                event("DTSTART:20261205T120000Z\r\nDTEND:20261205T123000Z\r\n"),
                event("DTSTART:garbage\r\nDTEND:20261205T123000Z\r\n"),
            ]
            .concat(),
        );
        let busy = busy_periods(&ics, TZ, at("2026-12-01T00:00"), at("2026-12-15T00:00")).unwrap();
        let utc = |t: &str| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                .unwrap()
                .and_utc()
        };
        assert_eq!(
            busy,
            [Busy {
                from: utc("2026-12-05T10:00"),
                until: utc("2026-12-05T12:30")
            }]
        );
    }

    #[test]
    fn bad_files_are_an_error_not_a_crash() {
        let window = (at("2026-12-01T00:00"), at("2026-12-15T00:00"));
        assert!(busy_periods("hello", TZ, window.0, window.1).is_err());
        assert!(busy_periods("", TZ, window.0, window.1).is_err());
        assert!(
            busy_periods(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
                TZ,
                window.0,
                window.1
            )
            .is_err()
        );
        let huge = "X".repeat(MAX_ICS_BYTES + 1);
        assert!(
            busy_periods(&huge, TZ, window.0, window.1)
                .unwrap_err()
                .contains("larger")
        );
    }

    #[test]
    fn durations_read_weeks_days_and_times() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_duration("PT15S"), Some(Duration::seconds(15)));
        assert_eq!(parse_duration("P1M"), None);
        assert_eq!(parse_duration("1H"), None);
        assert_eq!(parse_duration("PT"), Some(Duration::zero()));
        assert_eq!(parse_duration("P99999999999999W"), None);
        assert_eq!(parse_duration("P9223372036854775807D"), None);
    }

    #[test]
    fn absurd_times_and_lengths_are_skipped_not_a_crash() {
        let ics = calendar(
            &[
                event("DTSTART:99991231T000000Z\r\nDURATION:P100000000D\r\n"),
                event("DTSTART:20261203T120000Z\r\nDURATION:P99999999999999W\r\n"),
                event("DTSTART;VALUE=DATE:99991231\r\n"),
                event("DTSTART:20261203T120000Z\r\nDURATION:PT1H\r\n"),
            ]
            .concat(),
        );
        let busy = busy_periods(&ics, TZ, at("2026-12-01T00:00"), at("2026-12-15T00:00")).unwrap();
        assert_eq!(busy.len(), 1);
    }
}
