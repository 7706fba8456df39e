//! The Graph error envelope `{ "error": { code, message, innerError { date, request-id, client-request-id } } }`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of every synchronous Graph error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphError {
    /// The error.
    pub error: GraphErrorBody,
}

/// `error`: code, message, optional innerError/target/details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GraphErrorBody {
    /// `itemNotFound`, `accessDenied`, … or a numeric string such as `"7504"` (numbers accepted on input).
    #[serde(deserialize_with = "string_or_number")]
    pub code: String,
    /// Human-readable text; may end in `DiagCode: 400#2203`.
    #[serde(default)]
    pub message: String,
    /// Request correlation (`innererror` accepted on input).
    #[serde(alias = "innererror", skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<InnerError>,
    /// Target of the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Details, kept raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<Value>>,
}

/// `innerError`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InnerError {
    /// `2020-02-13T17:30:24` (UTC, no offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The response's request-id.
    #[serde(rename = "request-id", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The client's Client-Request-Id (or the request-id).
    #[serde(rename = "client-request-id", skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
}

impl GraphError {
    /// An error with a code and a message, without innerError.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        GraphError {
            error: GraphErrorBody {
                code: code.into(),
                message: message.into(),
                inner_error: None,
                target: None,
                details: None,
            },
        }
    }

    /// Adds the innerError.
    pub fn with_inner(mut self, inner: InnerError) -> Self {
        self.error.inner_error = Some(inner);
        self
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.code, self.error.message)
    }
}

impl std::error::Error for GraphError {}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}
