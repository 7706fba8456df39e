//! `participantInfo`, `invitationParticipantInfo`, the `participant` entity and its parts
//! (`mediaStream`, `recordingInfo`, `removedState`, `onlineMeetingRestricted`).

use serde::{Deserialize, Serialize};

use crate::enums::{EndpointType, MediaDirection, Modality, RecordingStatus};
use crate::identity::IdentitySet;
use crate::odata::{lenient, null_as_default, odata_kind, AdditionalData, ODataType};

/// `participantInfo` (not open in the CSDL: unknown keys such as `endpointId` are dropped).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ParticipantInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<ParticipantInfo>))]
    pub odata_type: ODataType<ParticipantInfo>,
    /// Who (NN; always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub identity: IdentitySet,
    /// ISO 3166-1 alpha-2, estimated at call start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Endpoint type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_type: Option<EndpointType>,
    /// Language, e.g. `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_id: Option<String>,
    /// Participant id (transferee, roster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// Home region, e.g. `amer`, `westus`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}
odata_kind!(ParticipantInfo, "participantInfo");

impl ParticipantInfo {
    /// A participantInfo for an identity set.
    pub fn new(identity: IdentitySet) -> Self {
        ParticipantInfo {
            identity,
            ..Default::default()
        }
    }
}

/// `invitationParticipantInfo` (Open): a call/redirect/invite/transfer target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvitationParticipantInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<InvitationParticipantInfo>))]
    pub odata_type: ODataType<InvitationParticipantInfo>,
    /// Who (NN; always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub identity: IdentitySet,
    /// The call the target is in now; dropped once the target is added (consultative transfer, invite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces_call_id: Option<String>,
    /// Hidden participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Participant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// Keep out of the default audio routing group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_from_default_audio_routing_group: Option<bool>,
    /// Seen in examples (not in the CSDL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_type: Option<EndpointType>,
    /// Seen in examples (not in the CSDL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_id: Option<String>,
    /// Seen in examples (not in the CSDL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}
odata_kind!(InvitationParticipantInfo, "invitationParticipantInfo");

impl InvitationParticipantInfo {
    /// A target for an identity set.
    pub fn new(identity: IdentitySet) -> Self {
        InvitationParticipantInfo {
            identity,
            ..Default::default()
        }
    }
}

/// `participant` (entity): one roster entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<Participant>))]
    pub odata_type: ODataType<Participant>,
    /// `@odata.context` on GET responses.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub odata_context: Option<String>,
    /// `@odata.id` in notifications.
    #[serde(rename = "@odata.id", skip_serializing_if = "Option::is_none")]
    pub odata_id: Option<String>,
    /// `@odata.etag` in notifications.
    #[serde(rename = "@odata.etag", skip_serializing_if = "Option::is_none")]
    pub odata_etag: Option<String>,
    /// Participant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who (NN; always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub info: ParticipantInfo,
    /// In the lobby (NN; always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_in_lobby: bool,
    /// Client- or server-muted (NN; always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_muted: bool,
    /// Media streams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streams: Option<Vec<MediaStream>>,
    /// Blob supplied by the participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Recording state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_info: Option<RecordingInfo>,
    /// Why the participant was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_state: Option<RemovedState>,
    /// Restricted experience flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted_experience: Option<OnlineMeetingRestricted>,
    /// Roster sequence number of the last update (Int64; numbers or numeric strings accepted).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub roster_sequence_number: Option<i64>,
}
odata_kind!(Participant, "participant");

/// `mediaStream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MediaStream {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<MediaStream>))]
    pub odata_type: ODataType<MediaStream>,
    /// Media type (NN).
    pub media_type: Modality,
    /// Source id (NN).
    #[serde(default, deserialize_with = "null_as_default")]
    pub source_id: String,
    /// Direction (NN).
    pub direction: MediaDirection,
    /// Muted by the server (NN).
    #[serde(default, deserialize_with = "null_as_default")]
    pub server_muted: bool,
    /// Label, e.g. `main-audio`, `applicationsharing-video`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}
odata_kind!(MediaStream, "mediaStream");

/// `recordingInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecordingInfo {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<RecordingInfo>))]
    pub odata_type: ODataType<RecordingInfo>,
    /// Who started recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiator: Option<IdentitySet>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_status: Option<RecordingStatus>,
}
odata_kind!(RecordingInfo, "recordingInfo");

/// `removedState`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemovedState {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<RemovedState>))]
    pub odata_type: ODataType<RemovedState>,
    /// Reason text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
odata_kind!(RemovedState, "removedState");

/// `onlineMeetingRestricted`. Its members are flags enums (`watermarkProtection | unknownFutureValue`,
/// comma-separated on the wire), kept as strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingRestricted {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<OnlineMeetingRestricted>))]
    pub odata_type: ODataType<OnlineMeetingRestricted>,
    /// e.g. `watermarkProtection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_sharing_disabled: Option<String>,
    /// e.g. `watermarkProtection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_disabled: Option<String>,
}
odata_kind!(OnlineMeetingRestricted, "onlineMeetingRestricted");

/// `GET …/calls/{id}/participants`: `{ "@odata.context", "value": [participant] }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantCollection {
    /// `…/$metadata#communications/calls('{id}')/participants`.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub odata_context: Option<String>,
    /// The roster.
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: Vec<Participant>,
}
