//! `GET /ringside/v1/recordings/{recordingId}`: a recordResponse recording (Graph's
//! `recordingLocation`) for whoever presents `Authorization: Bearer <recordingAccessToken>`.
//! Missing token → 401, unknown or expired recording → 404, wrong token → 403; the body is
//! `application/octet-stream`, as Graph serves it. The recordings live in the runtime's
//! [`RecordingStore`](ringside_runtime::recordings::RecordingStore).

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ringside_runtime::recordings::{unix_now, Denied};

use crate::api_doc::{BinarySchema, ErrorSchema};
use crate::state::PlatformState;
use ringside_http::ApiError;

/// Every (method, path) served here, relative to `/ringside/v1` (checked against openapi.json).
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[("GET", "/recordings/{recordingId}")];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new().route("/recordings/{recordingId}", get(download))
}

/// This route's part of the OpenAPI document (paths relative to `/ringside/v1`).
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    Api::openapi()
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(download))]
struct Api;

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `GET /ringside/v1/recordings/{recordingId}` with the recording's access token.
#[utoipa::path(
    get,
    path = "/recordings/{recordingId}",
    operation_id = "getRecording",
    tags = ["calls"],
    summary = "Download a bot's recordResponse recording (Graph recordingLocation) with its recordingAccessToken.",
    description = "The URL and token arrive in the recordResponse operation's completion notification (recordOperation.recordingLocation, recordingAccessToken). Recordings are kept for [media] recording_retention_secs (default 3600) and at most [media] max_recordings. The admin token is not accepted here.",
    security(("recordingAccessToken" = [])),
    params(
        ("recordingId" = String, Path, pattern = "^[0-9a-f]{32}$", description = "The last segment of recordingLocation.")
    ),
    responses(
        (status = 200, description = "The recording (16 kHz mono 16-bit WAV).", content_type = "application/octet-stream", body = inline(BinarySchema)),
        (status = 400, description = "Malformed path (axum's plain-text rejection).", content_type = "text/plain", body = String),
        (status = 401, description = "No bearer token.", body = ErrorSchema),
        (status = 403, description = "The token is not this recording's recordingAccessToken.", body = ErrorSchema),
        (status = 404, description = "No such recording, or it expired.", body = ErrorSchema)
    )
)]
async fn download(
    State(state): State<PlatformState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(token) = bearer(&headers) else {
        return Err(ApiError::unauthorized(
            "InvalidAuthenticationToken",
            "Access token is empty: send Authorization: Bearer <recordingAccessToken>.",
        ));
    };
    let store = state.calls().recordings();
    let path = match store.authorise(&id, token, unix_now()) {
        Ok(path) => path,
        Err(Denied::NotFound) => {
            return Err(ApiError::not_found(format!(
                "No recording has the id '{id}' (recordings are kept for {} s).",
                store.retention_secs()
            )))
        }
        Err(Denied::WrongToken) => {
            return Err(ApiError::forbidden(
                "Forbidden",
                "The access token is not this recording's recordingAccessToken.",
            ))
        }
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::not_found(format!(
                "No recording has the id '{id}'."
            )))
        }
        Err(error) => return Err(ApiError::internal(error)),
    };
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }
}
