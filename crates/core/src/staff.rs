//! The bureau's own people and what each role may do.

use crate::client::name_text;
use crate::{EmailAddress, Result, StaffId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A staff role; each includes the rights of the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers calls; reads clients' data.
    Operator,
    /// Also keeps clients, their employees, instructions, contacts and numbers.
    Supervisor,
    /// Also manages staff.
    Admin,
}

/// A staff member as created or updated. Passwords travel beside it, never inside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffDraft {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    /// The user part of the operator's SIP account, if they have a phone.
    #[serde(default)]
    pub sip_username: Option<String>,
}

impl StaffDraft {
    /// Checks the name.
    pub fn validate(self) -> Result<Self> {
        Ok(Self {
            name: name_text("name", &self.name, 200)?,
            ..self
        })
    }
}

/// A staff member as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Staff {
    pub id: StaffId,
    #[serde(flatten)]
    pub draft: StaffDraft,
}

/// Who made a change, as kept in the history ("staff:jan@bureau.nl").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Actor(String);

impl Actor {
    /// A member of staff.
    pub fn staff(staff: &Staff) -> Self {
        Self(format!("staff:{}", staff.draft.email))
    }

    /// A client's portal user.
    pub fn portal(email: &crate::EmailAddress) -> Self {
        Self(format!("portal:{email}"))
    }

    /// Who it is, for people: the e-mail address, and whether of the bureau's staff (true)
    /// or of the client's portal users (false); None for Centrale itself.
    pub fn who(&self) -> Option<(&str, bool)> {
        if let Some(email) = self.0.strip_prefix("staff:") {
            Some((email, true))
        } else {
            self.0.strip_prefix("portal:").map(|email| (email, false))
        }
    }

    /// Centrale itself (demo seeding, migrations).
    pub fn system() -> Self {
        Self("system".into())
    }

    /// Read back from storage.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// The text kept in the history.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_rights() {
        assert!(Role::Operator < Role::Supervisor && Role::Supervisor < Role::Admin);
    }
}
