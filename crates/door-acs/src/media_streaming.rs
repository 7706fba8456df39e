//! The ACS door's media streaming (reference digest §6): `mediaStreamingOptions` on create/answer/
//! connect, `:startMediaStreaming`/`:stopMediaStreaming`, auto-start when the call connects, DTMF
//! to the socket, and MediaStreamingStarted/Stopped/Failed callbacks rendered from the streaming
//! service's events. The socket itself is [`ringside_runtime::streaming`]'s (ACS dialect).

use std::collections::HashMap;
use std::sync::Arc;

use ringside_acs_wire::{
    AudioFormat, MediaStreamingAudioChannelType, MediaStreamingContentType, MediaStreamingOptions,
    StreamingTransportType,
};
use ringside_engine::{ConversationId, LegId};

use serde_json::{json, Value};

use ringside_runtime::outbox::TokenSigner;
use ringside_runtime::streaming::{
    StreamChannel, StreamEvent, StreamEventKind, StreamId, StreamRate, StreamService, StreamSpec,
};

use crate::wire::result;

/// `mediaStreamingOptions` as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreamingOptions {
    pub(crate) url: String,
    pub(crate) channel: StreamChannel,
    pub(crate) rate: StreamRate,
    pub(crate) bidirectional: bool,
    pub(crate) dtmf: bool,
    pub(crate) start: bool,
}

/// Where a connection's stream belongs: its conversation and leg, and the ACS resource and tenant
/// its upgrade request's token names.
#[derive(Debug, Clone)]
pub(crate) struct StreamAt {
    pub(crate) conversation: ConversationId,
    pub(crate) leg: LegId,
    pub(crate) resource: String,
    pub(crate) tenant: String,
}

/// A connection's streaming state.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallStreaming {
    pub(crate) options: Option<StreamingOptions>,
    pub(crate) stream: Option<StreamId>,
    pub(crate) active: bool,
    /// `operationContext` / `operationCallbackUri` of the start or stop in progress.
    pub(crate) context: Option<String>,
    pub(crate) callback: Option<String>,
}

/// Checks `mediaStreamingOptions` (read as its wire type) and takes what Ringside streams; the
/// message says what is wrong.
pub(crate) fn options(given: &MediaStreamingOptions) -> Result<StreamingOptions, String> {
    if let StreamingTransportType::Other(other) = &given.transport_type {
        return Err(format!(
            "mediaStreamingOptions.transportType '{other}' is not supported (websocket)."
        ));
    }
    let url = given
        .transport_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or("mediaStreamingOptions.transportUrl is required.")?
        .trim()
        .to_string();
    let channel = match &given.audio_channel_type {
        MediaStreamingAudioChannelType::Mixed => StreamChannel::Mixed,
        MediaStreamingAudioChannelType::Unmixed => StreamChannel::Unmixed,
        MediaStreamingAudioChannelType::Other(other) => {
            return Err(format!(
                "mediaStreamingOptions.audioChannelType '{other}' is not mixed or unmixed."
            ))
        }
    };
    if let Some(MediaStreamingContentType::Other(other)) = &given.content_type {
        return Err(format!(
            "mediaStreamingOptions.contentType '{other}' is not supported (audio)."
        ));
    }
    let rate = match &given.audio_format {
        None | Some(AudioFormat::Pcm16KMono) => StreamRate::Khz16,
        Some(AudioFormat::Pcm24KMono) => StreamRate::Khz24,
        Some(AudioFormat::Other(other)) => {
            return Err(format!(
                "mediaStreamingOptions.audioFormat '{other}' is not pcm16KMono or pcm24KMono."
            ))
        }
    };
    Ok(StreamingOptions {
        url,
        channel,
        rate,
        bidirectional: given.enable_bidirectional.unwrap_or(false),
        dtmf: given.enable_dtmf_tones.unwrap_or(false),
        start: given.start_media_streaming.unwrap_or(false),
    })
}

/// The streaming service and the token signer, for the ACS door.
pub(crate) struct AcsMedia {
    streams: Arc<StreamService>,
    signer: TokenSigner,
}

impl AcsMedia {
    pub(crate) fn new(streams: Arc<StreamService>, signer: TokenSigner) -> AcsMedia {
        AcsMedia { streams, signer }
    }

    /// Starts the connection's stream with its options, naming participant legs by rawId; the
    /// message says why not.
    pub(crate) fn start(
        &self,
        streaming: &mut CallStreaming,
        at: StreamAt,
        participants: HashMap<LegId, String>,
    ) -> Result<(), String> {
        let options = streaming
            .options
            .clone()
            .ok_or("The call has no mediaStreamingOptions.")?;
        if streaming.stream.is_some() {
            return Err("Media streaming is already started.".into());
        }
        let spec = StreamSpec {
            conversation: at.conversation,
            leg: at.leg,
            url: options.url,
            codec: std::sync::Arc::new(super::stream_wire::AcsCodec {
                subscription_id: at.leg.to_string(),
            }),
            channel: options.channel,
            rate: options.rate,
            bidirectional: options.bidirectional,
            bearer: self.signer.token(&at.resource, &at.tenant).ok(),
            headers: vec![
                (
                    "x-ms-call-correlation-id".into(),
                    at.conversation.to_string(),
                ),
                ("x-ms-call-connection-id".into(), at.leg.to_string()),
            ],
            participants,
            owner: super::OWNER,
        };
        let id = self.streams.start(spec).map_err(|e| e.to_string())?;
        streaming.stream = Some(id);
        Ok(())
    }

