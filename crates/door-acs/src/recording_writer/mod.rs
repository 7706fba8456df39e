//! The writer behind an ACS call recording: reads a whole-call media tap, assigns participants
//! to channels (unmixed: `channelAffinity` first, then `audioChannelParticipantOrdering`, then
//! in order of appearance, at most five; mixed: one channel), skips paused time, spools 20 ms
//! ticks to a raw file and, when the recording ends, assembles the WAV (16 kHz s16, one channel
//! per participant that appeared) and the `acsmetadata` document beside it.
//!
//! Files under `<data-dir>/acs-recordings/`: `<document>.raw` while recording, then
//! `<document>.wav`, `<document>.meta.json` (the `acsmetadata` download) and
//! `<document>.index.json` (which ACS resource owns it, for the storage routes).
//!
//! The phases, one module each: [`assembler`] (channel assignment and tick blocks, sans-IO),
//! [`spool`] (the tap read to its end, paused time skipped, ticks spooled to the raw file) and
//! [`output`] (the WAV, the `acsmetadata` document and the index); [`run`] chains them and
//! reports the result.

mod assembler;
mod output;
mod spool;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ringside_engine::LegId;
use serde::{Deserialize, Serialize};

use ringside_runtime::streaming::tap::LocalTap;
use ringside_runtime::streaming::{StreamEventKind, StreamId};

/// Mixed (one channel) or unmixed (one per participant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ChannelType {
    Mixed,
    Unmixed,
}

impl ChannelType {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            ChannelType::Mixed => "mixed",
            ChannelType::Unmixed => "unmixed",
        }
    }
}

/// What to write and where.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) dir: PathBuf,
    pub(crate) document: String,
    pub(crate) recording_id: String,
    pub(crate) resource: String,
    pub(crate) call_id: String,
    pub(crate) channel_type: ChannelType,
    /// Start paused (`pauseOnStart`).
    pub(crate) paused: bool,
    /// `channelAffinity`: channel → participant rawId.
    pub(crate) affinity: Vec<(usize, String)>,
    /// `audioChannelParticipantOrdering`: rawIds for the first free channels, in order.
    pub(crate) ordering: Vec<String>,
    /// Known participant names (rawIds) at start; more arrive as [`TapInput::Name`].
    pub(crate) names: Vec<(LegId, String)>,
}

/// What a finished recording reports to the door.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finished {
    pub(crate) document: String,
    pub(crate) start_time: String,
    pub(crate) duration_ms: u64,
    pub(crate) channels: u16,
    /// The call ended (`true`) or the app stopped the recording.
    pub(crate) call_ended: bool,
    /// Writing failed (the message); the files are gone.
    pub(crate) error: Option<String>,
}

/// Results the door collects when the tap's `Stopped` event reaches it.
pub(crate) type Results = Arc<Mutex<HashMap<StreamId, Finished>>>;

/// The ownership record of a stored recording.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Index {
    pub(crate) resource: String,
    pub(crate) recording_id: String,
    pub(crate) channels: u16,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs one recording to its end: spools the tap's ticks, then writes the WAV, the metadata and
/// the index, records the result in `results` and reports the tap `Stopped`.
pub(crate) async fn run(mut tap: LocalTap, job: Job, results: Results) {
    let start_time = rfc3339(time::OffsetDateTime::now_utc());
    let raw_path = job.dir.join(format!("{}.raw", job.document));
    let (finished, kind) = match record(&mut tap, &job, &raw_path, &start_time).await {
        Ok(written) => stopped(&tap, &job, start_time, written),
        Err(error) => {
            let _ = tokio::fs::remove_file(&raw_path).await;
            tracing::warn!(document = %job.document, %error, "writing a call recording failed");
            failed(&tap, &job, start_time, &error)
        }
    };
    if let Ok(mut results) = results.lock() {
        results.insert(tap.id, finished);
    }
    tap.finish(kind);
}

/// What a recording that was written amounts to.
struct Written {
    duration_ms: u64,
    channels: u16,
    call_ended: bool,
    /// Frames the tap delivered.
    frames_in: u64,
}

/// The recording's phases: the tap spooled to `raw_path` until the recording ends, then the
/// files written from the spool.
async fn record(
    tap: &mut LocalTap,
    job: &Job,
    raw_path: &Path,
    start_time: &str,
) -> std::io::Result<Written> {
    tokio::fs::create_dir_all(&job.dir).await?;
    let spooled = spool::spool(tap, job, raw_path).await?;
    let files = output::Files::new(
        job,
        raw_path,
        start_time,
        &spooled.assembler,
        &spooled.pauses,
    );
    let (duration_ms, channels) = (files.duration_ms(), files.channels() as u16);
    tokio::task::spawn_blocking(move || files.write())
        .await
        .map_err(std::io::Error::other)??;
    Ok(Written {
        duration_ms,
        channels,
        call_ended: spooled.call_ended,
        frames_in: spooled.frames_in,
    })
}

/// The door's result and the tap's `Stopped` event when the files are written.
fn stopped(
    tap: &LocalTap,
    job: &Job,
    start_time: String,
    written: Written,
) -> (Finished, StreamEventKind) {
    let reason = if written.call_ended {
        "callEnded"
    } else {
        "stopped"
    };
    (
        Finished {
            document: job.document.clone(),
            start_time,
            duration_ms: written.duration_ms,
            channels: written.channels,
            call_ended: written.call_ended,
            error: None,
        },
        StreamEventKind::Stopped {
            reason: reason.into(),
            counters: tap.counters(written.frames_in),
        },
    )
}

