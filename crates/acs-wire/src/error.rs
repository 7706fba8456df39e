//! The ACS error body `{"error": {"code", "message", "target"?, "details"?, "innererror"?}}`
//! (digest §7). The door writes `code` (the subcode as a string, or a name) and `message` only.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::util::string_or_number;

/// `CommunicationErrorResponse`: the body of every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcsErrorResponse {
    /// The error.
    pub error: CommunicationError,
}

/// `CommunicationError`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationError {
    /// `"8522"`, `"UnknownOperation"`, … (a number on input reads as its text).
    #[serde(deserialize_with = "string_or_number")]
    pub code: String,
    /// Human-readable text (absent reads as empty).
    #[serde(default)]
    pub message: String,
    /// What the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Further errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<CommunicationError>>,
    /// The inner error (`innerError` accepted on input).
    #[serde(alias = "innerError", skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<CommunicationError>>,
}

impl AcsErrorResponse {
    /// `{"error": {"code": code, "message": message}}`, as the door writes it.
    pub fn new(code: &str, message: &str) -> Self {
        AcsErrorResponse {
            error: CommunicationError {
                code: code.to_owned(),
                message: message.to_owned(),
                ..Default::default()
            },
        }
    }
}

impl fmt::Display for AcsErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {}", self.error.code, self.error.message)
    }
}

impl std::error::Error for AcsErrorResponse {}