    /// The upgrade request's token for a socket of the connection at `at`.
    pub(crate) fn bearer(&self, at: &StreamAt) -> Option<String> {
        self.signer.token(&at.resource, &at.tenant).ok()
    }

    /// Stops the connection's stream; `false` when none is running.
    pub(crate) fn stop(&self, streaming: &CallStreaming, reason: &str) -> bool {
        match streaming.stream {
            Some(id) => self.streams.stop(id, reason),
            None => false,
        }
    }

    /// Names participant legs (rawIds) for the call's unmixed frames (after a roster change).
    pub(crate) fn name_participants(&self, streaming: &CallStreaming, names: &[(LegId, String)]) {
        if let Some(id) = streaming.stream {
            for (leg, name) in names {
                self.streams.name_participant(id, *leg, name.clone());
            }
        }
    }

    /// A key press for the connection's stream (when it asked for DTMF).
    pub(crate) fn dtmf(&self, streaming: &CallStreaming, tone: char) {
        if let (Some(id), Some(options)) = (streaming.stream, &streaming.options) {
            if options.dtmf {
                self.streams.dtmf(id, tone);
            }
        }
    }
}

/// The callback a stream event becomes (event type and data), updating the connection's
/// streaming state; `None` for an event about a stream the connection no longer has.
pub(crate) fn render(
    streaming: &mut CallStreaming,
    event: &StreamEvent,
) -> Option<(&'static str, Value)> {
    if streaming.stream != Some(event.stream) {
        return None;
    }
    let context = streaming.context.take();
    let (kind, status, details, info) = match &event.kind {
        StreamEventKind::Connected => {
            streaming.active = true;
            (
                "MediaStreamingStarted",
                "mediaStreamingStarted",
                "subscriptionStarted",
                result(200, 0, "Action completed successfully."),
            )
        }
        StreamEventKind::Stopped { .. } => {
            streaming.active = false;
            streaming.stream = None;
            (
                "MediaStreamingStopped",
                "mediaStreamingStopped",
                "subscriptionStopped",
                result(200, 0, "Action completed successfully."),
            )
        }
        StreamEventKind::Failed { reason, .. } => {
            let details = if streaming.active {
                "streamConnectionInterrupted"
            } else {
                "initialWebSocketConnectionFailed"
            };
            streaming.active = false;
            streaming.stream = None;
            (
                "MediaStreamingFailed",
                "mediaStreamingFailed",
                details,
                result(500, 8603, reason),
            )
        }
    };
    Some((
        kind,
        json!({
            "operationContext": context,
            "resultInformation": info,
            "mediaStreamingUpdate": {
                "contentType": "Audio",
                "mediaStreamingStatus": status,
                "mediaStreamingStatusDetails": details,
            },
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mediaStreamingOptions` as a create/answer/connect body carries them.
    fn parse_options(value: &Value) -> Result<StreamingOptions, String> {
        let given: MediaStreamingOptions =
            serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        options(&given)
    }

    #[test]
    fn options_are_read_as_documented() {
        let options = parse_options(&json!({
            "transportType": "websocket",
            "audioChannelType": "unmixed",
            "transportUrl": "wss://app.example.com/ws",
            "contentType": "audio",
            "startMediaStreaming": true,
            "enableBidirectional": true,
            "audioFormat": "pcm24KMono",
            "enableDtmfTones": true,
        }))
        .expect("valid");
        assert_eq!(options.channel, StreamChannel::Unmixed);
        assert_eq!(options.rate, StreamRate::Khz24);
        assert!(options.start && options.bidirectional && options.dtmf);
        let minimal = parse_options(&json!({
            "transportType": "websocket", "audioChannelType": "mixed", "transportUrl": "wss://a/b"
        }))
        .expect("valid");
        assert_eq!(minimal.rate, StreamRate::Khz16);
        assert!(!minimal.start && !minimal.bidirectional);
        for bad in [
            json!("x"),
            json!({"audioChannelType": "mixed", "transportUrl": "wss://a"}),
            json!({"transportType": "grpc", "audioChannelType": "mixed", "transportUrl": "wss://a"}),
            json!({"transportType": "websocket", "transportUrl": "wss://a"}),
            json!({"transportType": "websocket", "audioChannelType": "stereo", "transportUrl": "wss://a"}),
            json!({"transportType": "websocket", "audioChannelType": "mixed"}),
            json!({"transportType": "websocket", "audioChannelType": "mixed", "transportUrl": "wss://a", "audioFormat": "mp3"}),
            json!({"transportType": "websocket", "audioChannelType": "mixed", "transportUrl": "wss://a", "startMediaStreaming": "yes"}),
        ] {
            assert!(parse_options(&bad).is_err(), "{bad}");
        }
    }
}
