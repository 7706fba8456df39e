//! Recording storage (digest §2.6): `GET /v1/objects/{document}/content/audio|acsmetadata` and
//! `DELETE …/content/deletedata`, the URLs a RecordingFileStatusUpdated event names on
//! `https://ringside.asm.skype.com:<port>` (the SDKs download only from `*.asm.skype.com`; the
//! local certificate covers it and one hosts-file line points it at Ringside). Requests are
//! HMAC-signed like `/calling` ones, with the ACS endpoint's host in `x-ms-host`; only the ACS
//! resource that recorded a file can read or delete it. Downloads honour `Range` (206 with
//! `Content-Range`); delete answers 200, as both SDKs require.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::auth::AcsCaller;
use super::error::AcsError;
use super::recording::recordings_dir;
use super::recording_writer::Index;
use super::AcsState;

/// Bytes per chunk of a streamed download.
const CHUNK: usize = 64 * 1024;

/// The storage routes (their own authentication; no api-version).
pub(crate) fn routes() -> Router<AcsState> {
    Router::new().route(
        "/v1/objects/{document}/content/{kind}",
        get(object).delete(object),
    )
}

fn not_found() -> AcsError {
    AcsError::new(
        StatusCode::NOT_FOUND,
        "8522",
        "Recording content not found.",
    )
}

fn valid_document(document: &str) -> bool {
    !document.is_empty()
        && document.len() <= 128
        && document
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An inclusive byte range of a file of `len` bytes, from a `Range: bytes=a-b` / `bytes=a-` /
/// `bytes=-n` header; `Err` when it cannot be satisfied or is malformed.
pub(crate) fn parse_range(value: &str, len: u64) -> Result<(u64, u64), ()> {
    let spec = value.trim().strip_prefix("bytes=").ok_or(())?;
    if spec.contains(',') {
        return Err(());
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let n: u64 = end.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len.checked_sub(1).ok_or(())?)
    } else {
        let a: u64 = start.parse().map_err(|_| ())?;
        let b = if end.is_empty() {
            len.checked_sub(1).ok_or(())?
        } else {
            end.parse::<u64>()
                .map_err(|_| ())?
                .min(len.saturating_sub(1))
        };
        (a, b)
    };
    if range.0 > range.1 || range.0 >= len {
        return Err(());
    }
    Ok(range)
}

async fn object(
    State(state): State<AcsState>,
    Path((document, kind)): Path<(String, String)>,
    request: Request,
) -> Response {
    match serve(&state, &document, &kind, request).await {
        Ok(response) => response,
        Err(error) => storage_error(error),
    }
}

/// The ACS envelope plus the top-level `status` and `message` the JS SDK's content downloader
/// builds its error from.
fn storage_error(error: AcsError) -> Response {
    let body = serde_json::json!({
        "error": {"code": error.code, "message": error.message},
        "status": error.status.as_u16(),
        "message": error.message,
    });
    let mut response = (error.status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Serves a storage request: the caller authenticated like a `/calling` one, the document theirs,
/// then the delete or the download.
async fn serve(
    state: &AcsState,
    document: &str,
    kind: &str,
    request: Request,
) -> Result<Response, AcsError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, ringside_http::body_limit())
        .await
        .map_err(|_| AcsError::invalid_request("The request body is too large."))?;
    let caller = super::authenticate_parts(state, &parts, &body, state.now())?;
    let dir = recordings_dir(state.data_dir());
    check_owner(&dir, document, &caller).await?;
    if parts.method == Method::DELETE {
        return delete(&dir, document, kind).await;
    }
    download(&dir, document, kind, &parts.headers).await
}

/// The document must be a plain id whose index names the caller's ACS resource; otherwise it is
/// not found.
async fn check_owner(
    dir: &std::path::Path,
    document: &str,
    caller: &AcsCaller,
) -> Result<(), AcsError> {
    if !valid_document(document) {
        return Err(not_found());
    }
    let index: Index = tokio::fs::read(dir.join(format!("{document}.index.json")))
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(not_found)?;
    if index.resource != caller.resource.to_string() {
        return Err(not_found());
    }
    Ok(())
}

/// Deletes the recording's files (only at `…/content/deletedata`): 200.
async fn delete(dir: &std::path::Path, document: &str, kind: &str) -> Result<Response, AcsError> {
    if kind != "deletedata" {
        return Err(AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "Delete a recording at its deleteLocation (…/content/deletedata).",
        ));
    }
    for suffix in ["wav", "meta.json", "index.json"] {
        let _ = tokio::fs::remove_file(dir.join(format!("{document}.{suffix}"))).await;
    }
    Ok(StatusCode::OK.into_response())
}

/// Streams the audio or the metadata, whole (200) or the `Range` asked for (206).
async fn download(
    dir: &std::path::Path,
    document: &str,
    kind: &str,
    headers: &HeaderMap,
) -> Result<Response, AcsError> {
    let (file, content_type) = match kind {
        "audio" => (format!("{document}.wav"), "application/octet-stream"),
        "acsmetadata" => (format!("{document}.meta.json"), "application/json"),
        _ => return Err(not_found()),
    };
    let mut file = tokio::fs::File::open(dir.join(file))
        .await
        .map_err(|_| not_found())?;
    let len = file.metadata().await.map_err(|_| not_found())?.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, len));
    let (status, start, end) = match range {
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
        Some(Ok((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Some(Err(())) => return Ok(range_not_satisfiable(len)),
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|_| not_found())?;
    let mut response = Response::new(Body::from_stream(chunks(file, count)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
            headers.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

/// 416 `InvalidRange` with `Content-Range: bytes */<len>`.
fn range_not_satisfiable(len: u64) -> Response {
    let mut response = storage_error(AcsError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "InvalidRange",
        format!("The Range cannot be satisfied for content of {len} bytes."),
    ));
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
        response.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    response
}

/// The next `count` bytes of `file`, in chunks of at most [`CHUNK`].
fn chunks(
    file: tokio::fs::File,
    count: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    stream::unfold((file, count), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buffer = vec![0u8; CHUNK.min(left as usize)];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(buffer), (file, left - n as u64)))
            }
            Err(error) => Some((Err(error), (file, 0))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range("bytes=0-99", 1000), Ok((0, 99)));
        assert_eq!(parse_range("bytes=900-", 1000), Ok((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Ok((900, 999)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Ok((990, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), Err(()));
        assert_eq!(parse_range("bytes=5-1", 1000), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Err(()));
        assert_eq!(parse_range("items=0-1", 1000), Err(()));
        assert_eq!(parse_range("bytes=-0", 1000), Err(()));
        assert_eq!(parse_range("bytes=0-", 0), Err(()));
        assert_eq!(parse_range("bytes=x-", 10), Err(()));
    }

    proptest::proptest! {
        #[test]
        fn any_range_header_is_refused_or_inside_the_content(value in ".{0,40}", digits in "bytes=[0-9]{0,6}-[0-9]{0,6}", len in 0u64..2_000_000) {
            for header in [value.as_str(), digits.as_str()] {
                if let Ok((a, b)) = parse_range(header, len) {
                    proptest::prop_assert!(a <= b && b < len);
                }
            }
        }
    }

    #[test]
    fn document_ids_are_plain() {
        assert!(valid_document("0-ringside-abc123"));
        assert!(!valid_document("../ringside.db"));
        assert!(!valid_document(""));
        assert!(!valid_document("a/b"));
    }
}
