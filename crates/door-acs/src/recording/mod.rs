//! ACS call recording (digest §2.4, §4.3, §5.3): `POST /calling/recordings` (by `callLocator`
//! serverCallId or by `callConnectionId`, Teams Phone extensibility), state, `:pause`, `:resume`
//! and stop (`DELETE`), RecordingStateChanged callbacks, and `RecordingFileStatusUpdated` to the
//! resource's Event Grid subscriptions once the file is written. The audio comes from a whole-call
//! media tap (`StreamChannel::CallMixed`/`CallUnmixed`), written by [`super::recording_writer`];
//! downloads are [`super::storage`]'s.
//!
//! Ringside records audio as WAV (16 kHz, 16-bit; unmixed: one channel per participant, up to
//! five). `audioVideo`, mp3/mp4 and external (blob) storage answer 405 `8520`, saying so. A
//! recording is `inactive` while paused and after it stops; it stops when the app stops it or the
//! call ends.

mod events;
mod handlers;
mod request;

pub(crate) use handlers::routes;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_engine::{ConversationId, LegId};
use ringside_model::{AcsResourceId, TenantId};
use serde_json::{json, Value};

use crate::recording_writer::{ChannelType, Results};
use ringside_runtime::streaming::{StreamId, StreamService};

/// The storage host recording URLs name (the SDKs accept only `*.asm.skype.com` and two Teams
/// hosts); it must resolve to Ringside (one hosts-file line, see the README).
pub(crate) const STORAGE_HOST: &str = "ringside.asm.skype.com";

/// Frames queued between the media shards and a recording's writer (5 channels: 8 s).
const TAP_QUEUE: usize = 2_000;

/// Ended recordings remembered for GET.
const ENDED_KEPT: usize = 1_000;

/// One recording.
#[derive(Debug, Clone)]
pub(crate) struct AcsRecording {
    pub(crate) id: String,
    pub(crate) resource: AcsResourceId,
    pub(crate) tenant: TenantId,
    pub(crate) conversation: ConversationId,
    /// The connection whose callbacks carry its events.
    pub(crate) connection: LegId,
    pub(crate) stream: StreamId,
    pub(crate) channel_type: ChannelType,
    /// Recording now (not paused, not stopped).
    pub(crate) active: bool,
    pub(crate) paused: bool,
    /// Stopped by the app or the call's end; the file follows.
    pub(crate) stopped: bool,
    /// `recordingStateCallbackUri`, else the connection's callback.
    pub(crate) callback: Option<String>,
    pub(crate) start_time: String,
}

impl AcsRecording {
    fn state(&self) -> &'static str {
        if self.active {
            "active"
        } else {
            "inactive"
        }
    }

    fn response(&self) -> Value {
        json!({
            "recordingId": self.id,
            "recordingState": self.state(),
            "recordingKind": "azureCommunicationServices",
        })
    }
}

/// The recordings of the ACS door (inside [`AcsCalls`]).
#[derive(Default)]
pub(crate) struct Recordings {
    pub(crate) by_id: HashMap<String, AcsRecording>,
    by_stream: HashMap<StreamId, String>,
    ended: VecDeque<String>,
    /// The writer side (`None`: recording unavailable, as in unit tests).
    pub(crate) recorder: Option<AcsRecorder>,
}

/// Starts recording taps and their writers; holds the finished results.
pub(crate) struct AcsRecorder {
    streams: Arc<StreamService>,
    pub(crate) dir: PathBuf,
    /// `https://ringside.asm.skype.com:<port>`.
    pub(crate) storage_base: String,
    results: Results,
}

impl AcsRecorder {
    /// Recordings in `<data_dir>/acs-recordings`, downloads under `base_url`'s port on
    /// [`STORAGE_HOST`].
    pub(crate) fn new(
        streams: Arc<StreamService>,
        data_dir: &std::path::Path,
        base_url: &str,
    ) -> AcsRecorder {
        AcsRecorder {
            streams,
            dir: recordings_dir(data_dir),
            storage_base: storage_base(base_url),
            results: Results::default(),
        }
    }
}

/// Where ACS recordings live.
pub(crate) fn recordings_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("acs-recordings")
}

/// `https://ringside.asm.skype.com[:port]` for a server at `base_url`.
pub(crate) fn storage_base(base_url: &str) -> String {
    let port = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or(443);
    if port == 443 {
        format!("https://{STORAGE_HOST}")
    } else {
        format!("https://{STORAGE_HOST}:{port}")
    }
}

fn new_recording_id() -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "ringside:recording:{}",
        ringside_runtime::ids::new_guid()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_use_the_servers_port() {
        assert_eq!(
            storage_base("https://127.0.0.1:8443"),
            "https://ringside.asm.skype.com:8443"
        );
        assert_eq!(
            storage_base("https://ringside.example.com"),
            "https://ringside.asm.skype.com"
        );
    }
}
