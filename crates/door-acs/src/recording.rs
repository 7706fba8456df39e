//! ACS call recording (digest §2.4, §4.3, §5.3): `POST /calling/recordings` (by `callLocator`
//! serverCallId or by `callConnectionId`, Teams Phone extensibility), state, `:pause`, `:resume`
//! and stop (`DELETE`), RecordingStateChanged callbacks, and `RecordingFileStatusUpdated` to the
//! resource's Event Grid subscriptions once the file is written. The audio comes from a whole-call
//! media tap (`StreamChannel::CallMixed`/`CallUnmixed`), written by [`super::recording_writer`];
//! downloads are [`super::storage`]'s.
//!
//! Ringside records audio as WAV (16 kHz, 16-bit; unmixed: one channel per participant, up to
//! five). `audioVideo`, mp3/mp4 and external (blob) storage answer 405 `8520`, saying so. A
//! recording is `inactive` while paused and after it stops; it stops when the app stops it or the
//! call ends.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_directory::EventDeliverySchema;
use ringside_engine::{ConversationId, LegId, Participant};
use ringside_model::{AcsResourceId, TenantId};
use ringside_store::{NewOutboxRow, RetryPolicy};
use serde_json::{json, Map, Value};

use super::auth::AcsCaller;
use super::calls::{conversation_of, result, server_call_id, AcsCalls};
use super::error::AcsError;
use super::eventgrid::{delivery_headers, EventSchema};
use super::incoming;
use super::recording_writer::{self, ChannelType, Job, Results};
use super::routes::{
    body, field, invalid, live, not_found, not_implemented, optional_callback, raw_id_of, run,
    string, Result,
};
use super::AcsState;
use ringside_runtime::door::DoorEnv;
use ringside_runtime::streaming::{
    StreamChannel, StreamEvent, StreamId, StreamRate, StreamService,
};

/// The storage host recording URLs name (the SDKs accept only `*.asm.skype.com` and two Teams
/// hosts); it must resolve to Ringside (one hosts-file line, see the README).
pub(crate) const STORAGE_HOST: &str = "ringside.asm.skype.com";

/// Frames queued between the media shards and a recording's writer (5 channels: 8 s).
const TAP_QUEUE: usize = 2_000;

/// Ended recordings remembered for GET.
const ENDED_KEPT: usize = 1_000;

/// One recording.
#[derive(Debug, Clone)]
pub(crate) struct AcsRecording {
    pub(crate) id: String,
    pub(crate) resource: AcsResourceId,
    pub(crate) tenant: TenantId,
    pub(crate) conversation: ConversationId,
    /// The connection whose callbacks carry its events.
    pub(crate) connection: LegId,
    pub(crate) stream: StreamId,
    pub(crate) channel_type: ChannelType,
    /// Recording now (not paused, not stopped).
    pub(crate) active: bool,
    pub(crate) paused: bool,
    /// Stopped by the app or the call's end; the file follows.
    pub(crate) stopped: bool,
    /// `recordingStateCallbackUri`, else the connection's callback.
    pub(crate) callback: Option<String>,
    pub(crate) start_time: String,
}

impl AcsRecording {
    fn state(&self) -> &'static str {
        if self.active {
            "active"
        } else {
            "inactive"
        }
    }

    fn response(&self) -> Value {
        json!({
            "recordingId": self.id,
            "recordingState": self.state(),
            "recordingKind": "azureCommunicationServices",
        })
    }
}

/// The recordings of the ACS door (inside [`AcsCalls`]).
#[derive(Default)]
pub(crate) struct Recordings {
    pub(crate) by_id: HashMap<String, AcsRecording>,
    by_stream: HashMap<StreamId, String>,
    ended: VecDeque<String>,
    /// The writer side (`None`: recording unavailable, as in unit tests).
    pub(crate) recorder: Option<AcsRecorder>,
}

/// Starts recording taps and their writers; holds the finished results.
pub(crate) struct AcsRecorder {
    streams: Arc<StreamService>,
    pub(crate) dir: PathBuf,
    /// `https://ringside.asm.skype.com:<port>`.
    pub(crate) storage_base: String,
    results: Results,
}

