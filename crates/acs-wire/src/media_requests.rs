//! Request bodies of the call-media operations (digest §2.3): play (and play to all), recognize,
//! continuous DTMF, send DTMF tones, hold/unhold, media streaming and transcription start/stop/
//! update. `:cancelAllMediaOperations` has no body.

use serde::{Deserialize, Serialize};

use crate::enums::{DtmfTone, RecognizeInputType};
use crate::identifier::CommunicationIdentifierModel;
use crate::media::{PlayOptions, PlaySource, RecognizeOptions};
use crate::util::one_or_many;

/// `POST …/{callConnectionId}:play`. "Play to all" is `playTo: []` (or no `playTo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    /// What to play (required; a lone object reads as a list of one, as the door reads it).
    #[serde(deserialize_with = "one_or_many::deserialize")]
    pub play_sources: Vec<PlaySource>,
    /// Who hears it; empty or absent: everyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_to: Option<Vec<CommunicationIdentifierModel>>,
    /// Barge in on running media operations (Python sends it, JS only for playToAll).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupt_call_media_operation: Option<bool>,
    /// Looping (both SDKs always send it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_options: Option<PlayOptions>,
    /// Echoed by PlayStarted/Completed/Failed/Canceled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:recognize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognizeRequest {
    /// `dtmf`, `speech`, `speechOrDtmf` or `choices` (required).
    pub recognize_input_type: RecognizeInputType,
    /// One prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_prompt: Option<PlaySource>,
    /// Several prompts (a lone object reads as a list of one).
    #[serde(
        default,
        deserialize_with = "one_or_many::option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub play_prompts: Option<Vec<PlaySource>>,
    /// Barge in on running media operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupt_call_media_operation: Option<bool>,
    /// What to collect and from whom (required).
    pub recognize_options: RecognizeOptions,
    /// Echoed by RecognizeCompleted/Failed/Canceled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

impl RecognizeRequest {
    /// The prompts: `playPrompts` when present, else `playPrompt` (the door's precedence).
    pub fn prompts(&self) -> Vec<&PlaySource> {
        match &self.play_prompts {
            Some(list) => list.iter().collect(),
            None => self.play_prompt.iter().collect(),
        }
    }
}

/// `POST …/{callConnectionId}:startContinuousDtmfRecognition` and `:stop…` (same body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContinuousDtmfRecognitionRequest {
    /// Whose keys (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Echoed by ContinuousDtmfRecognitionStopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go (Python's start does not send it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:sendDtmfTones`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendDtmfTonesRequest {
    /// The tones (required; the door takes 1 to 18).
    pub tones: Vec<DtmfTone>,
    /// Who hears them (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Echoed in the response and by SendDtmfTonesCompleted/Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:hold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldRequest {
    /// Who is put on hold (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Music on hold (one source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_source_info: Option<PlaySource>,
    /// Echoed by HoldFailed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:unhold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnholdRequest {
    /// Who is taken off hold (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Correlation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// The body of `:startMediaStreaming`, `:stopMediaStreaming` and `:stopTranscription` (the SDKs
/// always send one, possibly `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationContextRequest {
    /// Echoed by the operation's events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:startMediaStreaming`.
pub type StartMediaStreamingRequest = OperationContextRequest;
/// `POST …/{callConnectionId}:stopMediaStreaming`.
pub type StopMediaStreamingRequest = OperationContextRequest;
/// `POST …/{callConnectionId}:stopTranscription`.
pub type StopTranscriptionRequest = OperationContextRequest;

/// `POST …/{callConnectionId}:startTranscription` and `:updateTranscription` (same members).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionRequest {
    /// Locale, e.g. `en-US` (the SDKs always send it on update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Custom speech model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_model_endpoint_id: Option<String>,
    /// Custom speech model, as the Python SDK names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_recognition_model_endpoint_id: Option<String>,
    /// Echoed by the Transcription* events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    /// Where this operation's events go instead of the callback URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `POST …/{callConnectionId}:startTranscription`.
pub type StartTranscriptionRequest = TranscriptionRequest;
/// `POST …/{callConnectionId}:updateTranscription`.
pub type UpdateTranscriptionRequest = TranscriptionRequest;
