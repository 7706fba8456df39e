//! The `data` of every Call Automation callback event (digest §4.3), one struct per shape.
//!
//! Each flattens [`EventCommon`] (`callConnectionId`, `serverCallId`, `correlationId`,
//! `publicEventType`, `version`). Optional members are omitted when `None`, except those the door
//! writes as `null` when it has no value — each says so ("written as `null`").

use serde::{Deserialize, Serialize};

use crate::enums::{
    opt_pascal, DtmfTone, MediaStreamingContentType, MediaStreamingStatus,
    MediaStreamingStatusDetails, RecognitionType, RecordingKind, RecordingState,
};
use crate::identifier::CommunicationIdentifierModel;
use crate::models::ResultInformation;
use crate::responses::CallParticipant;

/// The members every callback event carries (the door adds the first four to each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventCommon {
    /// The connection the event is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    /// The call's server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The call's correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The envelope's type again (`Microsoft.Communication.<Name>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_event_type: Option<String>,
    /// An api-version (the real service adds it to some events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl EventCommon {
    /// The four members the door sets on every callback.
    pub fn new(
        call_connection_id: &str,
        server_call_id: &str,
        correlation_id: &str,
        event_type: &str,
    ) -> Self {
        EventCommon {
            call_connection_id: Some(call_connection_id.to_owned()),
            server_call_id: Some(server_call_id.to_owned()),
            correlation_id: Some(correlation_id.to_owned()),
            public_event_type: Some(event_type.to_owned()),
            version: None,
        }
    }
}

/// Defines an event data struct: [`EventCommon`] flattened, then the given members.
macro_rules! event_data {
    ($(#[$meta:meta])* $name:ident $(: $eq:ident)? { $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, $($eq,)? Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The members every callback event carries.
            #[serde(flatten)]
            pub common: EventCommon,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }
    };
}

event_data! {
    /// An operation's outcome: `operationContext` and `resultInformation` (both omitted when
    /// `None`). The data of CallDisconnected, CreateCallFailed, AnswerFailed, ConnectFailed,
    /// PlayStarted, PlayCompleted, PlayCanceled, RecognizeCanceled, ContinuousDtmfRecognitionStopped,
    /// ContinuousDtmfRecognitionToneFailed, SendDtmfTonesCompleted/Failed and HoldFailed.
    OperationEvent: Eq {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
    }
}

event_data! {
    /// CallConnected.
    CallConnected: Eq {
        /// The setup request's operationContext; written as `null` when it gave none.
        #[serde(default)]
        operation_context: Option<String>,
        /// The outcome (the door: 200/0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
    }
}

event_data! {
    /// CallTransferAccepted.
    CallTransferAccepted: Eq {
        /// The transfer's operationContext; written as `null` when unknown.
        #[serde(default)]
        operation_context: Option<String>,
        /// The outcome (the door: 200/7015).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Where the call went; written as `null` when unknown.
        #[serde(default)]
        transfer_target: Option<CommunicationIdentifierModel>,
        /// Who was transferred; written as `null` for a 1:1 transfer.
        #[serde(default)]
        transferee: Option<CommunicationIdentifierModel>,
    }
}

event_data! {
    /// CallTransferFailed.
    CallTransferFailed: Eq {
        /// The transfer's operationContext; written as `null` when unknown.
        #[serde(default)]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
    }
}

event_data! {
    /// ParticipantsUpdated (the connection's own leg is not listed).
    ParticipantsUpdated: Eq {
        /// Increases with each roster change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sequence_number: Option<i64>,
        /// The roster (always written).
        #[serde(default)]
        participants: Vec<CallParticipant>,
        /// Not in the model; kept if the service sends it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// Not written by the door.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
    }
}

event_data! {
    /// AddParticipantSucceeded/Failed and RemoveParticipantSucceeded/Failed.
    ParticipantEvent: Eq {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Whom it concerns; written as `null` when unknown.
        #[serde(default)]
        participant: Option<CommunicationIdentifierModel>,
    }
}

event_data! {
    /// CancelAddParticipantSucceeded/Failed.
    CancelAddParticipantEvent: Eq {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// The cancelled invitation; written as `null` when unknown.
        #[serde(default)]
        invitation_id: Option<String>,
    }
}

