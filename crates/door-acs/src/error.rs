//! The ACS error envelope `{"error":{"code","message"}}` and the status/code pairs the ACS door answers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error in the ACS dialect: status, `error.code` (ACS puts the subcode there as a string, or a
/// name for platform-level failures) and `error.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcsError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    /// Seconds for `Retry-After` (throttling).
    pub(crate) retry_after: Option<u64>,
}

impl AcsError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> AcsError {
        AcsError {
            status,
            code: code.to_string(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 with `Retry-After`: the call runtime's request queue is full.
    pub(crate) fn too_many_requests(retry_after: u64) -> AcsError {
        AcsError {
            retry_after: Some(retry_after.max(1)),
            ..AcsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests are waiting for the call runtime; retry after the Retry-After header's seconds.",
            )
        }
    }

    /// 401 for any authentication failure (ACS's "Hmac Validation Error" family is subcode 7509).
    pub(crate) fn unauthorized(message: impl Into<String>) -> AcsError {
        AcsError::new(StatusCode::UNAUTHORIZED, "7509", message)
    }

    /// 400 `MissingApiVersionParameter`.
    pub(crate) fn missing_api_version() -> AcsError {
        AcsError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    }

    /// 400 `UnsupportedApiVersion`.
    pub(crate) fn unsupported_api_version(version: &str) -> AcsError {
        AcsError::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            format!(
                "The api-version '{version}' is not supported. Supported versions: {}.",
                crate::versions::names().join(", ")
            ),
        )
    }

    /// 400/8523: the request body is not what the operation takes.
    pub(crate) fn invalid_request(message: impl Into<String>) -> AcsError {
        AcsError::new(StatusCode::BAD_REQUEST, "8523", message)
    }
}

impl IntoResponse for AcsError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
