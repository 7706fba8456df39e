//! The recordings the node holds, from the runtime's index of recordings (recordResponse WAVs and
//! ACS call recordings alike): `GET /console/api/recordings` (`{"value": [recording…]}`, newest
//! first), `GET /console/api/recordings/{id}/waveform?width=800` (per-channel min/max peaks per
//! pixel column, computed once per id and width) and `GET /console/api/recordings/{id}/audio` (the
//! WAV, with `Range` for seeking; `?download` adds `Content-Disposition: attachment`). Each
//! recording registered while the server runs is published to the hub as `recording.ready`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_http::ApiError;
use ringside_runtime::recordings::index::Entry;
use serde_json::{json, Value};
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use crate::auth::Session;
use crate::recording_events::json;
use crate::state::ConsoleState;
use crate::waveform::{self, Waveform};

/// Default waveform width, pixel columns.
const DEFAULT_WIDTH: u32 = 800;

/// `GET /console/api/recordings`.
pub(crate) async fn list(_: Session, State(state): State<ConsoleState>) -> Response {
    let index = state.recordings().clone();
    let listed = tokio::task::spawn_blocking(move || index.list())
        .await
        .unwrap_or_default();
    let value: Vec<Value> = listed.iter().map(|entry| json(entry)).collect();
    Json(json!({ "value": value })).into_response()
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("The console has no recording '{id}'."))
}

/// The entry of `id` (its file checked off the async threads).
async fn entry(state: &ConsoleState, id: &str) -> Result<Arc<Entry>, ApiError> {
    let index = state.recordings().clone();
    let key = id.to_string();
    tokio::task::spawn_blocking(move || index.get(&key))
        .await
        .ok()
        .flatten()
        .ok_or_else(|| not_found(id))
}

/// `GET /console/api/recordings/{id}/waveform?width=`.
pub(crate) async fn waveform(
    _: Session,
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let width = match query.get("width").map(|w| w.parse::<u32>()) {
        None => DEFAULT_WIDTH,
        Some(Ok(width)) if (1..=waveform::MAX_WIDTH).contains(&width) => width,
        Some(_) => {
            return ApiError::bad_request(format!(
                "width must be a whole number from 1 to {}.",
                waveform::MAX_WIDTH
            ))
            .into_response()
        }
    };
    match waveform_of(&state, &id, width).await {
        Ok(waveform) => Json(waveform.as_ref()).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn waveform_of(
    state: &ConsoleState,
    id: &str,
    width: u32,
) -> Result<Arc<Waveform>, ApiError> {
    let entry = entry(state, id).await?;
    if let Some(cached) = state.waveforms().get(id, width) {
        return Ok(cached);
    }
    let path = entry.path.clone();
    let computed = tokio::task::spawn_blocking(move || waveform::compute(&path, width))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| {
            tracing::warn!(recording = %id, %error, "a recording's waveform could not be read");
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "UnreadableRecording",
                format!("The recording '{id}' is not a readable WAV file."),
            )
        })?;
    let computed = Arc::new(computed);
    state.waveforms().put(id, width, computed.clone());
    Ok(computed)
}

/// `GET /console/api/recordings/{id}/audio[?download]`.
pub(crate) async fn audio(
    _: Session,
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let entry = match entry(&state, &id).await {
        Ok(entry) => entry,
        Err(error) => return error.into_response(),
    };
    let served = ServeFile::new(&entry.path).oneshot(request).await;
    let mut response = match served {
        Ok(response) if response.status() == axum::http::StatusCode::NOT_FOUND => {
            return not_found(&id).into_response()
        }
        Ok(response) => response.map(axum::body::Body::new),
        Err(error) => return ApiError::internal(error).into_response(),
    };
    let headers = response.headers_mut();
    if headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if query.contains_key("download") {
        let disposition = format!("attachment; filename=\"recording-{id}.wav\"");
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}
