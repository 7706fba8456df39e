//! Ringside raw media for Graph app-hosted media (docs/app-hosted-media.md): which
//! `appHostedMediaConfig.blob`s name a transport (`{"transportUrl": "wss://…"}`), and the
//! stream (platform-signed JWT, raw-media codec, mixed 16 kHz) the door starts on the streaming
//! service ([`ringside_runtime::streaming`]) once the bot's call is established. The service carries it:
//! address rules, connecting, frames both ways, `stop` and close when the call ends.

use std::collections::HashMap;
use std::sync::Arc;

use ringside_engine::{LegId, LegState};

use super::calls::call::GraphCall;
use ringside_runtime::outbox::TokenSigner;
use ringside_runtime::streaming::{
    StreamChannel, StreamEvent, StreamEventKind, StreamId, StreamRate, StreamService, StreamSpec,
};

/// Where the bot's media goes: the `transportUrl` of an `appHostedMediaConfig.blob`, if the blob
/// is Ringside raw media (a JSON object with a `ws://`/`wss://` `transportUrl`).
pub(crate) fn transport_url(blob: Option<&str>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(blob?).ok()?;
    let url = value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("transportUrl"))?
        .1
        .as_str()?
        .trim();
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "ws" | "wss").then(|| url.to_string())
}

/// Graph app-hosted media: starts a call's raw-media stream when the call is established and stops
/// it when the call ends. Owned by the Graph door ([`super::calls::GraphCalls`]).
pub struct RawMedia {
    signer: TokenSigner,
    streams: Arc<StreamService>,
    /// Running streams by bot leg.
    running: HashMap<LegId, StreamId>,
}

impl RawMedia {
    /// Signs upgrade requests with `signer` (the notification token: `aud` the app, `tid` the
    /// tenant) and starts streams on `streams`.
    pub fn new(signer: TokenSigner, streams: Arc<StreamService>) -> RawMedia {
        RawMedia {
            signer,
            streams,
            running: HashMap::new(),
        }
    }

    /// Follows a Graph call's state: an established app-hosted call whose blob names a transport
    /// gets its media connection; a terminated call's connection stops.
    pub(crate) fn follow(&mut self, call: &GraphCall, state: LegState) {
        if state.is_terminated() {
            if let Some(stream) = self.running.remove(&call.id) {
                self.streams.stop(stream, "callEnded");
            }
            return;
        }
        if state != LegState::Established || self.running.contains_key(&call.id) {
            return;
        }
        let Some(ringside_graph_wire::MediaConfig::AppHosted(config)) = &call.media_config else {
            return;
        };
        let Some(url) = transport_url(config.blob.as_deref()) else {
            return;
        };
        match self.streams.start(self.spec(call, url)) {
            Ok(stream) => {
                self.running.insert(call.id, stream);
            }
            Err(error) => tracing::info!(%error, "app-hosted media: no media connection"),
        }
    }

    /// A stream that failed or stopped is no longer running.
    pub(crate) fn stream_event(&mut self, event: &StreamEvent) {
        if !matches!(event.kind, StreamEventKind::Connected) {
            self.running.retain(|_, stream| *stream != event.stream);
        }
    }

    /// The stream to start for an established app-hosted call.
    fn spec(&self, call: &GraphCall, url: String) -> StreamSpec {
        StreamSpec {
            conversation: call.conversation,
            leg: call.id,
            url,
            codec: Arc::new(super::stream_wire::RawMediaCodec {
                call_id: call.id.to_string(),
                call_chain_id: call.conversation.to_string(),
            }),
            channel: StreamChannel::Mixed,
            rate: StreamRate::Khz16,
            bidirectional: true,
            bearer: self
                .signer
                .token(&call.bot.app.to_string(), &call.tenant.to_string())
                .ok(),
            headers: Vec::new(),
            participants: HashMap::new(),
            owner: OWNER,
        }
    }
}

/// The owner tag of Graph raw-media streams.
pub(crate) const OWNER: &str = "graph";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ringside_raw_media_blobs_name_a_transport() {
        assert_eq!(
            transport_url(Some(r#"{"transportUrl": "wss://bot.example/media"}"#)).as_deref(),
            Some("wss://bot.example/media")
        );
        assert_eq!(
            transport_url(Some(r#"{"TransportURL": "ws://127.0.0.1:9/m"}"#)).as_deref(),
            Some("ws://127.0.0.1:9/m")
        );
        for blob in [
            None,
            Some(""),
            Some("<media session xml>"),
            Some(r#"{"transportUrl": "https://bot.example"}"#),
            Some(r#"{"transportUrl": 5}"#),
            Some("[1]"),
        ] {
            assert_eq!(transport_url(blob), None, "{blob:?}");
        }
    }
}
