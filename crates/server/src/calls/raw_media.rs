//! Ringside raw media for Graph app-hosted media (docs/app-hosted-media.md): which
//! `appHostedMediaConfig.blob`s name a transport (`{"transportUrl": "wss://…"}`), and the stream
//! spec (platform-signed JWT, raw-media dialect, mixed 16 kHz) the runtime hands to the streaming
//! service ([`crate::streaming`]) once the bot's call is established. The service carries it:
//! address rules, connecting, frames both ways, `stop` and close when the call ends.

use std::collections::HashMap;

use ringside_engine::{ConversationId, LegId};

use crate::outbox::TokenSigner;
use crate::streaming::{Dialect, StreamChannel, StreamOwner, StreamRate, StreamSpec};

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

/// Mints the upgrade tokens of Graph raw-media streams. Owned by the call runtime's doors.
pub(crate) struct RawMedia {
    signer: TokenSigner,
}

/// What the runtime knows about one app-hosted call when it is established.
pub(crate) struct RawStart {
    pub(crate) conversation: ConversationId,
    pub(crate) leg: LegId,
    pub(crate) url: String,
    pub(crate) app: String,
    pub(crate) tenant: String,
}

impl RawMedia {
    /// Signs upgrade requests with `signer` (the notification token: `aud` the app, `tid` the tenant).
    pub(crate) fn new(signer: TokenSigner) -> RawMedia {
        RawMedia { signer }
    }

    /// The stream to start for an established app-hosted call.
    pub(crate) fn spec(&self, start: RawStart) -> StreamSpec {
        StreamSpec {
            conversation: start.conversation,
            leg: start.leg,
            url: start.url,
            dialect: Dialect::GraphRawMedia {
                call_id: start.leg.to_string(),
                call_chain_id: start.conversation.to_string(),
            },
            channel: StreamChannel::Mixed,
            rate: StreamRate::Khz16,
            bidirectional: true,
            bearer: self.signer.token(&start.app, &start.tenant).ok(),
            headers: Vec::new(),
            participants: HashMap::new(),
            owner: StreamOwner::Graph,
        }
    }
}

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
