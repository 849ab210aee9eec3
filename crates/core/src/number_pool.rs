//! The bureau's pool of forwarding numbers (doorschakelnummers).

use crate::client::optional_text;
use crate::{ClientId, NumberId, PhoneNumber, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest label accepted.
pub const MAX_LABEL_LEN: usize = 100;

/// A number as created or updated: which number, its label, to whom it is assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberDraft {
    pub number: PhoneNumber,
    /// What the line is for the client, e.g. "Sales line".
    #[serde(default)]
    pub label: Option<String>,
    /// The client the number is assigned to; none while it waits in the pool.
    #[serde(default)]
    pub client_id: Option<ClientId>,
}

impl NumberDraft {
    /// Trims and bounds the label; an empty label is no label.
    pub fn validate(self) -> Result<Self> {
        let label = match self.label {
            Some(label) => {
                Some(optional_text("label", &label, MAX_LABEL_LEN)?).filter(|l| !l.is_empty())
            }
            None => None,
        };
        Ok(Self { label, ..self })
    }
}

/// A forwarding number as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ForwardingNumber {
    pub id: NumberId,
    #[serde(flatten)]
    pub draft: NumberDraft,
}
