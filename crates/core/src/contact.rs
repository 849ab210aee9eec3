//! Known callers of a client, recognised by their number.

use crate::client::{name_text, optional_text};
use crate::{ClientId, ContactId, PhoneNumber, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A known caller as created or updated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub number: PhoneNumber,
    pub name: String,
    #[serde(default)]
    pub company: String,
    /// What the operator should know about this caller.
    #[serde(default)]
    pub remarks: String,
    /// A customer who gets extra attention.
    #[serde(default)]
    pub vip: bool,
}

impl ContactDraft {
    /// Checks presence and length of the texts.
    pub fn validate(self) -> Result<Self> {
        Ok(Self {
            name: name_text("name", &self.name, 200)?,
            company: optional_text("company", &self.company, 200)?,
            remarks: optional_text("remarks", &self.remarks, 2000)?,
            ..self
        })
    }
}

/// A known caller as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub client_id: ClientId,
    #[serde(flatten)]
    pub draft: ContactDraft,
}
