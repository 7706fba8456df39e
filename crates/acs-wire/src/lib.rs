//! Azure Communication Services Call Automation wire types (serde DTOs) as Ringside's ACS door
//! accepts and emits them: shapes only, no engine or server dependency, shared by the door and a
//! future Rust SDK.
//!
//! Reading is tolerant, writing is strict:
//! - unknown members are ignored; [`RequestBody::from_json`] also matches request member names in
//!   any letter case (as the door does), reads an empty body as `{}` and refuses non-objects;
//! - every enum is open (ACS models them as extensible strings): known values parse in any letter
//!   case (Python's `"PUBLIC"`, `"Pcm16KMono"`), unknown ones are kept in `Other` and written back
//!   verbatim; known values are written lower camelCase (PascalCase where the door writes
//!   PascalCase: RecordingFileStatusUpdated's content/channel/format types and
//!   `mediaStreamingUpdate.contentType`);
//! - members the schema marks required are required (missing or `null` is a serde error), the
//!   rest are `Option`s omitted when `None` — except the event members the door writes as `null`,
//!   which say so;
//! - DTMF tones read by name or by key (`"one"`, `"1"`), are written by name;
//! - event envelopes ([`CloudEvent`], [`EventGridEvent`]) pick typed data by the event type and keep
//!   unknown types (or data that does not fit) raw as [`OtherEvent`].
//!
//! Modules (all re-exported at the root): `identifier` (CommunicationIdentifierModel), `models`
//! (CallLocator, custom context, resultInformation), `media` (PlaySource, recognize options,
//! streaming and transcription options), `requests` (call setup, connection, participants),
//! `media_requests` (play, recognize, DTMF, hold, streaming, transcription), `recording`,
//! `responses`, `envelope` (CloudEvent, EventGridEvent), `callback_events` and `events` (callback
//! data and their dispatch), `eventgrid` (IncomingCall, validation), `error`, `enums`, `body`
//! ([`RequestBody`]).
//!
//! ```
//! use ringside_acs_wire::*;
//!
//! // What the Python SDK sends to answer (Python never sends `kind`).
//! let answer = AnswerCallRequest::from_json(
//!     br#"{"incomingCallContext":"ctx","callbackUri":"https://app/cb","operationContext":"op"}"#,
//! )
//! .unwrap();
//! assert_eq!(answer.operation_context.as_deref(), Some("op"));
//!
//! // The CallConnected callback the door posts.
//! let mut data = CallAutomationEventData::CallConnected(CallConnected {
//!     operation_context: answer.operation_context.clone(),
//!     result_information: Some(ResultInformation::new(200, 0, "")),
//!     ..Default::default()
//! });
//! if let Some(common) = data.common_mut() {
//!     *common = EventCommon::new("leg-1", "server-call", "corr", "Microsoft.Communication.CallConnected");
//! }
//! let event = CallAutomationEvent::callback("e1", "leg-1", "2026-01-01T00:00:00Z", data);
//! let json = serde_json::to_value([&event]).unwrap();
//! assert_eq!(json[0]["type"], "Microsoft.Communication.CallConnected");
//! assert_eq!(json[0]["source"], "calling/callConnections/leg-1");
//! assert_eq!(json[0]["data"]["operationContext"], "op");
//! ```

#![warn(missing_docs)]

mod body;
mod callback_events;
mod enums;
mod envelope;
mod error;
mod eventgrid;
mod events;
mod identifier;
mod media;
mod media_requests;
mod models;
mod recording;
mod requests;
mod responses;
mod util;

