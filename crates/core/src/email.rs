//! E-mail addresses, checked once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid e-mail address (RFC 5321 size limits), stored as given but trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = "email", example = "info@example.nl")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses `input`; the error says why it is not an address.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .map_err(|e| format!("'{trimmed}' is not a valid e-mail address: {e}"))?;
        if !trimmed
            .rsplit('@')
            .next()
            .is_some_and(|domain| domain.contains('.'))
        {
            return Err(format!(
                "'{trimmed}' is not a valid e-mail address: the domain has no dot"
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(
            EmailAddress::parse(" jan@bakkerij.nl ").unwrap().as_str(),
            "jan@bakkerij.nl"
        );
    }

    #[test]
    fn refuses_junk() {
        for bad in [
            "",
            "jan",
            "jan@",
            "@bakkerij.nl",
            "jan@bakkerij",
            "Jan <jan@b.nl>",
            "a b@c.nl",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
