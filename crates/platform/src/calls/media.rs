//! Uploaded media: `POST /media` (a WAV file's bytes, decoded once to 16 kHz mono) and
//! `GET /media/{mediaId}`.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_runtime::media_store::{MediaError, MediaInfo, MAX_UPLOAD_BYTES};
use serde_json::{json, Value};

use super::extract::Params;
use super::reply::with_location;
use super::schemas::MediaSchema;
use crate::api_doc::{BinarySchema, ErrorSchema, Unauthorized, UrlSchema};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This part's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/media",
            post(upload_media).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/media/{mediaId}", get(get_media))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload_media, get_media))]
pub(super) struct Api;

fn media_view(info: &MediaInfo) -> Value {
    json!({
        "id": info.id,
        "uri": format!("ringside-media:{}", info.id),
        "durationMs": info.duration_ms,
        "sampleRate": info.sample_rate,
        "channels": info.channels,
        "bytes": info.bytes,
    })
}

#[utoipa::path(
    post,
    path = "/media",
    operation_id = "uploadMedia",
    tags = ["simulated phones"],
    summary = "Upload a WAV file (PCM 8/16/24/32-bit, float, A-law/mu-law; 1-8 channels; 4-192 kHz; at most 10 minutes and 32 MiB) to play in calls.",
    description = "The body is the file's bytes (any Content-Type). The audio is decoded, downmixed and resampled to 16 kHz mono once; refer to it as its id, `ringside-media:<id>` or `/ringside/v1/media/<id>`.",
    request_body(content((inline(BinarySchema) = "audio/wav"), (inline(BinarySchema) = "application/octet-stream"))),
    responses(
        (
            status = 201,
            description = "Stored.",
            body = MediaSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetMedia" = (operation_id = "getMedia", parameters(("mediaId" = "$response.body#/id")))),
                ("PlayOnLeg" = (operation_id = "playOnLeg", request_body = json!({"media": "$response.body#/id"}))),
                ("SetPhoneBehaviour" = (operation_id = "setPhoneBehaviour", request_body = json!({"play": [{"media": "$response.body#/id"}]})))
            )
        ),
        (status = 400, description = "Corrupt, truncated, too long or unsupported WAV (the message says what is wrong), or an empty body.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 413, description = "Larger than 32 MiB.", body = ErrorSchema)
    )
)]
async fn upload_media(
    _: Admin,
    State(state): State<PlatformState>,
    request: Request,
) -> Result<Response, ApiError> {
    let bytes = Bytes::from_request(request, &state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    format!(
                        "The WAV file exceeds the upload limit of {} MiB.",
                        MAX_UPLOAD_BYTES >> 20
                    ),
                )
            } else {
                ApiError::bad_request(format!("The request body could not be read: {rejection}"))
            }
        })?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "The request body is empty; send the WAV file's bytes.",
        ));
    }
    let runtime = state.calls().clone();
    let info = tokio::task::spawn_blocking(move || runtime.media().upload(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| match error {
            MediaError::Wav(error) => {
                ApiError::bad_request(format!("The WAV file cannot be used: {error}."))
            }
            MediaError::Io(error) => ApiError::internal(error),
        })?;
    Ok(with_location(
        &state,
        StatusCode::CREATED,
        &format!("/media/{}", info.id),
        media_view(&info),
    ))
}

#[utoipa::path(
    get,
    path = "/media/{mediaId}",
    operation_id = "getMedia",
    tags = ["simulated phones"],
    summary = "Facts about an uploaded WAV.",
    params(
        ("mediaId" = String, Path, description = "The id returned by uploadMedia.")
    ),
    responses(
        (status = 200, description = "The media.", body = MediaSchema),
        (status = 400, description = "Malformed path.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such media.", body = ErrorSchema)
    )
)]
async fn get_media(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = params.raw("mediaId")?.to_string();
    let runtime = state.calls().clone();
    let lookup = id.clone();
    let info = tokio::task::spawn_blocking(move || runtime.media().info(&lookup))
        .await
        .map_err(ApiError::internal)?;
    match info {
        Some(Ok(info)) => Ok(Json(media_view(&info)).into_response()),
        Some(Err(error)) => Err(ApiError::internal(error)),
        None => Err(ApiError::not_found(format!(
            "No media has the id '{}'.",
            id.chars().take(64).collect::<String>()
        ))),
    }
}
