//! Media models (digest §2.3, §6.4, §6.5): PlaySource (file, text, SSML), playOptions,
//! recognizeOptions with its DTMF, choice and speech options, MediaStreamingOptions and
//! TranscriptionOptions.

use serde::{Deserialize, Serialize};

use crate::enums::{
    AudioFormat, DtmfTone, MediaStreamingAudioChannelType, MediaStreamingContentType,
    PlaySourceKind, StreamingTransportType, VoiceKind,
};
use crate::identifier::CommunicationIdentifierModel;
use crate::util::seconds;

/// `PlaySource`: `kind` plus the matching sub-object. Without `kind` the door assumes `file`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaySource {
    /// `file`, `text` or `ssml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<PlaySourceKind>,
    /// Cache key of the prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play_source_cache_id: Option<String>,
    /// An audio file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSource>,
    /// Text to speak.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextSource>,
    /// SSML to speak.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssml: Option<SsmlSource>,
}

impl PlaySource {
    /// A file source (`{"kind": "file", "file": {"uri": …}}`).
    pub fn file(uri: &str) -> Self {
        PlaySource {
            kind: Some(PlaySourceKind::File),
            file: Some(FileSource {
                uri: uri.to_owned(),
            }),
            ..Default::default()
        }
    }

    /// `kind`, or `file` when absent (the door's default).
    pub fn effective_kind(&self) -> PlaySourceKind {
        self.kind.clone().unwrap_or(PlaySourceKind::File)
    }
}

/// `file` of a PlaySource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSource {
    /// The audio's URL.
    pub uri: String,
}

/// `text` of a PlaySource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextSource {
    /// What to say.
    pub text: String,
    /// Locale, e.g. `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_locale: Option<String>,
    /// `male` or `female`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_kind: Option<VoiceKind>,
    /// A neural voice name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_name: Option<String>,
    /// A custom voice endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_voice_endpoint_id: Option<String>,
}

/// `ssml` of a PlaySource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmlSource {
    /// The SSML document.
    pub ssml_text: String,
    /// A custom voice endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_voice_endpoint_id: Option<String>,
}

/// `playOptions` of `:play`. `loop` is required by the schema; an absent one reads as `false`
/// (the door's reading) and it is always written (both SDKs always send it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayOptions {
    /// Repeat until cancelled.
    #[serde(rename = "loop", default)]
    pub loop_: bool,
}

/// `recognizeOptions` of `:recognize`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognizeOptions {
    /// Whose input is collected (required).
    pub target_participant: CommunicationIdentifierModel,
    /// Input stops the prompt (the door's default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupt_prompt: Option<bool>,
    /// Seconds of silence before giving up (0–300; the door reads fractions, default 5).
    #[serde(default, with = "seconds", skip_serializing_if = "Option::is_none")]
    pub initial_silence_timeout_in_seconds: Option<f64>,
    /// Speech locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_language: Option<String>,
    /// Custom speech model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_recognition_model_endpoint_id: Option<String>,
    /// DTMF collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtmf_options: Option<DtmfOptions>,
    /// Choices to match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// Speech options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_options: Option<SpeechOptions>,
}

/// `dtmfOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtmfOptions {
    /// Seconds between tones (1–60; the door reads fractions, default 2).
    #[serde(default, with = "seconds", skip_serializing_if = "Option::is_none")]
    pub inter_tone_timeout_in_seconds: Option<f64>,
    /// How many tones to collect (the door: 1–64, default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tones_to_collect: Option<u64>,
    /// Tones that end collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_tones: Option<Vec<DtmfTone>>,
}

/// One of `choices`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What a match reports.
    pub label: String,
    /// Phrases that match.
    pub phrases: Vec<String>,
    /// A tone that matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone: Option<DtmfTone>,
}

/// `speechOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechOptions {
    /// Silence that ends an utterance, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_silence_timeout_in_ms: Option<u64>,
}

/// `mediaStreamingOptions` of create/answer/connect (WebSocket media streaming).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaStreamingOptions {
    /// `websocket` (required).
    pub transport_type: StreamingTransportType,
    /// `mixed` or `unmixed` (required).
    pub audio_channel_type: MediaStreamingAudioChannelType,
    /// The app's `wss://` URL (the door requires a non-blank one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_url: Option<String>,
    /// `audio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<MediaStreamingContentType>,
    /// Start when the call connects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_media_streaming: Option<bool>,
    /// The app may send audio back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_bidirectional: Option<bool>,
    /// `pcm16KMono` (default) or `pcm24KMono`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_format: Option<AudioFormat>,
    /// Send key presses on the socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dtmf_tones: Option<bool>,
}

/// `transcriptionOptions` of create/answer/connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionOptions {
    /// `websocket` (required).
    pub transport_type: StreamingTransportType,
    /// Locale, e.g. `en-US` (required).
    pub locale: String,
    /// The app's `wss://` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_url: Option<String>,
    /// Custom speech model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_model_endpoint_id: Option<String>,
    /// Custom speech model, as the Python SDK names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_recognition_model_endpoint_id: Option<String>,
    /// Start when the call connects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_transcription: Option<bool>,
    /// Send intermediate results too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_intermediate_results: Option<bool>,
}
