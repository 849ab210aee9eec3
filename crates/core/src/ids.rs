//! Typed ids: a `ClientId` can never be passed where an `EmployeeId` is meant.
//! All are UUIDv7 (time-ordered), printed in their hyphenated form.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A client (tenant) of the bureau.
    ClientId
);
id_type!(
    /// A number in the bureau's forwarding-number pool.
    NumberId
);
id_type!(
    /// An employee of a client.
    EmployeeId
);
id_type!(
    /// A standard or temporary instruction set.
    InstructionSetId
);
id_type!(
    /// A known caller of a client.
    ContactId
);
id_type!(
    /// A member of the bureau's staff.
    StaffId
);
id_type!(
    /// A client's staff member with a login to the customer portal.
    PortalUserId
);
id_type!(
    /// A call that reached Centrale.
    CallId
);
id_type!(
    /// A call note.
    NoteId
);
id_type!(
    /// One delivery (e-mail or SMS) of a call note.
    DeliveryId
);
id_type!(
    /// One entry of the audit log.
    AuditId
);
id_type!(
    /// A calendar feed of a client's callbacks.
    CallbackFeedId
);
id_type!(
    /// A sign-up from the public form.
    SignupId
);
id_type!(
    /// A mail of the general outbox (welcome, confirmation, alert).
    MailId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_back() {
        let id = ClientId::new();
        assert_eq!(id.to_string().parse::<ClientId>().unwrap(), id);
        assert!("not-a-uuid".parse::<ClientId>().is_err());
    }
}
