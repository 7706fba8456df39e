//! Request bodies of call setup (digest §2.1: create, answer, redirect, reject, connect) and of the
//! connection and its participants (§2.2: transfer, add, remove, mute, cancel add, move).
//!
//! Members the schema marks required are required (a missing or `null` one is a serde error);
//! unknown members are ignored. `:terminate`, hang-up `DELETE`, `:cancelAllMediaOperations` and the
//! recording `:pause`/`:resume` have no body.

use serde::{Deserialize, Serialize};

use crate::enums::CallRejectReason;
use crate::identifier::{
    CommunicationIdentifierModel, CommunicationUserIdentifierModel,
    MicrosoftTeamsAppIdentifierModel, PhoneNumberIdentifierModel,
};
use crate::media::{MediaStreamingOptions, TranscriptionOptions};
use crate::models::{CallIntelligenceOptions, CallLocator, CustomCallingContext};

/// `POST /calling/callConnections` (createCall, createGroupCall).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCallRequest {
    /// Whom to call (required; the door wants 1 to 5).
    pub targets: Vec<CommunicationIdentifierModel>,
    /// Where the call's events go (required).
    pub callback_uri: String,
    /// Caller id for PSTN targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberIdentifierModel>,
    /// Caller display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// The ACS user placing the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationUserIdentifierModel>,
    /// Echoed by CallConnected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Azure AI services (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<CallIntelligenceOptions>,
    /// Media streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streaming_options: Option<MediaStreamingOptions>,
    /// Transcription (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription_options: Option<TranscriptionOptions>,
    /// The Teams resource account the call is placed for (Teams Phone extensibility).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams_app_source: Option<MicrosoftTeamsAppIdentifierModel>,
    /// SIP/VoIP headers. Not in the schema of createCall (the SDKs never send it), but the door
    /// reads it and hands it to the IncomingCall the call raises.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
}

/// `POST /calling/callConnections:answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerCallRequest {
    /// The token of the IncomingCall event (required).
    pub incoming_call_context: String,
    /// Where the call's events go (required).
    pub callback_uri: String,
    /// Echoed by CallConnected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Azure AI services (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<CallIntelligenceOptions>,
    /// The ACS user answering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<CommunicationUserIdentifierModel>,
    /// Media streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streaming_options: Option<MediaStreamingOptions>,
    /// Transcription (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription_options: Option<TranscriptionOptions>,
}

/// `POST /calling/callConnections:redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectCallRequest {
    /// The token of the IncomingCall event (required).
    pub incoming_call_context: String,
    /// Where the call goes (required).
    pub target: CommunicationIdentifierModel,
}

/// `POST /calling/callConnections:reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectCallRequest {
    /// The token of the IncomingCall event (required).
    pub incoming_call_context: String,
    /// `none` (default), `busy` or `forbidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_reject_reason: Option<CallRejectReason>,
}

/// `POST /calling/callConnections:connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequest {
    /// The call to join (required).
    pub call_locator: CallLocator,
    /// Where the call's events go (required).
    pub callback_uri: String,
    /// Echoed by CallConnected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Azure AI services (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_intelligence_options: Option<CallIntelligenceOptions>,
    /// Media streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streaming_options: Option<MediaStreamingOptions>,
    /// Transcription (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription_options: Option<TranscriptionOptions>,
}

/// `POST …/{callConnectionId}:transferToParticipant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferToParticipantRequest {
    /// Where the call goes (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Echoed by CallTransferAccepted/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// The participant transferred (group calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transferee: Option<CommunicationIdentifierModel>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// SIP/VoIP headers for the target (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
    /// Caller id for a PSTN target (ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberIdentifierModel>,
}

/// `POST …/{callConnectionId}/participants:add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantRequest {
    /// Whom to add (required).
    pub participant_to_add: CommunicationIdentifierModel,
    /// Caller id for a PSTN participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberIdentifierModel>,
    /// Caller display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    /// Ring time, 0–180 s (the door rings at least 1 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_timeout_in_seconds: Option<u64>,
    /// Echoed by AddParticipantSucceeded/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
    /// SIP/VoIP headers (JS always sends both maps; ignored by the door).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_calling_context: Option<CustomCallingContext>,
}

/// `POST …/{callConnectionId}/participants:remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveParticipantRequest {
    /// Whom to remove (required).
    pub participant_to_remove: CommunicationIdentifierModel,
    /// Echoed by RemoveParticipantSucceeded/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}/participants:mute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuteParticipantsRequest {
    /// Whom to mute (required; the SDKs send exactly one, the door wants exactly one).
    pub target_participants: Vec<CommunicationIdentifierModel>,
    /// Echoed in the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `POST …/{callConnectionId}/participants:cancelAddParticipant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantRequest {
    /// The `invitationId` of the add (required).
    pub invitation_id: String,
    /// Echoed by CancelAddParticipantSucceeded/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}/participants:moveHere` (the door answers 405 without reading it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveParticipantsRequest {
    /// Whom to move (required).
    pub target_participants: Vec<CommunicationIdentifierModel>,
    /// The call connection id they come from (required).
    pub from_call: String,
    /// Echoed by MoveParticipantSucceeded/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}
