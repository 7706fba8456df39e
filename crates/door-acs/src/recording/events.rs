//! The recordings' events: RecordingStateChanged callbacks, participant names for unmixed
//! channels, the end of a recording's tap, and `Microsoft.Communication.RecordingFileStatusUpdated`
//! to the resource's Event Grid subscriptions once the file is written.

use ringside_directory::EventDeliverySchema;
use ringside_engine::{ConversationId, Participant};
use ringside_model::AcsResourceId;
use ringside_store::{NewOutboxRow, RetryPolicy};
use serde_json::{json, Value};

use super::{AcsRecording, ENDED_KEPT};
use crate::calls::AcsCalls;
use crate::incoming;
use crate::recording_writer::{self, ChannelType};
use crate::wire::{now_rfc3339, result, server_call_id};
use ringside_runtime::door::DoorEnv;
use ringside_runtime::eventgrid::{delivery_headers, EventSchema};
use ringside_runtime::recordings::index;
use ringside_runtime::streaming::StreamEvent;

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
                self.index_recording(&recording, &finished);
                self.file_status_updated(env, &recording, &finished);
            }
            _ => tracing::warn!(recording = %recording.id, "an ACS recording produced no file"),
        }
        true
    }

    /// Registers a written recording in the node's index of recordings (the console lists it).
    fn index_recording(&self, recording: &AcsRecording, finished: &recording_writer::Finished) {
        let Some(dir) = self.recordings.recorder.as_ref().map(|r| r.dir.clone()) else {
            return;
        };
        let Some(data_dir) = dir.parent() else {
            return;
        };
        let started = time::OffsetDateTime::parse(
            &finished.start_time,
            &time::format_description::well_known::Rfc3339,
        )
        .map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000).max(0) as u64);
        let channels = finished.channels.max(1);
        index::shared(data_dir).register(index::Entry {
            id: finished.document.clone(),
            kind: index::Kind::CallRecording,
            path: dir.join(format!("{}.wav", finished.document)),
            call: Some(recording.conversation.to_string()),
            leg: Some(recording.connection.to_string()),
            started_unix_ms: started,
            duration_ms: finished.duration_ms,
            channels,
            // 16 kHz s16: 32 bytes a millisecond a channel, after the 44-byte header.
            bytes: 44 + finished.duration_ms * 32 * u64::from(channels),
        });
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
        let (subscriptions, topic) = file_status_subscriptions(env, recording.resource);
        let data = file_status_data(&base, recording, finished);
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
                        FILE_STATUS,
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
                        FILE_STATUS,
                        &time,
                        data.clone(),
                    ),
                    EventSchema::EventGrid,
                ),
            };
            let mut headers = delivery_headers(schema, &name, &event_id);
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("aeg-delivery-count"));
            self.outbox_enqueue(NewOutboxRow {
                ordering_key: format!("recording:{}/{name}", recording.id),
                target_url: endpoint,
                dialect: crate::calls::EVENT_GRID.name.into(),
                audience: recording.resource.to_string(),
                tenant: recording.tenant.to_string(),
                headers,
                body: serde_json::to_vec(&json!([event])).unwrap_or_default(),
                retry_policy: RetryPolicy::EventGrid,
                created_at_ms: ringside_runtime::outbox::unix_ms(),
            });
        }
    }
}

/// The event type of a recording's file notice.
const FILE_STATUS: &str = "Microsoft.Communication.RecordingFileStatusUpdated";

/// The resource's Event Grid subscriptions that take [`FILE_STATUS`] (name, endpoint, schema) and
/// the resource's topic.
fn file_status_subscriptions(
    env: &DoorEnv<'_>,
    resource: AcsResourceId,
) -> (Vec<(String, String, EventDeliverySchema)>, String) {
    env.directory.read(|d| {
        let subscriptions: Vec<(String, String, EventDeliverySchema)> = d
            .event_subscriptions(resource)
            .filter(|s| s.event_types.contains(FILE_STATUS))
            .map(|s| (s.name.clone(), s.endpoint.clone(), s.schema))
            .collect();
        let topic = d
            .acs_resource(resource)
            .map(|r| ringside_runtime::eventgrid::topic(&r.tenant.to_string(), "ringside", &r.name))
            .unwrap_or_default();
        (subscriptions, topic)
    })
}

/// The `data` of RecordingFileStatusUpdated: the one chunk's download URLs under `base`.
fn file_status_data(
    base: &str,
    recording: &AcsRecording,
    finished: &recording_writer::Finished,
) -> Value {
    let object = format!("{base}/v1/objects/{}", finished.document);
    json!({
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
    })
}
