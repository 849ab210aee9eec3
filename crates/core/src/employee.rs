//! Employees of a client: whom notes are for and whom callers are put through to.

use crate::client::{name_text, optional_text};
use crate::{ClientId, EmailAddress, EmployeeId, PhoneNumber, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// When an employee wants a note by SMS as well as by e-mail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmsPreference {
    #[default]
    Never,
    UrgentOnly,
    Always,
}

/// An employee as created or updated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeDraft {
    pub name: String,
    /// Job or department, e.g. "sales".
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub emails: Vec<EmailAddress>,
    #[serde(default)]
    pub mobile: Option<PhoneNumber>,
    #[serde(default)]
    pub landline: Option<PhoneNumber>,
    /// May callers be put through right now.
    #[serde(default = "yes")]
    pub reachable: bool,
    #[serde(default)]
    pub sms: SmsPreference,
}

fn yes() -> bool {
    true
}

impl EmployeeDraft {
    /// Checks presence and length of the texts.
    pub fn validate(self) -> Result<Self> {
        let name = name_text("name", &self.name, 200)?;
        let role = optional_text("role", &self.role, 200)?;
        Ok(Self { name, role, ..self })
    }
}

/// An employee as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Employee {
    pub id: EmployeeId,
    pub client_id: ClientId,
    #[serde(flatten)]
    pub draft: EmployeeDraft,
}
