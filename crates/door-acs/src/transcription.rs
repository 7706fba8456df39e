//! The ACS door's live transcription: `transcriptionOptions` on create/answer/connect, the
//! connection's transcription state (`transcriptionSubscription`), the TranscriptionStarted /
//! Stopped / Updated / Failed callbacks, and the WebSocket wire format ([`AcsTranscriptCodec`]:
//! `TranscriptionMetadata`, then a `TranscriptionData` per phrase). The socket and the recognizers
//! are the runtime's ([`ringside_runtime::transcription`]).

use std::collections::HashMap;
use std::sync::Arc;

use ringside_acs_wire::{StreamingTransportType, TranscriptionOptions};
use ringside_engine::LegId;
use ringside_runtime::streaming::codec::WireMessage;
use ringside_runtime::streaming::socket::MessageSpec;
use ringside_runtime::streaming::{StreamEvent, StreamEventKind};
use ringside_runtime::transcription::{
    Phrase, Transcriber, TranscriptCodec, Transcription, TranscriptionSpec,
};
use serde_json::{json, Value};

use crate::media_streaming::StreamAt;
use crate::wire::result;

/// The only locale the installed recognizer speaks.
pub(crate) const LOCALE: &str = "en-US";

/// 100-ns ticks per millisecond (offsets and durations on the wire).
const TICKS_PER_MS: u64 = 10_000;

/// Why transcription options or a request are not served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 400 `8523`.
    Invalid(String),
    /// 405 `8520`.
    NotSupported(String),
}

/// `transcriptionOptions` as Ringside serves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TranscribeOptions {
    pub(crate) url: String,
    pub(crate) locale: String,
    pub(crate) start: bool,
    pub(crate) intermediate: bool,
}

/// A custom speech model (either spelling) is refused; a locale other than en-US too.
pub(crate) fn check_speech(locale: Option<&str>, model: Option<&str>) -> Result<(), Refusal> {
    if model.is_some_and(|m| !m.trim().is_empty()) {
        return Err(Refusal::NotSupported(
            "Custom speech models (speechModelEndpointId)".into(),
        ));
    }
    match locale.map(str::trim) {
        None | Some("") => Ok(()),
        Some(l) if l.eq_ignore_ascii_case(LOCALE) => Ok(()),
        Some(other) => Err(Refusal::NotSupported(format!(
            "Transcription in '{other}' (only the en-US model is installed)"
        ))),
    }
}

/// Checks `transcriptionOptions` (read as its wire type).
pub(crate) fn options(given: &TranscriptionOptions) -> Result<TranscribeOptions, Refusal> {
    if let StreamingTransportType::Other(other) = &given.transport_type {
        return Err(Refusal::Invalid(format!(
            "transcriptionOptions.transportType '{other}' is not supported (websocket)."
        )));
    }
    let url = given
        .transport_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Refusal::Invalid("transcriptionOptions.transportUrl is required.".into()))?;
    if given.locale.trim().is_empty() {
        return Err(Refusal::Invalid(
            "transcriptionOptions.locale is required.".into(),
        ));
    }
    let model = given
        .speech_model_endpoint_id
        .as_deref()
        .or(given.speech_recognition_model_endpoint_id.as_deref());
    check_speech(Some(&given.locale), model)?;
    Ok(TranscribeOptions {
        url: url.to_string(),
        locale: LOCALE.into(),
        start: given.start_transcription.unwrap_or(false),
        intermediate: given.enable_intermediate_results.unwrap_or(false),
    })
}

/// A connection's transcription.
#[derive(Default)]
pub(crate) struct CallTranscription {
    pub(crate) options: Option<TranscribeOptions>,
    pub(crate) transcriber: Option<Transcriber>,
    /// The socket and recognizers, once started (until the socket ends).
    pub(crate) running: Option<Transcription>,
    pub(crate) connected: bool,
    pub(crate) active: bool,
    /// `operationContext` and `operationCallbackUri` of a start waiting for the socket.
    pub(crate) starting: Option<(String, Option<String>)>,
}

