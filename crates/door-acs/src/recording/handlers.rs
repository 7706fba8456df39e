//! The recording operations: `POST /calling/recordings` (start), `GET` (state), `DELETE`
//! (stop) and `:pause`/`:resume` on `/calling/recordings/{id}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use ringside_engine::{ConversationId, LegId};
use ringside_model::AcsResourceId;

use super::request::{parse_start, Locator, StartRequest};
use super::{new_recording_id, AcsRecorder, AcsRecording, Recordings, TAP_QUEUE};
use crate::auth::AcsCaller;
use crate::calls::AcsCalls;
use crate::error::AcsError;
use crate::recording_writer::{self, ChannelType, Job};
use crate::request::{live, not_found, not_implemented, run, Body, Result};
use crate::wire::{conversation_of, now_rfc3339};
use crate::AcsState;
use ringside_runtime::door::DoorCtx;
use ringside_runtime::streaming::{StreamChannel, StreamId, StreamRate};

fn recording_not_found() -> AcsError {
    AcsError::new(StatusCode::NOT_FOUND, "8522", "Recording not found.")
}

/// The caller's recording `id` while it has not stopped (404 unknown, 400 `8571` stopped).
fn running<'a>(
    recordings: &'a mut Recordings,
    id: &str,
    resource: AcsResourceId,
) -> Result<&'a mut AcsRecording> {
    let recording = recordings
        .by_id
        .get_mut(id)
        .filter(|r| r.resource == resource)
        .ok_or_else(recording_not_found)?;
    if recording.stopped {
        return Err(AcsError::new(
            StatusCode::BAD_REQUEST,
            "8571",
            "The recording has already stopped.",
        ));
    }
    Ok(recording)
}

/// The routes (behind the door's guard).
pub(crate) fn routes() -> Router<AcsState> {
    Router::new()
        .route("/calling/recordings", post(start_recording))
        .route(
            "/calling/recordings/{segment}",
            axum::routing::get(recording_state)
                .delete(stop_recording)
                .post(recording_action),
        )
}