event_data! {
    /// PlayFailed.
    PlayFailed: Eq {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Which play source failed (the door: 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed_play_source_index: Option<i32>,
    }
}

event_data! {
    /// RecognizeCompleted.
    RecognizeCompleted {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome (200/8531 max tones, 8514 stop tone, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// `dtmf`, `speech` or `choices`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recognition_type: Option<RecognitionType>,
        /// The tones collected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dtmf_result: Option<DtmfResult>,
        /// The choice matched.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choice_result: Option<ChoiceResult>,
        /// The speech recognized.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speech_result: Option<SpeechResult>,
    }
}

/// `dtmfResult` of RecognizeCompleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DtmfResult {
    /// The tones, by name.
    #[serde(default)]
    pub tones: Vec<DtmfTone>,
}

/// `choiceResult` of RecognizeCompleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceResult {
    /// The label of the choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What was said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recognized_phrase: Option<String>,
    /// Confidence, 0–1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// `speechResult` of RecognizeCompleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeechResult {
    /// What was said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    /// Confidence, 0–1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

event_data! {
    /// RecognizeFailed.
    RecognizeFailed: Eq {
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome (400/8510 silence, 8532 inter-tone timeout, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Which prompt failed (not written by the door).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed_play_source_index: Option<i32>,
    }
}

event_data! {
    /// ContinuousDtmfRecognitionToneReceived.
    ContinuousDtmfRecognitionToneReceived: Eq {
        /// Order of the tone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sequence_id: Option<i64>,
        /// The tone, by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tone: Option<DtmfTone>,
        /// The outcome (the door: 200/0, empty message).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Not written by the door.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
    }
}

event_data! {
    /// MediaStreamingStarted, MediaStreamingStopped and MediaStreamingFailed.
    MediaStreamingEvent: Eq {
        /// The start/stop request's operationContext; written as `null` when none.
        #[serde(default)]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// What happened to the stream.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_streaming_update: Option<MediaStreamingUpdate>,
    }
}

/// `mediaStreamingUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaStreamingUpdate {
    /// Written `Audio`, as the door does (any case on input).
    #[serde(
        default,
        serialize_with = "opt_pascal",
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<MediaStreamingContentType>,
    /// Started, stopped or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_status: Option<MediaStreamingStatus>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_streaming_status_details: Option<MediaStreamingStatusDetails>,
}

event_data! {
    /// RecordingStateChanged (to `recordingStateCallbackUri` or the connection's callback).
    RecordingStateChanged: Eq {
        /// The recording.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_id: Option<String>,
        /// `active` or `inactive`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<RecordingState>,
        /// ISO 8601 start of the recording.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_date_time: Option<String>,
        /// `azureCommunicationServices`, `teams` or `teamsCompliance`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_kind: Option<RecordingKind>,
        /// The outcome (the door: 200/0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
        /// Not in the model; kept if the service sends it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
    }
}

event_data! {
    /// StartRecordingFailed (not written by the door).
    StartRecordingFailed: Eq {
        /// The recording.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_id: Option<String>,
        /// The request's operationContext.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_context: Option<String>,
        /// The outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_information: Option<ResultInformation>,
    }
}

/// CallDisconnected (the door writes only `resultInformation`).
pub type CallDisconnected = OperationEvent;
/// PlayStarted.
pub type PlayStarted = OperationEvent;
/// PlayCompleted.
pub type PlayCompleted = OperationEvent;
/// PlayCanceled.
pub type PlayCanceled = OperationEvent;
/// RecognizeCanceled.
pub type RecognizeCanceled = OperationEvent;
/// ContinuousDtmfRecognitionStopped.
pub type ContinuousDtmfRecognitionStopped = OperationEvent;
/// ContinuousDtmfRecognitionToneFailed (not written by the door).
pub type ContinuousDtmfRecognitionToneFailed = OperationEvent;
/// SendDtmfTonesCompleted.
pub type SendDtmfTonesCompleted = OperationEvent;
/// SendDtmfTonesFailed.
pub type SendDtmfTonesFailed = OperationEvent;
/// HoldFailed.
pub type HoldFailed = OperationEvent;
/// AddParticipantSucceeded.
pub type AddParticipantSucceeded = ParticipantEvent;
/// AddParticipantFailed.
pub type AddParticipantFailed = ParticipantEvent;
/// RemoveParticipantSucceeded.
pub type RemoveParticipantSucceeded = ParticipantEvent;
/// RemoveParticipantFailed.
pub type RemoveParticipantFailed = ParticipantEvent;
/// CancelAddParticipantSucceeded.
pub type CancelAddParticipantSucceeded = CancelAddParticipantEvent;
/// CancelAddParticipantFailed.
pub type CancelAddParticipantFailed = CancelAddParticipantEvent;
/// MediaStreamingStarted.
pub type MediaStreamingStarted = MediaStreamingEvent;
/// MediaStreamingStopped.
pub type MediaStreamingStopped = MediaStreamingEvent;
/// MediaStreamingFailed.
pub type MediaStreamingFailed = MediaStreamingEvent;