pub use body::RequestBody;
pub use callback_events::{
    AddParticipantFailed, AddParticipantSucceeded, CallConnected, CallDisconnected,
    CallTransferAccepted, CallTransferFailed, CancelAddParticipantEvent,
    CancelAddParticipantFailed, CancelAddParticipantSucceeded, ChoiceResult,
    ContinuousDtmfRecognitionStopped, ContinuousDtmfRecognitionToneFailed,
    ContinuousDtmfRecognitionToneReceived, DtmfResult, EventCommon, HoldFailed,
    MediaStreamingEvent, MediaStreamingFailed, MediaStreamingStarted, MediaStreamingStopped,
    MediaStreamingUpdate, OperationEvent, ParticipantEvent, ParticipantsUpdated, PlayCanceled,
    PlayCompleted, PlayFailed, PlayStarted, RecognizeCanceled, RecognizeCompleted, RecognizeFailed,
    RecordingStateChanged, RemoveParticipantFailed, RemoveParticipantSucceeded,
    SendDtmfTonesCompleted, SendDtmfTonesFailed, SpeechResult, StartRecordingFailed,
};
pub use enums::{
    AudioFormat, CallConnectionState, CallLocatorKind, CallRejectReason,
    CommunicationCloudEnvironment, DtmfTone, IdentifierKind, MediaStreamingAudioChannelType,
    MediaStreamingContentType, MediaStreamingStatus, MediaStreamingStatusDetails, PlaySourceKind,
    RecognitionType, RecognizeInputType, RecordingChannelType, RecordingContentType,
    RecordingFormatType, RecordingKind, RecordingState, RecordingStorageKind,
    StreamingTransportType, SubscriptionState, TranscriptionResultType, VoiceKind, WireName,
};
pub use envelope::{acs_topic, CloudEvent, EventData, EventGridEvent, OtherEvent, JSON};
pub use error::{AcsErrorResponse, CommunicationError};
pub use eventgrid::{
    AcsEventGridData, IncomingCallEventData, SubscriptionValidationEventData,
    SubscriptionValidationResponse, INCOMING_CALL, RECORDING_FILE_STATUS_UPDATED,
    SUBSCRIPTION_VALIDATION,
};
pub use events::{CallAutomationEvent, CallAutomationEventData, EVENT_TYPE_PREFIX};
pub use identifier::{
    CommunicationIdentifierModel, CommunicationUserIdentifierModel,
    MicrosoftTeamsAppIdentifierModel, MicrosoftTeamsUserIdentifierModel,
    PhoneNumberIdentifierModel, TeamsExtensionUserIdentifierModel, PHONE_PREFIX, TEAMS_APP_PREFIX,
    TEAMS_USER_PREFIX,
};
pub use media::{
    Choice, DtmfOptions, FileSource, MediaStreamingOptions, PlayOptions, PlaySource,
    RecognizeOptions, SpeechOptions, SsmlSource, TextSource, TranscriptionOptions,
};
pub use media_requests::{
    ContinuousDtmfRecognitionRequest, HoldRequest, OperationContextRequest, PlayRequest,
    RecognizeRequest, SendDtmfTonesRequest, StartMediaStreamingRequest, StartTranscriptionRequest,
    StopMediaStreamingRequest, StopTranscriptionRequest, TranscriptionRequest, UnholdRequest,
    UpdateTranscriptionRequest,
};
pub use models::{
    CallIntelligenceOptions, CallLocator, CustomCallingContext, CustomContext, DiagnosticDetails,
    ResultInformation,
};
pub use recording::{
    ChannelAffinity, RecordingChunk, RecordingFileStatusUpdatedEventData, RecordingStateResponse,
    RecordingStorage, RecordingStorageInfo, StartCallRecordingRequest,
};
pub use requests::{
    AddParticipantRequest, AnswerCallRequest, CancelAddParticipantRequest, ConnectRequest,
    CreateCallRequest, MoveParticipantsRequest, MuteParticipantsRequest, RedirectCallRequest,
    RejectCallRequest, RemoveParticipantRequest, TransferToParticipantRequest,
};
pub use responses::{
    AddParticipantResponse, CallConnectionProperties, CallParticipant,
    CancelAddParticipantResponse, GetParticipantsResponse, MediaStreamingSubscription,
    MoveParticipantsResponse, MuteParticipantsResult, OperationContextResponse,
    RemoveParticipantResponse, SendDtmfTonesResult, TranscriptionSubscription,
    TransferCallResponse,
};
pub use util::field_names;
