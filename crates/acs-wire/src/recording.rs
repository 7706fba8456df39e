//! Call recording (digest §2.4, §5.3): the StartCallRecordingRequest of `POST /calling/recordings`
//! with its locators, channel affinity and external storage; RecordingStateResponse; and the
//! `data` of the `Microsoft.Communication.RecordingFileStatusUpdated` Event Grid event, whose
//! content/channel/format values are PascalCase (unlike the REST API).

use serde::{Deserialize, Serialize};

use crate::enums::{
    opt_pascal, RecordingChannelType, RecordingContentType, RecordingFormatType, RecordingKind,
    RecordingState, RecordingStorageKind,
};
use crate::identifier::CommunicationIdentifierModel;
use crate::models::CallLocator;

/// `POST /calling/recordings`. The call is named by `callLocator` or by `callConnectionId`; the
/// schema requires neither, the SDKs and the door want one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartCallRecordingRequest {
    /// The call (Ringside serves `serverCallId` locators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_locator: Option<CallLocator>,
    /// Or the call connection (Teams Phone extensibility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// Where RecordingStateChanged goes (else the connection's callback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_state_callback_uri: Option<String>,
    /// `audio` (default) or `audioVideo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_content_type: Option<RecordingContentType>,
    /// `mixed` (default) or `unmixed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_channel_type: Option<RecordingChannelType>,
    /// `wav`, `mp3` or `mp4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_format_type: Option<RecordingFormatType>,
    /// Unmixed channel order by participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_channel_participant_ordering: Option<Vec<CommunicationIdentifierModel>>,
    /// Unmixed channel per participant (Python always sends `[]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_affinity: Option<Vec<ChannelAffinity>>,
    /// Start paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_on_start: Option<bool>,
    /// Where the file goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_storage: Option<RecordingStorage>,
}

/// One `channelAffinity` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelAffinity {
    /// Channel 0–4; without it the door uses the entry's position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<u64>,
    /// Whose audio (required).
    pub participant: CommunicationIdentifierModel,
}

/// `externalStorage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStorage {
    /// `azureCommunicationServices` or `azureBlobStorage` (required).
    pub recording_storage_kind: RecordingStorageKind,
    /// The blob container (for `azureBlobStorage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_destination_container_url: Option<String>,
}

/// RecordingStateResponse (start, get).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStateResponse {
    /// The recording's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_id: Option<String>,
    /// `active` or `inactive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_state: Option<RecordingState>,
    /// `azureCommunicationServices`, `teams` or `teamsCompliance`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_kind: Option<RecordingKind>,
}

/// `data` of `Microsoft.Communication.RecordingFileStatusUpdated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingFileStatusUpdatedEventData {
    /// The files.
    #[serde(default)]
    pub recording_storage_info: RecordingStorageInfo,
    /// ISO 8601 start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_start_time: Option<String>,
    /// Length in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_duration_ms: Option<u64>,
    /// `CallEnded`, `StopRecording`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_end_reason: Option<String>,
    /// `Audio` or `AudioVideo` (any case on input).
    #[serde(
        default,
        serialize_with = "opt_pascal",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_content_type: Option<RecordingContentType>,
    /// `Mixed` or `Unmixed` (any case on input).
    #[serde(
        default,
        serialize_with = "opt_pascal",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_channel_type: Option<RecordingChannelType>,
    /// `Wav`, `Mp3` or `Mp4` (any case on input).
    #[serde(
        default,
        serialize_with = "opt_pascal",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_format_type: Option<RecordingFormatType>,
}

/// `recordingStorageInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStorageInfo {
    /// The chunks (Ringside writes one).
    #[serde(default)]
    pub recording_chunks: Vec<RecordingChunk>,
}

/// One of `recordingChunks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingChunk {
    /// The document id in the URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// Position of the chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// `SessionEnded`, `ChunkMaximumSizeExceeded`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// Download URL of the media.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_location: Option<String>,
    /// Download URL of the metadata document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_location: Option<String>,
    /// Delete URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_location: Option<String>,
}
