//! The media clock's figures: `GET /stats/media` and `POST /stats/media/reset` (tick lateness and
//! work per tick, per shard and overall, in microseconds).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_runtime::Request as RuntimeRequest;
use serde_json::{json, Value};

use super::reply::call_error;
use super::schemas::MediaStatsSchema;
use crate::api_doc::{Busy, Unauthorized, Unavailable};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This part's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/stats/media", get(media_stats))
        .route("/stats/media/reset", post(reset_media_stats))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(media_stats, reset_media_stats))]
pub(super) struct Api;

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The wire form of the media clock's figures (durations in microseconds).
fn clock_stats_view(stats: &ringside_media::ClockStats) -> Value {
    let shards: Vec<Value> = stats
        .shards
        .iter()
        .map(|s| {
            json!({
                "ticks": s.ticks,
                "skippedFrames": s.skipped_frames,
                "commands": s.commands,
                "latenessP50Us": micros(s.lateness_p50),
                "latenessP99Us": micros(s.lateness_p99),
                "latenessMaxUs": micros(s.lateness_max),
                "workP50Us": micros(s.work_p50),
                "workP99Us": micros(s.work_p99),
                "workMaxUs": micros(s.work_max),
                "conversations": s.conversations,
                "legs": s.legs,
                "realtime": s.realtime,
                "cpuTimeUs": s.cpu_time.map(micros),
            })
        })
        .collect();
    json!({
        "ticks": stats.ticks,
        "skippedFrames": stats.shards.iter().map(|s| s.skipped_frames).sum::<u64>(),
        "latenessP50Us": micros(stats.lateness_p50),
        "latenessP99Us": micros(stats.lateness_p99),
        "latenessMaxUs": micros(stats.lateness_max),
        "workP99Us": micros(stats.work_p99),
        "conversations": stats.conversations,
        "shards": shards,
    })
}

/// `GET /stats/media`: the media clock's tick lateness (wake − deadline) and work per tick since
/// start or the last reset, per shard and over all shards.
#[utoipa::path(
    get,
    path = "/stats/media",
    operation_id = "getMediaStats",
    tags = ["calls"],
    summary = "The media clock's figures since start or the last reset: ticks, skipped frames, tick lateness (wake - deadline) and work per tick percentiles, conversations, per shard and overall.",
    responses(
        (status = 200, description = "The media clock's figures: durations in microseconds, over all shards and per shard.", body = MediaStatsSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn media_stats(_: Admin, State(state): State<PlatformState>) -> Result<Response, ApiError> {
    let stats = state
        .calls()
        .ask(|reply| RuntimeRequest::MediaStats {
            reset: false,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(Json(clock_stats_view(&stats)).into_response())
}

/// `POST /stats/media/reset`: the figures so far, then clears the tick counts and histograms (a
/// benchmark calls it after its warm-up).
#[utoipa::path(
    post,
    path = "/stats/media/reset",
    operation_id = "resetMediaStats",
    tags = ["calls"],
    summary = "Returns the media clock's figures so far, then clears its tick counts and histograms (CPU times keep counting). Benchmarks call it after their warm-up.",
    responses(
        (status = 200, description = "The media clock's figures: durations in microseconds, over all shards and per shard.", body = MediaStatsSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn reset_media_stats(
    _: Admin,
    State(state): State<PlatformState>,
) -> Result<Response, ApiError> {
    let stats = state
        .calls()
        .ask(|reply| RuntimeRequest::MediaStats { reset: true, reply })
        .await
        .map_err(call_error)?;
    Ok(Json(clock_stats_view(&stats)).into_response())
}
