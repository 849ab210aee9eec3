//! iCalendar (RFC 5545) feeds, written by hand: a VCALENDAR of VEVENTs with UTC times, text
//! escaped (§3.3.11) and lines folded at 75 octets (§3.1), CRLF line ends. Used for the
//! callbacks agreed on notes, which employees subscribe to in their own agenda.

use chrono::{DateTime, Utc};

/// One entry of a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable across fetches, so an agenda updates the entry instead of adding one.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// When the entry was last changed.
    pub stamp: DateTime<Utc>,
    pub summary: String,
    pub description: String,
}

/// The feed `name` with `events`, as `text/calendar`.
pub fn feed(name: &str, events: &[CalendarEvent]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Centrale//Callbacks//NL".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("X-WR-CALNAME:{}", text(name)),
    ];
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", text(&event.uid)),
            format!("DTSTAMP:{}", instant(event.stamp)),
            format!("DTSTART:{}", instant(event.start)),
            format!("DTEND:{}", instant(event.end)),
            format!("SUMMARY:{}", text(&event.summary)),
            format!("DESCRIPTION:{}", text(&event.description)),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|line| fold(line)).collect()
}

/// A UTC DATE-TIME: `20261203T130000Z`.
fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, semicolon, comma and newlines escaped; other control characters
/// (which a property may not hold) left out.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded into lines of at most 75 octets (never inside a character),
/// each continuation starting with a space; CRLF after each.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_feed_has_its_events_with_utc_times_and_escaped_text() {
        let event = CalendarEvent {
            uid: "note-1@centrale".into(),
            start: at("2026-12-03T13:00:00Z"),
            end: at("2026-12-03T14:00:00Z"),
            stamp: at("2026-12-03T09:00:00Z"),
            summary: "Terugbellen: Jan, Jansen; Bouw".into(),
            description: "Lekkage\\kelder\nbel 06\u{7}".into(),
        };
        let ics = feed("Bakkerij", &[event]);
        assert!(
            ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{ics}"
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261203T130000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20261203T140000Z\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Terugbellen: Jan\\, Jansen\\; Bouw\r\n"));
        assert!(ics.contains("\r\nDESCRIPTION:Lekkage\\\\kelder\\nbel 06\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&long);
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = folded.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }
}