impl AcsRecorder {
    /// Recordings in `<data_dir>/acs-recordings`, downloads under `base_url`'s port on
    /// [`STORAGE_HOST`].
    pub(crate) fn new(
        streams: Arc<StreamService>,
        data_dir: &std::path::Path,
        base_url: &str,
    ) -> AcsRecorder {
        AcsRecorder {
            streams,
            dir: recordings_dir(data_dir),
            storage_base: storage_base(base_url),
            results: Results::default(),
        }
    }
}

/// Where ACS recordings live.
pub(crate) fn recordings_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("acs-recordings")
}

/// `https://ringside.asm.skype.com[:port]` for a server at `base_url`.
pub(crate) fn storage_base(base_url: &str) -> String {
    let port = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or(443);
    if port == 443 {
        format!("https://{STORAGE_HOST}")
    } else {
        format!("https://{STORAGE_HOST}:{port}")
    }
}

fn new_recording_id() -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "ringside:recording:{}",
        ringside_runtime::ids::new_guid()
    ))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Where a recording request points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Locator {
    ServerCall(String),
    Connection(LegId),
}

/// A parsed StartCallRecordingRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StartRequest {
    locator: Locator,
    callback: Option<String>,
    channel_type: ChannelType,
    pause_on_start: bool,
    ordering: Vec<String>,
    affinity: Vec<(usize, String)>,
}

fn raw_of(value: &Value, what: &str) -> Result<String> {
    raw_id_of(value).ok_or_else(|| {
        invalid(format!(
            "{what} must be a communication identifier with a rawId."
        ))
    })
}

