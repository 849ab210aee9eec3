//! The one error type of the domain and its ports.

/// What went wrong in the domain or behind a port.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that does not make sense; `field` names the offending part (a JSON path).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The thing asked for does not exist (or belongs to another client).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write would break a uniqueness rule.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The storage failed; the message is for the log, not for the user.
    #[error("storage failure: {0}")]
    Storage(String),
}

impl Error {
    /// An [`Error::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Conflict`] on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
