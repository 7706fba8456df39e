//! The directory's error type: one variant per HTTP-status class the front doors map it to.

use std::fmt;

/// Why a command was refused. Each variant carries a complete, human-readable message naming the
/// offending record or value; front doors map the variant to a status (404, 409, 400, 412).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryError {
    /// A referenced record does not exist (HTTP 404).
    NotFound(String),
    /// The command collides with existing state: duplicate id, UPN, number or owner (HTTP 409).
    Conflict(String),
    /// A value is malformed or not allowed here (HTTP 400).
    Invalid(String),
    /// The command is well-formed but the current state does not allow it yet (HTTP 412).
    PreconditionFailed(String),
}

impl DirectoryError {
    /// The message without the kind.
    pub fn message(&self) -> &str {
        match self {
            DirectoryError::NotFound(m)
            | DirectoryError::Conflict(m)
            | DirectoryError::Invalid(m)
            | DirectoryError::PreconditionFailed(m) => m,
        }
    }

    /// A short, stable name for the kind (`notFound`, `conflict`, `invalid`, `preconditionFailed`).
    pub fn kind(&self) -> &'static str {
        match self {
            DirectoryError::NotFound(_) => "notFound",
            DirectoryError::Conflict(_) => "conflict",
            DirectoryError::Invalid(_) => "invalid",
            DirectoryError::PreconditionFailed(_) => "preconditionFailed",
        }
    }
}

impl fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for DirectoryError {}

pub(crate) fn not_found(message: impl Into<String>) -> DirectoryError {
    DirectoryError::NotFound(message.into())
}

pub(crate) fn conflict(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Conflict(message.into())
}

pub(crate) fn invalid(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Invalid(message.into())
}

pub(crate) fn precondition(message: impl Into<String>) -> DirectoryError {
    DirectoryError::PreconditionFailed(message.into())
}
