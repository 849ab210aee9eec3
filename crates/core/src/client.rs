//! A client of the bureau: the tenant every other record hangs from.

use crate::transfer::TransferRules;
use crate::{ClientId, EmailAddress, Error, Result, SmsPreference, TimeZone};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest company name or greeting accepted.
pub const MAX_NAME_LEN: usize = 200;
/// Longest greeting accepted.
pub const MAX_GREETING_LEN: usize = 500;

/// Whether calls for the client are answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    #[default]
    Active,
    Suspended,
}

/// The language call notes and the portal speak to the client in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Nl,
    En,
}

/// A client's own data, as created or updated (everything but id and timestamps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientDraft {
    /// Company name, shown large in the screen pop.
    pub name: String,
    /// What the operator says on answering.
    pub greeting: String,
    /// General addresses: the daily list of calls goes here.
    #[serde(default)]
    pub emails: Vec<EmailAddress>,
    #[serde(default)]
    pub time_zone: TimeZone,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub status: ClientStatus,
    /// When a note for the general address (or for nobody in particular) also goes by SMS,
    /// to the numbers of the emergency procedure's SMS steps in force; see
    /// [`crate::notes::recipients`]. Employees' own preferences are not affected.
    #[serde(default)]
    pub sms_default: SmsPreference,
    /// What its callers may be put through to besides the numbers it lists
    /// ([`crate::transfer`]).
    #[serde(default)]
    pub transfers: TransferRules,
}

impl ClientDraft {
    /// Checks what the types cannot: presence and length of the texts.
    pub fn validate(self) -> Result<Self> {
        let name = name_text("name", &self.name, MAX_NAME_LEN)?;
        let greeting = required_text("greeting", &self.greeting, MAX_GREETING_LEN)?;
        Ok(Self {
            name,
            greeting,
            ..self
        })
    }
}

/// A client as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Client {
    pub id: ClientId,
    #[serde(flatten)]
    pub draft: ClientDraft,
    pub created_at: DateTime<Utc>,
}

/// Trims `value` and checks it is present and at most `max` characters.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, format!("{field} must not be empty")));
    }
    optional_text(field, trimmed, max)
}

/// A name (of a client, employee, contact or staff member): required, at most `max`
/// characters, and one line without control characters — names travel into SIP headers,
/// e-mail subjects and SMS, where a line break or NUL would be read as structure.
pub(crate) fn name_text(field: &str, value: &str, max: usize) -> Result<String> {
    let name = required_text(field, value, max)?;
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("{field} must be one line without control characters"),
        ));
    }
    Ok(name)
}

/// Trims `value` and checks it is at most `max` characters.
pub(crate) fn optional_text(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str) -> ClientDraft {
        serde_json::from_value(serde_json::json!({"name": name, "greeting": "Goedemorgen"}))
            .unwrap()
    }

    #[test]
    fn defaults_to_amsterdam_dutch_active() {
        let d = draft("Bakkerij").validate().unwrap();
        assert_eq!(d.time_zone.to_string(), "Europe/Amsterdam");
        assert_eq!(d.language, Language::Nl);
        assert_eq!(d.status, ClientStatus::Active);
        assert_eq!(d.sms_default, SmsPreference::Never);
    }

    #[test]
    fn refuses_blank_or_long_names() {
        assert!(
            matches!(draft("  ").validate(), Err(Error::Invalid { field, .. }) if field == "name")
        );
        assert!(draft(&"x".repeat(MAX_NAME_LEN + 1)).validate().is_err());
    }

    #[test]
    fn refuses_names_with_control_characters() {
        for name in [
            "Bakkerij\r\nX-Evil: 1",
            "Bak\u{0}kerij",
            "Bak\tkerij",
            "Bak\u{7f}",
        ] {
            assert!(
                matches!(draft(name).validate(), Err(Error::Invalid { field, .. }) if field == "name"),
                "{name:?}"
            );
        }
        assert!(draft("Bakkerij \"De Korst\" & Zoon").validate().is_ok());
    }
}
