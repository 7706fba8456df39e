//! The error type every Graph-style and platform route returns, rendered as the Graph error envelope
//! (`error.code`, `message`, `innerError` with `request-id`, `client-request-id`, `date`), and the JSON body
//! extractor that turns malformed or oversized bodies into that envelope, and the 404/405 fallbacks.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::context::current_request;

/// A failed request in the Graph envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 401 with a Graph auth code such as `InvalidAuthenticationToken`.
    pub fn unauthorized(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 `Forbidden`.
    pub fn forbidden(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 `itemNotFound`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }

    /// 409 `Conflict`.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "Conflict", message)
    }

    /// 412 `PreconditionFailed`.
    pub fn precondition_failed(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            message,
        )
    }

    /// 413 `RequestEntityTooLarge`.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    /// 429 `TooManyRequests` with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests. Retry after the number of seconds in the Retry-After header.",
        );
        error.retry_after = Some(retry_after.max(1));
        error
    }

    /// 500 `generalException`; the detail is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(%detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "An internal server error occurred.",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let context = current_request();
        let date = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
            .trim_end_matches('Z')
            .to_string();
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": date,
                    "request-id": context.request_id,
                    "client-request-id": context.client_request_id.unwrap_or(context.request_id.clone()),
                }
            }
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // As Graph does: tell the client which authority issues tokens for this resource.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"\", error=\"invalid_token\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// A JSON request body that reports every failure (oversized, unreadable, malformed, wrong shape) in the
/// Graph envelope rather than axum's plain-text rejections. Content-Type is not required: clients in the
/// wild send `application/json; charset=utf-8`, `text/json` or nothing.
#[derive(Debug, Clone)]
pub struct WireJson<T>(pub T);

impl<S, T> FromRequest<S> for WireJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(request, state).await?;
        parse_json(&bytes).map(WireJson)
    }
}

/// Buffers a body, mapping the body-limit rejection to 413 in the envelope.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    let limit = crate::context::body_limit();
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large(limit)
            } else {
                ApiError::bad_request(format!("The request body could not be read: {rejection}"))
            }
        })
}

/// Parses JSON with a precise message on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; a JSON object is required.",
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        let kind = if error.is_syntax() || error.is_eof() {
            "is not valid JSON"
        } else {
            "has an invalid shape"
        };
        ApiError::bad_request(format!("The request body {kind}: {error}"))
    })
}

/// Fallback for unknown routes: 404 in the envelope, naming the path.
pub async fn not_found(uri: Uri) -> Response {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "UnknownError",
        format!("Resource not found for the segment '{}'.", uri.path()),
    )
    .into_response()
}

/// 405 in the envelope.
pub async fn method_not_allowed() -> Response {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "The HTTP method is not allowed on this resource.",
    )
    .into_response()
}