fn parse_start(map: &Map<String, Value>) -> Result<StartRequest> {
    let connection = string(map, "callConnectionId")?.filter(|s| !s.trim().is_empty());
    let locator = match (field(map, "callLocator"), connection) {
        (Some(locator), _) => {
            let kind = locator.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(id) = locator.get("serverCallId").and_then(Value::as_str) {
                Locator::ServerCall(id.to_string())
            } else if locator.get("groupCallId").is_some()
                || locator.get("roomId").is_some()
                || kind.eq_ignore_ascii_case("groupCallLocator")
                || kind.eq_ignore_ascii_case("roomCallLocator")
            {
                return Err(not_implemented(
                    "Recording by groupCallLocator or roomCallLocator (Ringside locates calls by serverCallId or callConnectionId)",
                ));
            } else {
                return Err(invalid("callLocator must carry a serverCallId."));
            }
        }
        (None, Some(id)) => Locator::Connection(
            ringside_model::Guid::parse(id.trim())
                .map(LegId)
                .map_err(|_| not_found())?,
        ),
        (None, None) => {
            return Err(invalid(
                "Either callLocator or callConnectionId is required.",
            ))
        }
    };
    match string(map, "recordingContentType")? {
        None => {}
        Some(c) if c.eq_ignore_ascii_case("audio") => {}
        Some(c) if c.eq_ignore_ascii_case("audioVideo") => {
            return Err(not_implemented(
                "recordingContentType audioVideo (Ringside carries audio only)",
            ))
        }
        Some(c) => {
            return Err(invalid(format!(
                "recordingContentType '{c}' is not audio or audioVideo."
            )))
        }
    }
    let channel_type = match string(map, "recordingChannelType")? {
        None => ChannelType::Mixed,
        Some(c) if c.eq_ignore_ascii_case("mixed") => ChannelType::Mixed,
        Some(c) if c.eq_ignore_ascii_case("unmixed") => ChannelType::Unmixed,
        Some(c) => {
            return Err(invalid(format!(
                "recordingChannelType '{c}' is not mixed or unmixed."
            )))
        }
    };
    match string(map, "recordingFormatType")? {
        None => {}
        Some(f) if f.eq_ignore_ascii_case("wav") => {}
        Some(f) if f.eq_ignore_ascii_case("mp3") || f.eq_ignore_ascii_case("mp4") => {
            return Err(not_implemented(&format!(
                "recordingFormatType {f} (Ringside writes wav)"
            )))
        }
        Some(f) => {
            return Err(invalid(format!(
                "recordingFormatType '{f}' is not wav, mp3 or mp4."
            )))
        }
    }
    if let Some(storage) = field(map, "externalStorage") {
        let kind = storage
            .get("recordingStorageKind")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kind.eq_ignore_ascii_case("azureCommunicationServices") {
            return Err(not_implemented(
                "externalStorage other than azureCommunicationServices (bring-your-own blob storage)",
            ));
        }
    }
    let pause_on_start = match field(map, "pauseOnStart") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("pauseOnStart must be true or false.")),
    };
    let mut ordering = Vec::new();
    match field(map, "audioChannelParticipantOrdering") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                ordering.push(raw_of(item, "audioChannelParticipantOrdering[]")?);
            }
        }
        Some(_) => return Err(invalid("audioChannelParticipantOrdering must be an array.")),
    }
    let mut affinity = Vec::new();
    match field(map, "channelAffinity") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                let channel = match item.get("channel") {
                    None | Some(Value::Null) => affinity.len() as u64,
                    Some(v) => v
                        .as_u64()
                        .filter(|c| *c < ringside_media::MAX_RECORDING_CHANNELS as u64)
                        .ok_or_else(|| invalid("channelAffinity[].channel must be 0 to 4."))?,
                };
                let participant = item
                    .get("participant")
                    .ok_or_else(|| invalid("channelAffinity[].participant is required."))?;
                let raw = raw_of(participant, "channelAffinity[].participant")?;
                if affinity.iter().any(|(c, _)| *c == channel as usize) {
                    return Err(invalid(format!(
                        "channelAffinity names channel {channel} twice."
                    )));
                }
                affinity.push((channel as usize, raw));
            }
        }
        Some(_) => return Err(invalid("channelAffinity must be an array.")),
    }
    if !affinity.is_empty() && channel_type == ChannelType::Mixed {
        return Err(invalid(
            "channelAffinity needs recordingChannelType unmixed.",
        ));
    }
    Ok(StartRequest {
        locator,
        callback: optional_callback(map, "recordingStateCallbackUri")?,
        channel_type,
        pause_on_start,
        ordering,
        affinity,
    })
}

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
    let request = parse_start(&body(&bytes)?)?;
    let resource = caller.resource;
    let value = run(&state, move |ctx| {
        let (conversation, connection) = match &request.locator {
            Locator::Connection(id) => {
                let call = live(ctx, resource, *id)?;
                (call.conversation, call.id)
            }
            Locator::ServerCall(server_call) => {
                let conversation = conversation_of(server_call).ok_or_else(not_found)?;
                let acs = &ctx.door();
                let connection = acs
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
                (conversation, connection)
            }
        };
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
                super::OWNER,
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
            recording_id: id.clone(),
            resource: resource.to_string(),
            call_id: conversation.to_string(),
            channel_type: request.channel_type,
            paused: request.pause_on_start,
            affinity: request.affinity.clone(),
            ordering: request.ordering.clone(),
            names,
        };
        tokio::spawn(recording_writer::run(tap, job, recorder.results.clone()));
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

impl AcsCalls {
    /// RecordingStateChanged for a recording's current state.
    pub(crate) fn recording_state_changed(&mut self, id: &str) {
        let Some(recording) = self.recordings.by_id.get(id) else {
            return;
        };
        let data = json!({
            "recordingId": recording.id,
            "state": recording.state(),
            "startDateTime": recording.start_time,
            "recordingKind": "azureCommunicationServices",
            "resultInformation": result(200, 0, "Action completed successfully."),
        });
        let (connection, callback) = (recording.connection, recording.callback.clone());
        self.callback(
            connection,
            "RecordingStateChanged",
            data,
            callback.as_deref(),
        );
    }

    /// Participant names for the recordings of a conversation (unmixed channel metadata).
    pub(crate) fn recording_roster(
        &self,
        conversation: ConversationId,
        participants: &[Participant],
    ) {
        let Some(recorder) = &self.recordings.recorder else {
            return;
        };
        for recording in self
            .recordings
            .by_id
            .values()
            .filter(|r| r.conversation == conversation && !r.stopped)
        {
            for (leg, name) in self.raw_names(participants) {
                recorder
                    .streams
                    .name_participant(recording.stream, leg, name);
            }
        }
    }

    /// A recording tap ended (its file is written, or writing failed): `true` when it was one.
    pub(crate) fn recording_stream_event(
        &mut self,
        env: &DoorEnv<'_>,
        event: &StreamEvent,
    ) -> bool {
        let Some(id) = self.recordings.by_stream.get(&event.stream).cloned() else {
            return false;
        };
        if matches!(
            event.kind,
            ringside_runtime::streaming::StreamEventKind::Connected
        ) {
            return true;
        }
        self.recordings.by_stream.remove(&event.stream);
        let finished = self
            .recordings
            .recorder
            .as_ref()
            .and_then(|r| r.results.lock().ok()?.remove(&event.stream));
        let Some(recording) = self.recordings.by_id.get_mut(&id) else {
            return true;
        };
        let was_active = recording.active;
        recording.stopped = true;
        recording.active = false;
        recording.paused = false;
        let recording = recording.clone();
        if was_active {
            self.recording_state_changed(&id);
        }
        self.recordings.ended.push_back(id);
        while self.recordings.ended.len() > ENDED_KEPT {
            if let Some(old) = self.recordings.ended.pop_front() {
                self.recordings.by_id.remove(&old);
            }
        }
        match finished {
            Some(finished) if finished.error.is_none() => {
                self.file_status_updated(env, &recording, &finished);
            }
            _ => tracing::warn!(recording = %recording.id, "an ACS recording produced no file"),
        }
        true
    }

    /// `Microsoft.Communication.RecordingFileStatusUpdated` to every subscription of the resource
    /// that takes it.
    fn file_status_updated(
        &mut self,
        env: &DoorEnv<'_>,
        recording: &AcsRecording,
        finished: &recording_writer::Finished,
    ) {
        let Some(base) = self
            .recordings
            .recorder
            .as_ref()
            .map(|r| r.storage_base.clone())
        else {
            return;
        };
        let (subscriptions, topic) = env.directory.read(|d| {
            let subscriptions: Vec<(String, String, EventDeliverySchema)> = d
                .event_subscriptions(recording.resource)
                .filter(|s| {
                    s.event_types
                        .contains("Microsoft.Communication.RecordingFileStatusUpdated")
                })
                .map(|s| (s.name.clone(), s.endpoint.clone(), s.schema))
                .collect();
            let topic = d
                .acs_resource(recording.resource)
                .map(|r| incoming::topic(&r.tenant.to_string(), "ringside", &r.name))
                .unwrap_or_default();
            (subscriptions, topic)
        });
        let object = format!("{base}/v1/objects/{}", finished.document);
        let data = json!({
            "recordingStorageInfo": {"recordingChunks": [{
                "documentId": finished.document,
                "index": 0,
                "endReason": "SessionEnded",
                "contentLocation": format!("{object}/content/audio"),
                "metadataLocation": format!("{object}/content/acsmetadata"),
                "deleteLocation": format!("{object}/content/deletedata"),
            }]},
            "recordingStartTime": finished.start_time,
            "recordingDurationMs": finished.duration_ms,
            "sessionEndReason": if finished.call_ended { "CallEnded" } else { "StopRecording" },
            "recordingContentType": "Audio",
            "recordingChannelType": match recording.channel_type {
                ChannelType::Mixed => "Mixed",
                ChannelType::Unmixed => "Unmixed",
            },
            "recordingFormatType": "Wav",
        });
        let subject = format!(
            "/recording/call/{}/serverCallId/{}/recordingId/{}",
            recording.conversation,
            server_call_id(recording.conversation),
            recording.id
        );
        let time = now_rfc3339();
        for (name, endpoint, schema) in subscriptions {
            let event_id = ringside_runtime::ids::new_guid().to_string();
            let (event, schema) = match schema {
                EventDeliverySchema::CloudEvents => (
                    incoming::cloud_event(
                        &event_id,
                        &topic,
                        &subject,
                        "Microsoft.Communication.RecordingFileStatusUpdated",
                        &time,
                        data.clone(),
                    ),
                    EventSchema::CloudEvents,
                ),
                _ => (
                    incoming::event_grid_event(
                        &event_id,
                        &topic,
                        &subject,
                        "Microsoft.Communication.RecordingFileStatusUpdated",
                        &time,
                        data.clone(),
                    ),
                    EventSchema::EventGrid,
                ),
            };
            let mut headers = delivery_headers(schema, &name, &event_id);
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("aeg-delivery-count"));
            self.outbox_enqueue(NewOutboxRow {
                ordering_key: format!("recording:{}", recording.id),
                target_url: endpoint,
                dialect: super::calls::EVENT_GRID.name.into(),
                audience: String::new(),
                tenant: recording.tenant.to_string(),
                headers,
                body: serde_json::to_vec(&json!([event])).unwrap_or_default(),
                retry_policy: RetryPolicy::EventGrid,
                created_at_ms: ringside_runtime::outbox::unix_ms(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> Result<StartRequest> {
        parse_start(value.as_object().expect("object"))
    }

    #[test]
    fn start_requests_are_read_as_both_sdks_send_them() {
        let python = parse(json!({
            "callLocator": {"serverCallId": "abc", "kind": "serverCallLocator"},
            "recordingStateCallbackUri": "https://app.example.com/rec",
            "recordingContentType": "audio",
            "recordingChannelType": "unmixed",
            "recordingFormatType": "wav",
            "channelAffinity": [],
            "pauseOnStart": true,
        }))
        .expect("python");
        assert_eq!(python.locator, Locator::ServerCall("abc".into()));
        assert_eq!(python.channel_type, ChannelType::Unmixed);
        assert!(python.pause_on_start);
        let by_connection = parse(json!({
            "callConnectionId": "00000000-0000-0000-0000-000000000007",
            "channelAffinity": [{"channel": 2, "participant": {"rawId": "4:+1425", "phoneNumber": {"value": "+1425"}}}],
            "recordingChannelType": "unmixed",
            "audioChannelParticipantOrdering": [{"kind": "phoneNumber", "phoneNumber": {"value": "+1999"}}],
        }))
        .expect("by connection");
        assert!(matches!(by_connection.locator, Locator::Connection(_)));
        assert_eq!(by_connection.affinity, vec![(2, "4:+1425".to_string())]);
        assert_eq!(by_connection.ordering, vec!["4:+1999".to_string()]);
        assert_eq!(by_connection.channel_type, ChannelType::Unmixed);
    }

    #[test]
    fn unsupported_and_malformed_requests_say_why() {
        let status = |v: Value| parse(v).map(|_| ()).map_err(|e| (e.status, e.code));
        assert_eq!(
            status(json!({})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": "x", "recordingContentType": "audioVideo"}))
                .map_err(|e| e.0),
            Err(StatusCode::NOT_FOUND),
            "a connection id that is not one of ours is unknown"
        );
        let call = "00000000-0000-0000-0000-000000000007";
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingContentType": "audioVideo"})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingFormatType": "mp3"})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingChannelType": "stereo"})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(
                json!({"callConnectionId": call, "externalStorage": {"recordingStorageKind": "azureBlobStorage", "recordingDestinationContainerUrl": "https://b/c"}})
            ),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(
                json!({"callConnectionId": call, "recordingChannelType": "unmixed", "channelAffinity": [{"channel": 9, "participant": {"rawId": "4:+1"}}]})
            ),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(json!({"callLocator": {"groupCallId": "g", "kind": "groupCallLocator"}})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "pauseOnStart": "yes"})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_start_requests_never_panic(text in ".{0,200}", channel in proptest::option::of(0u64..10), raw in ".{0,20}") {
            let _ = body(text.as_bytes()).map(|m| parse_start(&m));
            let shaped = json!({
                "callConnectionId": text,
                "recordingChannelType": raw,
                "channelAffinity": [{"channel": channel, "participant": {"rawId": raw}}],
                "audioChannelParticipantOrdering": [{"phoneNumber": {"value": raw}}, raw],
                "callLocator": if channel.is_some() { json!({"serverCallId": raw}) } else { Value::Null },
            });
            let _ = parse(shaped);
        }
    }

    #[test]
    fn storage_urls_use_the_servers_port() {
        assert_eq!(
            storage_base("https://127.0.0.1:8443"),
            "https://ringside.asm.skype.com:8443"
        );
        assert_eq!(
            storage_base("https://ringside.example.com"),
            "https://ringside.asm.skype.com"
        );
    }
}
