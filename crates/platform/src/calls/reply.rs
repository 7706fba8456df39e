//! What the simulated-phone routes answer with: the runtime's refusals in the envelope (404, 400,
//! 409, 503), 202, and a status with an absolute `Location`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_runtime::CallError;
use serde_json::Value;

use crate::state::{PlatformState, PREFIX};
use ringside_http::ApiError;

/// Maps the runtime's refusal to the envelope.
pub(super) fn call_error(error: CallError) -> ApiError {
    match error {
        CallError::NotFound(message) => ApiError::not_found(message),
        CallError::BadRequest(message) => ApiError::bad_request(message),
        CallError::Conflict(message) => ApiError::conflict(message),
        CallError::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The call runtime has stopped.",
        ),
        CallError::Busy => ApiError::too_many_requests(1),
    }
}

/// `body` with `status` and an absolute `Location` (`path` is relative to `/ringside/v1`).
pub(super) fn with_location(
    state: &PlatformState,
    status: StatusCode,
    path: &str,
    body: Value,
) -> Response {
    let mut response = (status, Json(body)).into_response();
    let location = format!("{}{}{path}", state.base_url(), PREFIX);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// 202, for the leg operations.
pub(super) fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}