impl std::fmt::Debug for CallTranscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallTranscription")
            .field("options", &self.options)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl Clone for CallTranscription {
    /// The options only (a copy never owns the socket).
    fn clone(&self) -> CallTranscription {
        CallTranscription {
            options: self.options.clone(),
            transcriber: self.transcriber.clone(),
            ..CallTranscription::default()
        }
    }
}

/// A callback to send: event type, data, where.
pub(crate) type Callback = (&'static str, Value, Option<String>);

impl CallTranscription {
    /// `transcriptionSubscription` of CallConnectionProperties.
    pub(crate) fn subscription(&self, id: LegId) -> Value {
        let Some(options) = &self.options else {
            return json!({"id": id.to_string(), "state": "disabled", "subscribedResultTypes": ["final"]});
        };
        let types = if options.intermediate {
            json!(["final", "intermediate"])
        } else {
            json!(["final"])
        };
        json!({
            "id": id.to_string(),
            "state": if self.active { "active" } else { "inactive" },
            "subscribedResultTypes": types,
            "locale": options.locale,
        })
    }

    /// Starts transcribing (opening the socket the first time); TranscriptionStarted now when the
    /// socket is open, else when it opens. `Err` with the message of a refusal.
    pub(crate) fn start(
        &mut self,
        at: StreamAt,
        bearer: Option<String>,
        participants: HashMap<LegId, String>,
        context: String,
        callback: Option<String>,
    ) -> Result<Option<Callback>, String> {
        let options = self
            .options
            .clone()
            .ok_or("The call was not set up with transcriptionOptions.")?;
        if self.running.is_none() {
            let transcriber = self
                .transcriber
                .as_ref()
                .ok_or("Transcription is not available.")?;
            let spec = spec(&options, &at, bearer, participants);
            self.running = Some(transcriber.open(spec).map_err(|e| e.to_string())?);
            self.connected = false;
        }
        if let Some(running) = &self.running {
            running.start();
        }
        self.active = true;
        if self.connected {
            return Ok(Some(started(context, callback)));
        }
        self.starting = Some((context, callback));
        Ok(None)
    }

    /// Stops transcribing (the socket stays open): TranscriptionStopped.
    pub(crate) fn stop(&mut self, context: String, callback: Option<String>) -> Callback {
        if let Some(running) = &self.running {
            running.stop();
        }
        self.active = false;
        self.starting = None;
        let data = update(
            context,
            result(200, 0, "Action completed successfully."),
            "transcriptionStopped",
            "subscriptionStopped",
        );
        ("TranscriptionStopped", data, callback)
    }

    /// Names participant legs for the transcript (after a roster change).
    pub(crate) fn name_participants(&self, names: &[(LegId, String)]) {
        if let Some(running) = &self.running {
            for (leg, name) in names {
                running.name(*leg, name.clone());
            }
        }
    }

    /// The call ended: the socket closes after the last phrases.
    pub(crate) fn end(&mut self) {
        self.running = None;
        self.active = false;
        self.starting = None;
    }

    /// The callback a socket event becomes; `None` for another stream or nothing to say.
    pub(crate) fn on_socket(&mut self, event: &StreamEvent) -> Option<Callback> {
        if self.running.as_ref().map(|r| r.socket) != Some(event.stream) {
            return None;
        }
        match &event.kind {
            StreamEventKind::Connected => {
                self.connected = true;
                let (context, callback) = self.starting.take()?;
                Some(started(context, callback))
            }
            StreamEventKind::Failed { reason, .. } => {
                let details = if self.connected {
                    "streamConnectionInterrupted"
                } else {
                    "streamConnectionUnsuccessful"
                };
                let context = self.starting.take().map(|(c, _)| c).unwrap_or_default();
                self.end();
                self.connected = false;
                let data = update(
                    context,
                    result(500, 8581, reason),
                    "transcriptionFailed",
                    details,
                );
                Some(("TranscriptionFailed", data, None))
            }
            StreamEventKind::Stopped { .. } => {
                let was_active = self.active;
                self.end();
                self.connected = false;
                was_active.then(|| {
                    let data = update(
                        String::new(),
                        result(200, 0, "The transcription WebSocket was closed."),
                        "transcriptionStopped",
                        "subscriptionStopped",
                    );
                    ("TranscriptionStopped", data, None)
                })
            }
        }
    }
}

/// TranscriptionUpdated for an `:updateTranscription` that was accepted.
pub(crate) fn updated(context: String, callback: Option<String>) -> Callback {
    let data = update(
        context,
        result(200, 0, "Action completed successfully."),
        "transcriptionUpdated",
        "transcriptionLocaleUpdated",
    );
    ("TranscriptionUpdated", data, callback)
}

/// TranscriptionFailed for a start refused before any socket (the message says why).
pub(crate) fn refused(message: &str, context: String, callback: Option<String>) -> Callback {
    let data = update(
        context,
        result(400, 8581, message),
        "transcriptionFailed",
        "streamConnectionUnsuccessful",
    );
    ("TranscriptionFailed", data, callback)
}

fn started(context: String, callback: Option<String>) -> Callback {
    let data = update(
        context,
        result(200, 0, "Action completed successfully."),
        "transcriptionStarted",
        "subscriptionStarted",
    );
    ("TranscriptionStarted", data, callback)
}

fn update(
    context: String,
    info: ringside_acs_wire::ResultInformation,
    status: &str,
    details: &str,
) -> Value {
    json!({
        "operationContext": context,
        "resultInformation": info,
        "transcriptionUpdate": {
            "transcriptionStatus": status,
            "transcriptionStatusDetails": details,
        },
    })
}

fn spec(
    options: &TranscribeOptions,
    at: &StreamAt,
    bearer: Option<String>,
    participants: HashMap<LegId, String>,
) -> TranscriptionSpec {
    TranscriptionSpec {
        socket: MessageSpec {
            conversation: at.conversation,
            leg: at.leg,
            url: options.url.clone(),
            bearer,
            headers: vec![
                (
                    "x-ms-call-correlation-id".into(),
                    at.conversation.to_string(),
                ),
                ("x-ms-call-connection-id".into(), at.leg.to_string()),
            ],
            owner: crate::OWNER,
        },
        codec: Arc::new(AcsTranscriptCodec {
            subscription_id: at.leg.to_string(),
            call_connection_id: at.leg.to_string(),
            correlation_id: at.conversation.to_string(),
        }),
        locale: options.locale.clone(),
        intermediate: options.intermediate,
        participants,
    }
}

/// The ACS transcription frames.
pub(crate) struct AcsTranscriptCodec {
    /// `subscriptionId` (the connection id, as the transcription subscription's).
    pub(crate) subscription_id: String,
    /// `callConnectionId`.
    pub(crate) call_connection_id: String,
    /// `correlationId`.
    pub(crate) correlation_id: String,
}

impl TranscriptCodec for AcsTranscriptCodec {
    fn metadata(&self, locale: &str) -> WireMessage {
        WireMessage::Text(
            json!({
                "kind": "TranscriptionMetadata",
                "transcriptionMetadata": {
                    "subscriptionId": self.subscription_id,
                    "locale": locale,
                    "callConnectionId": self.call_connection_id,
                    "correlationId": self.correlation_id,
                },
            })
            .to_string(),
        )
    }

    fn phrase(&self, participant: &str, phrase: &Phrase) -> WireMessage {
        let words: Vec<Value> = phrase
            .words
            .iter()
            .map(|w| {
                json!({
                    "text": w.text,
                    "offset": u64::from(w.start_ms) * TICKS_PER_MS,
                    "duration": u64::from(w.end_ms.saturating_sub(w.start_ms)) * TICKS_PER_MS,
                })
            })
            .collect();
        let confidence = (f64::from(phrase.confidence.clamp(0.0, 1.0)) * 1000.0).round() / 1000.0;
        WireMessage::Text(
            json!({
                "kind": "TranscriptionData",
                "transcriptionData": {
                    "text": phrase.text,
                    "format": "display",
                    "confidence": confidence,
                    "offset": phrase.offset_ms.saturating_mul(TICKS_PER_MS),
                    "duration": phrase.duration_ms.saturating_mul(TICKS_PER_MS),
                    "words": words,
                    "participantRawID": participant,
                    "resultStatus": if phrase.is_final { "Final" } else { "Intermediate" },
                },
            })
            .to_string(),
        )
    }
}

#[cfg(test)]
#[path = "transcription_tests.rs"]
mod tests;