/// `POST /calling/recordings`: 200 RecordingStateResponse.
async fn start_recording(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let request = parse_start(&Body::read(&bytes)?)?;
    let resource = caller.resource;
    let value = run(&state, move |ctx| {
        let (conversation, connection) = locate(ctx, resource, &request.locator)?;
        let participants = ctx.participants(conversation).map_err(|_| not_found())?;
        let acs = &mut ctx.door();
        let names = acs.raw_names(&participants);
        if acs.recordings.by_id.values().any(|r| {
            r.conversation == conversation && !r.stopped && r.channel_type == request.channel_type
        }) {
            return Err(AcsError::new(
                StatusCode::BAD_REQUEST,
                "8553",
                "Only one recording of a given type is supported in a call.",
            ));
        }
        let Some(recorder) = acs.recordings.recorder.as_ref() else {
            return Err(not_implemented("Call recording"));
        };
        let tenant = acs
            .calls
            .get(&connection)
            .map(|c| c.tenant)
            .ok_or_else(not_found)?;
        let id = new_recording_id();
        let stream = start_tap(
            recorder,
            &request,
            &id,
            resource,
            conversation,
            connection,
            names,
        )?;
        let recording = AcsRecording {
            id: id.clone(),
            resource,
            tenant,
            conversation,
            connection,
            stream,
            channel_type: request.channel_type,
            active: !request.pause_on_start,
            paused: request.pause_on_start,
            stopped: false,
            callback: request.callback.clone(),
            start_time: now_rfc3339(),
        };
        let response = recording.response();
        acs.recordings.by_stream.insert(stream, id.clone());
        acs.recordings.by_id.insert(id.clone(), recording);
        acs.recording_state_changed(&id);
        Ok(response)
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// The conversation a request locates and the caller's connection whose callbacks carry the
/// recording's events (for a serverCallId: the caller's oldest live connection in the call).
fn locate(
    ctx: &mut DoorCtx<'_, AcsCalls>,
    resource: AcsResourceId,
    locator: &Locator,
) -> Result<(ConversationId, LegId)> {
    match locator {
        Locator::Connection(id) => {
            let call = live(ctx, resource, *id)?;
            Ok((call.conversation, call.id))
        }
        Locator::ServerCall(server_call) => {
            let conversation = conversation_of(server_call).ok_or_else(not_found)?;
            let connection = ctx
                .door()
                .calls
                .values()
                .filter(|c| {
                    c.conversation == conversation
                        && c.resource == resource
                        && !c.state.is_terminated()
                })
                .map(|c| c.id)
                .min()
                .ok_or_else(not_found)?;
            Ok((conversation, connection))
        }
    }
}

/// Starts the whole-call media tap and its file writer; the tap's stream id.
fn start_tap(
    recorder: &AcsRecorder,
    request: &StartRequest,
    id: &str,
    resource: AcsResourceId,
    conversation: ConversationId,
    connection: LegId,
    names: Vec<(LegId, String)>,
) -> Result<StreamId> {
    let document = format!(
        "0-ringside-{}",
        ringside_runtime::ids::new_guid()
            .to_string()
            .replace('-', "")
    );
    let tap = recorder
        .streams
        .start_local(
            conversation,
            connection,
            match request.channel_type {
                ChannelType::Mixed => StreamChannel::CallMixed,
                ChannelType::Unmixed => StreamChannel::CallUnmixed,
            },
            StreamRate::Khz16,
            crate::OWNER,
            TAP_QUEUE,
        )
        .map_err(|e| {
            AcsError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                e.to_string(),
            )
        })?;
    let stream = tap.id;
    let job = Job {
        dir: recorder.dir.clone(),
        document,
        recording_id: id.to_string(),
        resource: resource.to_string(),
        call_id: conversation.to_string(),
        channel_type: request.channel_type,
        paused: request.pause_on_start,
        affinity: request.affinity.clone(),
        ordering: request.ordering.clone(),
        names,
    };
    tokio::spawn(recording_writer::run(tap, job, recorder.results.clone()));
    Ok(stream)
}

fn recording_id(segment: &str) -> &str {
    segment.trim()
}

/// `GET /calling/recordings/{id}`: 200 RecordingStateResponse.
async fn recording_state(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
) -> Result<Response> {
    if segment.contains(':') {
        return Err(AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "Actions are POSTed.",
        ));
    }
    let id = recording_id(&segment).to_string();
    let value = run(&state, move |ctx| {
        ctx.door()
            .recordings
            .by_id
            .get(&id)
            .filter(|r| r.resource == caller.resource)
            .map(AcsRecording::response)
            .ok_or_else(recording_not_found)
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `DELETE /calling/recordings/{id}`: stops it; 204. The file's RecordingFileStatusUpdated
/// follows once it is written.
async fn stop_recording(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
) -> Result<Response> {
    let id = recording_id(&segment).to_string();
    run(&state, move |ctx| {
        let acs = &mut ctx.door();
        let recording = running(&mut acs.recordings, &id, caller.resource)?;
        recording.stopped = true;
        let was_active = recording.active;
        recording.active = false;
        let stream = recording.stream;
        if let Some(recorder) = &acs.recordings.recorder {
            recorder.streams.stop(stream, "stopped");
        }
        if was_active {
            acs.recording_state_changed(&id);
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /calling/recordings/{id}:pause` / `:resume`: 202.
async fn recording_action(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
) -> Result<Response> {
    let Some((id, action)) = segment.split_once(':') else {
        return Err(AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "POST a recording action (:pause or :resume).",
        ));
    };
    let pause = match action {
        "pause" => true,
        "resume" => false,
        other => {
            return Err(AcsError::new(
                StatusCode::NOT_FOUND,
                "UnknownOperation",
                format!("Recordings have no action '{other}'."),
            ))
        }
    };
    let id = recording_id(id).to_string();
    run(&state, move |ctx| {
        let acs = &mut ctx.door();
        let recording = running(&mut acs.recordings, &id, caller.resource)?;
        if recording.paused == pause {
            return Ok(());
        }
        recording.paused = pause;
        recording.active = !pause;
        let stream = recording.stream;
        if let Some(recorder) = &acs.recordings.recorder {
            recorder.streams.pause(stream, pause);
        }
        acs.recording_state_changed(&id);
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
