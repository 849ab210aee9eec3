//! A callback agreed with the caller (terugbelverzoek): with whom, when — as soon as
//! possible, at a time, or within a window — and the number to call. It is said in the
//! note's e-mail and SMS in the client's language and zone, and kept as a calendar entry
//! for the employee's agenda (`GET /api/v1/clients/{id}/callbacks.ics`).

use crate::{EmployeeId, Error, Language, PhoneNumber, Result, TimeZone};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// When the caller wants to be called back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CallbackTime {
    /// As soon as possible.
    Asap,
    /// At this instant.
    At { at: DateTime<Utc> },
    /// Within this window (`from` before `to`).
    Between {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// A callback agreed with the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Callback {
    /// The employee who calls back; none: whoever reads the note.
    #[serde(default)]
    pub with: Option<EmployeeId>,
    pub when: CallbackTime,
    /// The number to call; none: the caller's number on the note.
    #[serde(default)]
    pub number: Option<PhoneNumber>,
}

impl Callback {
    /// Checks the window and fills in the number to call from the caller's, if it is not set.
    pub fn validate(self, caller_phone: Option<&PhoneNumber>) -> Result<Self> {
        if let CallbackTime::Between { from, to } = self.when
            && to <= from
        {
            return Err(Error::invalid(
                "callback.when.to",
                "the window must end after it begins",
            ));
        }
        let number = self
            .number
            .or_else(|| caller_phone.cloned())
            .ok_or_else(|| {
                Error::invalid("callback.number", "a callback needs a number to call")
            })?;
        Ok(Self {
            number: Some(number),
            ..self
        })
    }

    /// When it is to happen, as an interval for a calendar: a time gets a quarter of an hour;
    /// "as soon as possible" the quarter from `noted`.
    pub fn interval(&self, noted: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let quarter = chrono::TimeDelta::minutes(15);
        match self.when {
            CallbackTime::Asap => (noted, noted + quarter),
            CallbackTime::At { at } => (at, at + quarter),
            CallbackTime::Between { from, to } => (from, to),
        }
    }

    /// What the note's e-mail and SMS say, e.g. "vandaag 14:00–15:00 · Henk van Dijk ·
    /// +31612345678", in `language`, the times in `zone`, "today" being `today` there;
    /// `with` is the name of the employee who calls back.
    pub fn describe(
        &self,
        language: Language,
        zone: TimeZone,
        today: NaiveDate,
        with: Option<&str>,
    ) -> String {
        let tz = zone.tz();
        let day = |at: DateTime<Utc>| {
            let local = at.with_timezone(&tz).date_naive();
            match (language, local.signed_duration_since(today).num_days()) {
                (Language::Nl, 0) => "vandaag".to_owned(),
                (Language::Nl, 1) => "morgen".to_owned(),
                (Language::En, 0) => "today".to_owned(),
                (Language::En, 1) => "tomorrow".to_owned(),
                _ => local.format("%d-%m-%Y").to_string(),
            }
        };
        let time = |at: DateTime<Utc>| at.with_timezone(&tz).format("%H:%M").to_string();
        let when = match self.when {
            CallbackTime::Asap => match language {
                Language::Nl => "zo snel mogelijk".to_owned(),
                Language::En => "as soon as possible".to_owned(),
            },
            CallbackTime::At { at } => format!("{} {}", day(at), time(at)),
            CallbackTime::Between { from, to } if day(from) == day(to) => {
                format!("{} {}–{}", day(from), time(from), time(to))
            }
            CallbackTime::Between { from, to } => {
                format!("{} {} – {} {}", day(from), time(from), day(to), time(to))
            }
        };
        let who = with.map(str::to_owned);
        let number = self.number.as_ref().map(PhoneNumber::to_string);
        [Some(when), who, number]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_window_today_is_said_in_the_clients_zone_and_language() {
        let callback = Callback {
            with: Some(EmployeeId::new()),
            // 14:00–15:00 in Amsterdam in December (UTC+1).
            when: CallbackTime::Between {
                from: at("2026-12-03T13:00:00Z"),
                to: at("2026-12-03T14:00:00Z"),
            },
            number: Some(PhoneNumber::parse("06 12345678").unwrap()),
        };
        let zone = TimeZone::default();
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let henk = Some("Henk van Dijk");
        assert_eq!(
            callback.describe(Language::Nl, zone, today, henk),
            "vandaag 14:00–15:00 · Henk van Dijk · +31612345678"
        );
        assert_eq!(
            callback.describe(Language::En, zone, today, henk),
            "today 14:00–15:00 · Henk van Dijk · +31612345678"
        );
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(
            callback.describe(Language::Nl, zone, yesterday, henk),
            "morgen 14:00–15:00 · Henk van Dijk · +31612345678"
        );
    }

    #[test]
    fn as_soon_as_possible_and_a_time_on_another_day() {
        let zone = TimeZone::default();
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let asap = Callback {
            with: None,
            when: CallbackTime::Asap,
            number: None,
        };
        assert_eq!(
            asap.describe(Language::Nl, zone, today, None),
            "zo snel mogelijk"
        );
        let later = Callback {
            when: CallbackTime::At {
                at: at("2026-12-10T08:30:00Z"),
            },
            ..asap.clone()
        };
        assert_eq!(
            later.describe(Language::En, zone, today, None),
            "10-12-2026 09:30"
        );
        let noted = at("2026-12-03T10:00:00Z");
        assert_eq!(asap.interval(noted), (noted, at("2026-12-03T10:15:00Z")));
    }

    #[test]
    fn a_callback_needs_a_number_and_a_window_that_ends_after_it_begins() {
        let caller = PhoneNumber::parse("06 12345678").unwrap();
        let asap = Callback {
            with: None,
            when: CallbackTime::Asap,
            number: None,
        };
        assert_eq!(
            asap.clone().validate(Some(&caller)).unwrap().number,
            Some(caller.clone())
        );
        assert!(matches!(
            asap.validate(None),
            Err(Error::Invalid { field, .. }) if field == "callback.number"
        ));
        let backwards = Callback {
            with: None,
            when: CallbackTime::Between {
                from: at("2026-12-03T14:00:00Z"),
                to: at("2026-12-03T13:00:00Z"),
            },
            number: None,
        };
        assert!(matches!(
            backwards.validate(Some(&caller)),
            Err(Error::Invalid { field, .. }) if field == "callback.when.to"
        ));
    }
}
