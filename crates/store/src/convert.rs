//! Between Rust values and the portable column types: UTC milliseconds, wall-clock text,
//! JSON text, snake_case enum names, 0/1 flags; and from sqlx errors to the domain's.

use centrale_core::Error;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike as _, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::error::ErrorKind;
use sqlx::{Any, Decode, Row as _, Type};
use std::fmt::Display;
use std::str::FromStr;

type Result<T, E = Error> = std::result::Result<T, E>;

/// Wall-clock times are stored as this text; it sorts like the times it holds.
const WALL_CLOCK: &str = "%Y-%m-%dT%H:%M:%S";

/// Any storage failure, for the log.
pub(crate) fn storage(e: impl Display) -> Error {
    Error::Storage(e.to_string())
}

/// The database error's kind, if the database refused the statement.
fn kind(e: &sqlx::Error) -> Option<ErrorKind> {
    e.as_database_error().map(|db| db.kind())
}

/// A unique violation as a conflict on `field`; anything else as a storage failure.
pub(crate) fn unique(e: sqlx::Error, field: &str, message: impl FnOnce() -> String) -> Error {
    if kind(&e) == Some(ErrorKind::UniqueViolation) {
        Error::conflict(field, message())
    } else {
        storage(e)
    }
}

/// True when the statement broke a foreign key (a referenced row does not exist).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    kind(e) == Some(ErrorKind::ForeignKeyViolation)
}

/// Now, at the millisecond precision it is stored with.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

/// An instant as stored.
pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored instant.
pub(crate) fn instant(millis: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| storage(format!("instant {millis} ms is out of range")))
}

/// A calendar day as stored: `YYYY-MM-DD`.
pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A wall-clock time as stored (whole seconds).
pub(crate) fn wall_clock_text(at: NaiveDateTime) -> String {
    at.format(WALL_CLOCK).to_string()
}

/// A wall-clock time cut to what is stored, so what is returned equals what is read back.
pub(crate) fn whole_seconds(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(0).unwrap_or(at)
}

/// A stored wall-clock time.
pub(crate) fn wall_clock(text: &str) -> Result<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, WALL_CLOCK)
        .map_err(|e| storage(format!("wall-clock time '{text}': {e}")))
}

/// A value as JSON text.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(storage)
}

/// A value from stored JSON text.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, column: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| storage(format!("column {column}: {e}")))
}

/// An enum's serde name (snake_case in the core types).
pub(crate) fn enum_text<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value).map_err(storage)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(storage(format!("{other} is not a unit enum variant"))),
    }
}

/// An enum from its stored serde name.
pub(crate) fn enum_from_text<T: DeserializeOwned>(name: String, column: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(name))
        .map_err(|e| storage(format!("column {column}: {e}")))
}

/// A flag as stored.
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// A value parsed from its stored text (ids).
pub(crate) fn parsed<T>(text: String, column: &str) -> Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    text.parse()
        .map_err(|e| storage(format!("column {column}: '{text}': {e}")))
}

/// A newtype checked again from its stored text (phone numbers, addresses).
pub(crate) fn checked<T>(text: String, column: &str) -> Result<T>
where
    T: TryFrom<String, Error = String>,
{
    T::try_from(text).map_err(|e| storage(format!("column {column}: {e}")))
}

/// A column of a row, with decoding failures as storage failures.
pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T>
where
    T: Decode<'r, Any> + Type<Any>,
{
    row.try_get(column).map_err(storage)
}

/// A stored flag.
pub(crate) fn get_flag(row: &AnyRow, column: &str) -> Result<bool> {
    match get::<i64>(row, column)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(storage(format!("column {column}: {other} is no flag"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use centrale_core::{ClientStatus, Role};

    #[test]
    fn wall_clock_round_trips_and_sorts() {
        let t = NaiveDateTime::parse_from_str("2026-07-20T09:05:00", WALL_CLOCK).unwrap();
        assert_eq!(wall_clock_text(t), "2026-07-20T09:05:00");
        assert_eq!(wall_clock(&wall_clock_text(t)).unwrap(), t);
        assert!(wall_clock("20-07-2026").is_err());
    }

    #[test]
    fn enums_are_stored_by_their_serde_names() {
        assert_eq!(enum_text(&ClientStatus::Suspended).unwrap(), "suspended");
        assert_eq!(
            enum_from_text::<Role>("supervisor".into(), "role").unwrap(),
            Role::Supervisor
        );
        assert!(enum_from_text::<Role>("boss".into(), "role").is_err());
    }

    #[test]
    fn instants_keep_milliseconds() {
        let at = now();
        assert_eq!(instant(millis(at)).unwrap(), at);
        assert!(instant(i64::MAX).is_err());
    }
}
