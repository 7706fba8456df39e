//! What a media stream's socket speaks, supplied by the door that starts the stream: the
//! [`StreamCodec`] trait (the opening message, one message per frame, DTMF, the closing message,
//! and reading the app's messages), the [`Inbound`] messages a codec reads, and the PCM helpers
//! the codecs share.

use std::time::SystemTime;

use ringside_media::StreamFrame;

use super::{StreamRate, MAX_INBOUND_SAMPLES};

/// A message to send on the socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireMessage {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// A message the app sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received<'a> {
    /// A text frame.
    Text(&'a str),
    /// A binary frame.
    Binary(&'a [u8]),
}

/// A wire format for live call audio over WebSocket. One value per stream; called from the
/// stream's task only.
pub trait StreamCodec: Send + Sync + 'static {
    /// The first message, sent once the socket is open (what the stream carries).
    fn header(&self, rate: StreamRate) -> WireMessage;

    /// One 20 ms frame heard at `at` from `participant` (unmixed streams; `None` when mixed).
    fn frame(&self, at: SystemTime, participant: Option<&str>, frame: &StreamFrame) -> WireMessage;

    /// A key pressed in the call, if the format carries DTMF.
    fn dtmf(&self, tone: char) -> Option<WireMessage>;

    /// The last message before Ringside closes the socket, if the format has one.
    fn stop(&self, reason: &str) -> Option<WireMessage>;

    /// Reads a message from the app.
    fn parse(&self, message: Received<'_>) -> Result<Inbound, WireError>;
}

/// A message from the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// Audio to play into the call (PCM at the stream's rate).
    Audio(Vec<i16>),
    /// Flush/stop the app's queued audio (barge-in).
    StopAudio,
}

/// Why an inbound message was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// PCM s16 little-endian bytes.
pub fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(samples.len() * 2);
    for sample in samples {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    bytes
}

/// PCM s16le bytes to samples; `None` for an odd length.
pub fn pcm_samples(bytes: &[u8]) -> Option<Vec<i16>> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect(),
    )
}

/// Raw PCM s16le bytes → samples: non-empty, an even number of bytes, at most
/// [`MAX_INBOUND_SAMPLES`].
pub fn check_pcm(bytes: &[u8]) -> Result<Vec<i16>, WireError> {
    if bytes.is_empty() {
        return Err(WireError("audio data is empty".into()));
    }
    if bytes.len() > MAX_INBOUND_SAMPLES * 2 {
        return Err(WireError("audio data is longer than 1 s".into()));
    }
    pcm_samples(bytes).ok_or_else(|| WireError("audio data has an odd number of bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_round_trips_and_limits_hold() {
        assert_eq!(pcm_bytes(&[1, -2]), vec![1, 0, 0xfe, 0xff]);
        assert_eq!(pcm_samples(&[1, 0, 0xfe, 0xff]), Some(vec![1, -2]));
        assert_eq!(pcm_samples(&[1]), None);
        assert!(check_pcm(&[]).is_err());
        assert!(check_pcm(&vec![0; MAX_INBOUND_SAMPLES * 2 + 2]).is_err());
        assert_eq!(check_pcm(&[1, 0]), Ok(vec![1]));
    }
}
