//! Ringside raw media, the wire format for Graph `appHostedMediaConfig` bots (the Windows media SDK
//! does not exist here; contract in docs/app-hosted-media.md): a `start` text message, then one
//! binary message of PCM s16le per 20 ms frame each way, and a `stop` text message before Ringside
//! closes.

use serde_json::json;

use std::time::SystemTime;

use ringside_runtime::streaming::codec::{
    check_pcm, pcm_bytes, Inbound, Received, StreamCodec, WireError, WireMessage,
};
use ringside_runtime::streaming::StreamRate;

/// The first message: what the stream carries.
pub fn start(call_id: &str, call_chain_id: &str, rate: StreamRate) -> String {
    json!({
        "kind": "start",
        "callId": call_id,
        "callChainId": call_chain_id,
        "format": {"encoding": "pcm_s16le", "sampleRate": rate.hz(), "channels": 1, "frameMs": 20},
    })
    .to_string()
}

/// One 20 ms frame: raw PCM s16le.
pub fn audio(samples: &[i16]) -> Vec<u8> {
    pcm_bytes(samples)
}

/// The last message before Ringside closes the socket.
pub fn stop(reason: &str) -> String {
    json!({"kind": "stop", "reason": reason}).to_string()
}

/// A binary message from the bot: raw PCM s16le at the stream's rate (an even number of bytes,
/// at most 1 s).
pub fn parse_binary(bytes: &[u8]) -> Result<Inbound, WireError> {
    check_pcm(bytes).map(Inbound::Audio)
}

/// The raw-media codec of one Graph app-hosted call.
pub struct RawMediaCodec {
    /// The Graph call id (in the `start` message).
    pub call_id: String,
    /// The call chain id (in the `start` message).
    pub call_chain_id: String,
}

impl StreamCodec for RawMediaCodec {
    fn header(&self, rate: StreamRate) -> WireMessage {
        WireMessage::Text(start(&self.call_id, &self.call_chain_id, rate))
    }

    fn frame(
        &self,
        _at: SystemTime,
        _participant: Option<&str>,
        frame: &ringside_runtime::streaming::StreamFrame,
    ) -> WireMessage {
        WireMessage::Binary(audio(&frame.samples))
    }

    /// Raw media carries no DTMF.
    fn dtmf(&self, _tone: char) -> Option<WireMessage> {
        None
    }

    fn stop(&self, reason: &str) -> Option<WireMessage> {
        Some(WireMessage::Text(stop(reason)))
    }

    fn parse(&self, message: Received<'_>) -> Result<Inbound, WireError> {
        match message {
            Received::Binary(bytes) => parse_binary(bytes),
            Received::Text(_) => Err(WireError("unsupported message".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_documented_shape() {
        let hello: serde_json::Value =
            serde_json::from_str(&start("c1", "chain", StreamRate::Khz16)).expect("json");
        assert_eq!(hello["kind"], "start");
        assert_eq!(hello["callId"], "c1");
        assert_eq!(hello["callChainId"], "chain");
        assert_eq!(hello["format"]["sampleRate"], 16_000);
        assert_eq!(hello["format"]["encoding"], "pcm_s16le");
        assert_eq!(audio(&[1, -2]), vec![1, 0, 0xfe, 0xff]);
        let bye: serde_json::Value = serde_json::from_str(&stop("callEnded")).expect("json");
        assert_eq!(bye, json!({"kind": "stop", "reason": "callEnded"}));
    }

    #[test]
    fn inbound_binary_is_checked() {
        assert_eq!(
            parse_binary(&[1, 0, 0xfe, 0xff]),
            Ok(Inbound::Audio(vec![1, -2]))
        );
        assert!(parse_binary(&[1, 0, 3]).is_err());
        assert!(parse_binary(&[]).is_err());
        assert!(parse_binary(&vec![0; 48_002]).is_err());
    }
}
