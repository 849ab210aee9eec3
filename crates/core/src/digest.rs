//! The daily digest: once a day, at a time the client chooses in its own zone, the day's
//! call notes as one list to the client's general addresses.
//!
//! Pure parts only: [`DigestSettings`] (what the client chose), [`digest_due`] (which day's
//! digest, if any, is due now), [`digest_window`] (the notes a day's digest lists) and
//! [`render`] (its subject, text and escaped HTML, nl/en). The store keeps one decided row per
//! client and day (the key is what makes "once a day" hold across restarts and workers); the
//! delivery worker asks [`digest_due`] each tick.
//!
//! The digest of day D lists the notes made from the send time of D−1 up to the send time of
//! D, both read in the client's zone: nothing falls between two digests whatever the send
//! time. A send time inside a DST gap means the first instant after the gap; inside a fold,
//! the first of the two.

use crate::notes::CallNote;
use crate::{ClientId, EmailAddress, Language, PhoneNumber, TimeZone};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Timelike as _, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A wall-clock time of day, minutes precise, written `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "18:00")]
pub struct SendTime(NaiveTime);

impl SendTime {
    /// Parses `HH:MM` (00:00 to 23:59).
    pub fn parse(input: &str) -> Result<Self, String> {
        let input = input.trim();
        let bad = || format!("'{input}' is not a time of day as HH:MM");
        if input.len() != 5 || input.as_bytes()[2] != b':' {
            return Err(bad());
        }
        NaiveTime::parse_from_str(input, "%H:%M")
            .map(Self)
            .map_err(|_| bad())
    }

    /// From hours and minutes; `None` when out of range.
    pub fn hm(hour: u32, minute: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(Self)
    }

    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl Default for SendTime {
    fn default() -> Self {
        Self(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default())
    }
}

impl TryFrom<String> for SendTime {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SendTime> for String {
    fn from(value: SendTime) -> Self {
        value.to_string()
    }
}

impl fmt::Display for SendTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

/// What a client chose for its daily digest. Without a choice it gets none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    /// Whether the client gets a daily digest at all.
    #[serde(default)]
    pub enabled: bool,
    /// When, in the client's zone (`HH:MM`).
    #[serde(default)]
    pub send_at: SendTime,
    /// Also send it for a day without calls (saying so).
    #[serde(default)]
    pub include_empty: bool,
}

/// A client whose digest is enabled, as the worker's schedule sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestSchedule {
    pub client_id: ClientId,
    pub settings: DigestSettings,
    pub time_zone: TimeZone,
    /// The last day whose digest was decided (sent, queued, failed or empty).
    pub last_day: Option<NaiveDate>,
}

/// A claimed digest with what composing and sending it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestItem {
    pub client_id: ClientId,
    pub day: NaiveDate,
    pub client_name: String,
    pub language: Language,
    pub time_zone: TimeZone,
    /// The client's general addresses, where the digest goes.
    pub emails: Vec<EmailAddress>,
    /// The notes made in the digest's window (their deliveries left out).
    pub notes: Vec<CallNote>,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// When the digest was decided; a digest still failing long after is given up.
    pub created_at: DateTime<Utc>,
}

/// The Message-ID of a digest: the same on every attempt.
pub fn message_id(client: ClientId, day: NaiveDate) -> String {
    format!("<digest-{client}-{day}@centrale>")
}

/// The instant a day's digest is due: `send_at` on `day` in `zone`; in a DST gap the first
/// instant after it, in a fold the earlier one.
pub fn send_instant(day: NaiveDate, send_at: SendTime, zone: TimeZone) -> DateTime<Utc> {
    let tz = zone.tz();
    let mut local = day.and_time(send_at.time());
    // A gap is at most a few hours; step through it by the minute.
    for _ in 0..(24 * 60) {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        local += Duration::minutes(1);
    }
    // Unreachable for real zones; read the wall clock as UTC rather than never send.
    day.and_time(send_at.time()).and_utc()
}

/// Which day's digest is due at `now`, given the last day one was decided for (sent, or
/// found empty): today's once its send time has passed, else yesterday's when that was
/// missed (the worker was down at the time). Never a day at or before `last_day`, never an
/// older one (a longer outage loses those digests, not the notes, which were e-mailed anyway).
pub fn digest_due(
    settings: &DigestSettings,
    zone: TimeZone,
    now: DateTime<Utc>,
    last_day: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if !settings.enabled {
        return None;
    }
    let today = now.with_timezone(&zone.tz()).date_naive();
    [Some(today), today.pred_opt()]
        .into_iter()
        .flatten()
        .find(|day| send_instant(*day, settings.send_at, zone) <= now)
        .filter(|day| last_day.is_none_or(|last| *day > last))
}

/// The notes the digest of `day` lists: made in `[start, end)`.
pub fn digest_window(
    day: NaiveDate,
    send_at: SendTime,
    zone: TimeZone,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = send_instant(day, send_at, zone);
    let start = day.pred_opt().map_or(end - Duration::days(1), |prev| {
        send_instant(prev, send_at, zone)
    });
    (start, end)
}

/// A digest e-mail's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

struct Words {
    subject: &'static str,
    heading: &'static str,
    none: &'static str,
    calls: &'static str,
    urgent: &'static str,
    unknown: &'static str,
    date: &'static str,
}

const NL: Words = Words {
    subject: "Gesprekken van",
    heading: "Gesprekken voor",
    none: "Er waren geen gesprekken.",
    calls: "gesprekken",
    urgent: "SPOED",
    unknown: "onbekende beller",
    date: "%d-%m-%Y",
};

const EN: Words = Words {
    subject: "Calls of",
    heading: "Calls for",
    none: "There were no calls.",
    calls: "calls",
    urgent: "URGENT",
    unknown: "unknown caller",
    date: "%d-%m-%Y",
};

/// Text safe inside HTML elements and attributes.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// "Jan Jansen (Jansen Bouw) +316…", whatever of it the note has.
fn caller(note: &CallNote, w: &Words) -> String {
    let d = &note.draft;
    let mut who = if d.caller_name.is_empty() {
        String::new()
    } else {
        d.caller_name.clone()
    };
    if !d.caller_company.is_empty() {
        if !who.is_empty() {
            who.push(' ');
        }
        who.push_str(&format!("({})", d.caller_company));
    }
    if let Some(phone) = &d.caller_phone {
        if !who.is_empty() {
            who.push(' ');
        }
        who.push_str(PhoneNumber::as_str(phone));
    }
    if who.is_empty() {
        w.unknown.to_owned()
    } else {
        who
    }
}

/// The digest of `day` for a client: its notes oldest first, each with the local time,
/// urgency, caller and message. Every field is escaped in the HTML part.
pub fn render(
    language: Language,
    client_name: &str,
    zone: TimeZone,
    day: NaiveDate,
    notes: &[CallNote],
) -> DigestContent {
    let w = match language {
        Language::Nl => &NL,
        Language::En => &EN,
    };
    let date = day.format(w.date).to_string();
    let subject = format!(
        "{} {date}: {client_name} ({} {})",
        w.subject,
        notes.len(),
        w.calls
    );
    let mut sorted: Vec<&CallNote> = notes.iter().collect();
    sorted.sort_by_key(|n| (n.created_at, n.id.to_string()));

    let mut text = format!("{} {client_name}, {date}\n\n", w.heading);
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n\
         <h1 style=\"font-size:1.2em\">{} {}, {}</h1>\n",
        escape_html(&subject),
        escape_html(w.heading),
        escape_html(client_name),
        escape_html(&date)
    );
    if sorted.is_empty() {
        text.push_str(w.none);
        text.push('\n');
        html.push_str(&format!("<p>{}</p>\n", escape_html(w.none)));
    } else {
        html.push_str("<ol>\n");
        for note in sorted {
            let time = note
                .created_at
                .with_timezone(&zone.tz())
                .format("%H:%M")
                .to_string();
            let urgent = if note.draft.urgent {
                format!("{} ", w.urgent)
            } else {
                String::new()
            };
            let who = caller(note, w);
            text.push_str(&format!("{time} {urgent}{who}\n"));
            if !note.draft.message.is_empty() {
                text.push_str(&format!(
                    "    {}\n",
                    note.draft.message.replace('\n', "\n    ")
                ));
            }
            html.push_str(&format!(
                "<li><strong>{} {}{}</strong>",
                escape_html(&time),
                escape_html(&urgent),
                escape_html(&who)
            ));
            if !note.draft.message.is_empty() {
                html.push_str(&format!(
                    "<p style=\"white-space:pre-wrap;margin:0 0 .5em\">{}</p>",
                    escape_html(&note.draft.message)
                ));
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</body></html>\n");
    DigestContent {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::NoteDraft;
    use crate::{Actor, ClientId, NoteId};

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(time: &str, include_empty: bool) -> DigestSettings {
        DigestSettings {
            enabled: true,
            send_at: SendTime::parse(time).unwrap(),
            include_empty,
        }
    }

    #[test]
    fn send_time_is_hh_mm() {
        assert_eq!(SendTime::parse("07:05").unwrap().to_string(), "07:05");
        assert_eq!(SendTime::parse(" 23:59 ").unwrap().to_string(), "23:59");
        for bad in ["24:00", "7:05", "07:5", "07:05:00", "", "ab:cd", "12:60"] {
            assert!(SendTime::parse(bad).is_err(), "{bad}");
        }
        let s: DigestSettings =
            serde_json::from_str(r#"{"enabled":true,"send_at":"18:30"}"#).unwrap();
        assert_eq!(s.send_at, SendTime::hm(18, 30).unwrap());
        assert!(!s.include_empty);
        assert!(serde_json::from_str::<DigestSettings>(r#"{"send_at":"18:3"}"#).is_err());
    }

    #[test]
    fn due_once_the_local_send_time_passed_and_once_per_day() {
        let s = at("18:00", false);
        let ams = zone("Europe/Amsterdam");
        // 18:00 CEST is 16:00 UTC.
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-01T15:59:59Z"),
                Some(day("2026-06-30"))
            ),
            None
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-01T16:00:00Z"),
                Some(day("2026-06-30"))
            ),
            Some(day("2026-07-01"))
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-01T21:00:00Z"),
                Some(day("2026-07-01"))
            ),
            None
        );
        // Never decided: today's is due at once after its time.
        assert_eq!(
            digest_due(&s, ams, utc("2026-07-01T17:00:00Z"), None),
            Some(day("2026-07-01"))
        );
        // Disabled: never.
        let off = DigestSettings {
            enabled: false,
            ..s
        };
        assert_eq!(
            digest_due(&off, ams, utc("2026-07-01T17:00:00Z"), None),
            None
        );
    }

    #[test]
    fn a_missed_digest_is_sent_the_next_morning_but_not_older_ones() {
        let s = at("18:00", false);
        let ams = zone("Europe/Amsterdam");
        // Down from before 18:00 on 1 July until 08:00 on 2 July.
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-02T06:00:00Z"),
                Some(day("2026-06-30"))
            ),
            Some(day("2026-07-01"))
        );
        // Down for days: only the latest due day.
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-05T06:00:00Z"),
                Some(day("2026-06-30"))
            ),
            Some(day("2026-07-04"))
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-07-05T17:00:00Z"),
                Some(day("2026-07-04"))
            ),
            Some(day("2026-07-05"))
        );
    }

    #[test]
    fn the_day_is_the_clients_own_across_midnight_utc() {
        // 23:30 in New York (EDT, UTC−4) is 03:30 UTC the next day.
        let s = at("23:30", false);
        let ny = zone("America/New_York");
        assert_eq!(
            send_instant(day("2026-07-01"), s.send_at, ny),
            utc("2026-07-02T03:30:00Z")
        );
        assert_eq!(
            digest_due(&s, ny, utc("2026-07-02T03:29:00Z"), Some(day("2026-06-30"))),
            None
        );
        assert_eq!(
            digest_due(&s, ny, utc("2026-07-02T03:30:00Z"), Some(day("2026-06-30"))),
            Some(day("2026-07-01"))
        );
        // 00:15 in Auckland (NZST, UTC+12) is 12:15 UTC the day before.
        let early = at("00:15", false);
        let akl = zone("Pacific/Auckland");
        assert_eq!(
            digest_due(
                &early,
                akl,
                utc("2026-07-01T12:15:00Z"),
                Some(day("2026-07-01"))
            ),
            Some(day("2026-07-02"))
        );
        assert_eq!(
            digest_due(
                &early,
                akl,
                utc("2026-07-01T12:14:00Z"),
                Some(day("2026-07-01"))
            ),
            None
        );
    }

    #[test]
    fn dst_gap_sends_after_the_gap_and_fold_sends_once() {
        let ams = zone("Europe/Amsterdam");
        let s = at("02:30", false);
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist → 03:00 CEST.
        assert_eq!(
            send_instant(day("2026-03-29"), s.send_at, ams),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-03-29T00:59:00Z"),
                Some(day("2026-03-28"))
            ),
            None
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-03-29T01:00:00Z"),
                Some(day("2026-03-28"))
            ),
            Some(day("2026-03-29"))
        );
        // 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice → the first.
        assert_eq!(
            send_instant(day("2026-10-25"), s.send_at, ams),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-10-25T00:30:00Z"),
                Some(day("2026-10-24"))
            ),
            Some(day("2026-10-25"))
        );
        // The second 02:30 (01:30 UTC): already decided, nothing due.
        assert_eq!(
            digest_due(
                &s,
                ams,
                utc("2026-10-25T01:30:00Z"),
                Some(day("2026-10-25"))
            ),
            None
        );
        // The windows around the change are 23 and 25 hours: nothing falls between.
        let (start, end) = digest_window(day("2026-03-29"), SendTime::hm(18, 0).unwrap(), ams);
        assert_eq!(end - start, Duration::hours(23));
        let (start, end) = digest_window(day("2026-10-25"), SendTime::hm(18, 0).unwrap(), ams);
        assert_eq!(end - start, Duration::hours(25));
        let (_, prev_end) = digest_window(day("2026-10-24"), SendTime::hm(18, 0).unwrap(), ams);
        assert_eq!(prev_end, start);
    }

    fn note(at: &str, name: &str, message: &str, urgent: bool) -> CallNote {
        CallNote {
            id: NoteId::new(),
            client_id: ClientId::new(),
            call_id: None,
            draft: NoteDraft {
                caller_name: name.into(),
                caller_company: "Bouw & Zn".into(),
                message: message.into(),
                urgent,
                ..NoteDraft::default()
            },
            created_by: Actor::system(),
            created_at: utc(at),
            updated_at: utc(at),
            deliveries: vec![],
        }
    }

    #[test]
    fn renders_the_days_notes_in_order_escaped_and_localised() {
        let ams = zone("Europe/Amsterdam");
        let notes = [
            note("2026-07-01T12:05:00Z", "Zoë <b>", "Bel terug", true),
            note("2026-07-01T08:00:00Z", "Jan", "Offerte € 1.250", false),
        ];
        let d = render(
            Language::Nl,
            "Bakkerij \"De Molen\"",
            ams,
            day("2026-07-01"),
            &notes,
        );
        assert_eq!(
            d.subject,
            "Gesprekken van 01-07-2026: Bakkerij \"De Molen\" (2 gesprekken)"
        );
        let jan = d.text.find("10:00 Jan (Bouw & Zn)").expect(&d.text);
        let zoe = d
            .text
            .find("14:05 SPOED Zoë <b> (Bouw & Zn)")
            .expect(&d.text);
        assert!(jan < zoe, "{}", d.text);
        assert!(d.text.contains("    Offerte € 1.250"));
        assert!(
            d.html.contains("Zoë &lt;b&gt; (Bouw &amp; Zn)"),
            "{}",
            d.html
        );
        assert!(d.html.contains("Bakkerij &quot;De Molen&quot;"));
        assert!(!d.html.contains("<b>"));

        let empty = render(Language::En, "Bakery", ams, day("2026-07-01"), &[]);
        assert_eq!(empty.subject, "Calls of 01-07-2026: Bakery (0 calls)");
        assert!(empty.text.contains("There were no calls."));
    }
}