/// The door's result and the tap's `Failed` event when writing failed.
fn failed(
    tap: &LocalTap,
    job: &Job,
    start_time: String,
    error: &std::io::Error,
) -> (Finished, StreamEventKind) {
    (
        Finished {
            document: job.document.clone(),
            start_time,
            duration_ms: 0,
            channels: 0,
            call_ended: false,
            error: Some(error.to_string()),
        },
        StreamEventKind::Failed {
            reason: error.to_string(),
            counters: tap.counters(0),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::assembler::Assembler;
    use super::output::assemble_wav;
    use super::*;
    use ringside_audio::FRAME_SAMPLES;
    use ringside_engine::ConversationId;
    use ringside_media::StreamFrame;
    use ringside_model::Guid;

    fn leg(n: u128) -> LegId {
        LegId(Guid::from_u128(n))
    }

    fn frame(ts: u64, who: Option<LegId>, value: i16) -> StreamFrame {
        StreamFrame {
            conversation: ConversationId(Guid::from_u128(1)),
            stream: StreamId(1),
            participant: who,
            timestamp_ms: ts,
            silent: value == 0,
            samples: vec![value; FRAME_SAMPLES],
        }
    }

    fn job(channel_type: ChannelType) -> Job {
        Job {
            dir: PathBuf::new(),
            document: "doc".into(),
            recording_id: "rec".into(),
            resource: "res".into(),
            call_id: "call".into(),
            channel_type,
            paused: false,
            affinity: Vec::new(),
            ordering: Vec::new(),
            names: vec![(leg(2), "4:+1".into()), (leg(3), "8:orgid:agent".into())],
        }
    }

    #[test]
    fn unmixed_participants_get_channels_in_order_and_late_joiners_widen_the_block() {
        let mut a = Assembler::new(&job(ChannelType::Unmixed));
        assert!(a.push(frame(0, Some(leg(2)), 5), true).is_none());
        let first = a.push(frame(20, Some(leg(2)), 6), true).expect("tick 0");
        assert_eq!(first.len(), FRAME_SAMPLES);
        assert!(first.iter().all(|s| *s == 5));
        a.push(frame(20, Some(leg(3)), 7), true);
        let second = a.flush(true).expect("tick 1");
        assert_eq!(second.len(), 2 * FRAME_SAMPLES);
        assert!(second[..FRAME_SAMPLES].iter().all(|s| *s == 6));
        assert!(second[FRAME_SAMPLES..].iter().all(|s| *s == 7));
        assert_eq!(a.layout, vec![(0, 1), (1, 2)]);
        assert_eq!(a.ticks, 2);
        assert_eq!(
            a.participants(),
            vec![(Some(0), "4:+1".into()), (Some(1), "8:orgid:agent".into())]
        );
    }

    #[test]
    fn affinity_and_ordering_reserve_channels_and_paused_ticks_are_dropped() {
        let mut j = job(ChannelType::Unmixed);
        j.affinity = vec![(3, "8:orgid:agent".into())];
        j.ordering = vec!["4:+1".into()];
        let mut a = Assembler::new(&j);
        a.push(frame(0, Some(leg(3)), 1), true);
        a.push(frame(0, Some(leg(2)), 2), true);
        a.push(frame(0, Some(leg(9)), 3), true);
        let block = a.flush(true).expect("tick");
        assert_eq!(block.len(), 4 * FRAME_SAMPLES, "channels 0..=3");
        assert_eq!(block[0], 2, "ordering → channel 0");
        assert_eq!(block[FRAME_SAMPLES], 3, "unknown → first free unreserved");
        assert_eq!(block[3 * FRAME_SAMPLES], 1, "affinity → channel 3");
        a.push(frame(20, Some(leg(2)), 2), false);
        assert!(a.flush(false).is_none());
        assert_eq!(a.ticks, 1);
    }

    #[test]
    fn mixed_is_one_channel_and_wav_assembly_interleaves_and_pads() {
        let mut a = Assembler::new(&job(ChannelType::Mixed));
        a.push(frame(0, None, 9), true);
        assert_eq!(a.flush(true).map(|b| b.len()), Some(FRAME_SAMPLES));
        assert_eq!(a.channels(), 1);

        let dir = tempfile::tempdir().expect("dir");
        let raw = dir.path().join("x.raw");
        let wav = dir.path().join("x.wav");
        // Tick 0 has one channel (value 1), tick 1 two (2 and 3).
        let mut bytes = Vec::new();
        for s in std::iter::repeat_n(1i16, FRAME_SAMPLES)
            .chain(std::iter::repeat_n(2i16, FRAME_SAMPLES))
            .chain(std::iter::repeat_n(3i16, FRAME_SAMPLES))
        {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        std::fs::write(&raw, bytes).expect("raw");
        assemble_wav(&raw, &wav, &[(0, 1), (1, 2)], 2, 2).expect("wav");
        let decoded =
            ringside_audio::wav::decode(&std::fs::read(&wav).expect("read")).expect("decode");
        assert_eq!(decoded.channels, 2);
        assert_eq!(decoded.samples.len(), 2 * FRAME_SAMPLES);
        let bytes = std::fs::read(&wav).expect("read");
        let data = &bytes[44..];
        let at = |frame: usize, channel: usize| {
            let i = (frame * 2 + channel) * 2;
            i16::from_le_bytes([data[i], data[i + 1]])
        };
        assert_eq!(
            (at(0, 0), at(0, 1)),
            (1, 0),
            "tick 0 padded to two channels"
        );
        assert_eq!((at(FRAME_SAMPLES, 0), at(FRAME_SAMPLES, 1)), (2, 3));
    }
}
