//! The writer behind an ACS call recording: reads a whole-call media tap, assigns participants
//! to channels (unmixed: `channelAffinity` first, then `audioChannelParticipantOrdering`, then
//! in order of appearance, at most five; mixed: one channel), skips paused time, spools 20 ms
//! ticks to a raw file and, when the recording ends, assembles the WAV (16 kHz s16, one channel
//! per participant that appeared) and the `acsmetadata` document beside it.
//!
//! Files under `<data-dir>/acs-recordings/`: `<document>.raw` while recording, then
//! `<document>.wav`, `<document>.meta.json` (the `acsmetadata` download) and
//! `<document>.index.json` (which ACS resource owns it, for the storage routes).

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ringside_audio::FRAME_SAMPLES;
use ringside_engine::LegId;
use ringside_media::{StreamFrame, MAX_RECORDING_CHANNELS};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use ringside_runtime::streaming::tap::{LocalTap, TapInput};
use ringside_runtime::streaming::{StreamEventKind, StreamId};

/// Bytes of raw audio buffered before a write to the spool file.
const SPOOL_CHUNK: usize = 64 * 1024;

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

/// Channel assignment and tick assembly (sans-IO).
#[derive(Debug)]
pub(crate) struct Assembler {
    channel_type: ChannelType,
    /// channel → leg.
    assigned: Vec<Option<LegId>>,
    /// channel → rawId a participant must have to take it.
    reserved: Vec<Option<String>>,
    names: HashMap<LegId, String>,
    /// Frames of the tick being assembled: its timestamp and (leg, samples).
    tick: Option<u64>,
    frames: Vec<(Option<LegId>, Vec<i16>)>,
    /// Channel count of each written tick, as (first tick, count) changes.
    pub(crate) layout: Vec<(u64, usize)>,
    pub(crate) ticks: u64,
}

impl Assembler {
    pub(crate) fn new(job: &Job) -> Assembler {
        let mut reserved: Vec<Option<String>> = vec![None; MAX_RECORDING_CHANNELS];
        for (channel, raw) in &job.affinity {
            if let Some(slot) = reserved.get_mut(*channel) {
                *slot = Some(raw.clone());
            }
        }
        for raw in &job.ordering {
            if reserved.iter().flatten().any(|r| r == raw) {
                continue;
            }
            if let Some(slot) = reserved.iter_mut().find(|s| s.is_none()) {
                *slot = Some(raw.clone());
            }
        }
        Assembler {
            channel_type: job.channel_type,
            assigned: vec![None; MAX_RECORDING_CHANNELS],
            reserved,
            names: job.names.iter().cloned().collect(),
            tick: None,
            frames: Vec::new(),
            layout: Vec::new(),
            ticks: 0,
        }
    }

    pub(crate) fn name(&mut self, leg: LegId, name: String) {
        self.names.insert(leg, name);
    }

    /// Channels in use so far.
    pub(crate) fn channels(&self) -> usize {
        match self.channel_type {
            ChannelType::Mixed => 1,
            ChannelType::Unmixed => self
                .assigned
                .iter()
                .rposition(Option::is_some)
                .map_or(1, |i| i + 1),
        }
    }

    /// Participants and their channels (unmixed) or every participant heard (mixed).
    pub(crate) fn participants(&self) -> Vec<(Option<usize>, String)> {
        match self.channel_type {
            ChannelType::Unmixed => self
                .assigned
                .iter()
                .enumerate()
                .filter_map(|(i, leg)| leg.map(|l| (Some(i), self.name_of(l))))
                .collect(),
            ChannelType::Mixed => {
                let mut names: Vec<String> = self.names.values().cloned().collect();
                names.sort();
                names.into_iter().map(|n| (None, n)).collect()
            }
        }
    }

    fn name_of(&self, leg: LegId) -> String {
        self.names
            .get(&leg)
            .cloned()
            .unwrap_or_else(|| leg.to_string())
    }

    fn channel_of(&mut self, leg: LegId) -> Option<usize> {
        if let Some(i) = self.assigned.iter().position(|a| *a == Some(leg)) {
            return Some(i);
        }
        let name = self.names.get(&leg).cloned();
        let slot = name
            .as_ref()
            .and_then(|n| self.reserved.iter().position(|r| r.as_ref() == Some(n)))
            .filter(|i| self.assigned.get(*i).is_some_and(Option::is_none))
            .or_else(|| {
                (0..MAX_RECORDING_CHANNELS).find(|i| {
                    self.assigned.get(*i).is_some_and(Option::is_none)
                        && self.reserved.get(*i).is_some_and(Option::is_none)
                })
            })?;
        if let Some(a) = self.assigned.get_mut(slot) {
            *a = Some(leg);
        }
        Some(slot)
    }

    /// Adds a frame; returns the previous tick's block (channel-major, `channels × 320`
    /// samples) when this frame starts a new tick and `keep` says the previous one is recorded.
    pub(crate) fn push(&mut self, frame: StreamFrame, keep: bool) -> Option<Vec<i16>> {
        let block = if self.tick.is_some_and(|t| t != frame.timestamp_ms) {
            self.flush(keep)
        } else {
            None
        };
        self.tick = Some(frame.timestamp_ms);
        self.frames.push((frame.participant, frame.samples));
        block
    }

    /// Ends the tick being assembled; its block when `keep`.
    pub(crate) fn flush(&mut self, keep: bool) -> Option<Vec<i16>> {
        self.tick = None;
        let frames = std::mem::take(&mut self.frames);
        if !keep || frames.is_empty() {
            return None;
        }
        let mut placed: Vec<(usize, Vec<i16>)> = Vec::with_capacity(frames.len());
        for (leg, samples) in frames {
            let channel = match (self.channel_type, leg) {
                (ChannelType::Mixed, _) | (_, None) => Some(0),
                (ChannelType::Unmixed, Some(leg)) => self.channel_of(leg),
            };
            if let Some(c) = channel {
                placed.push((c, samples));
            }
        }
        let channels = self.channels();
        let mut block = vec![0i16; channels * FRAME_SAMPLES];
        for (c, samples) in placed {
            if let Some(dst) = block.get_mut(c * FRAME_SAMPLES..(c + 1) * FRAME_SAMPLES) {
                for (d, s) in dst.iter_mut().zip(samples.iter()) {
                    *d = *s;
                }
            }
        }
        if self.layout.last().map(|(_, n)| *n) != Some(channels) {
            self.layout.push((self.ticks, channels));
        }
        self.ticks += 1;
        Some(block)
    }
}

/// Builds the WAV from the spool: every tick widened to the final channel count, interleaved.
pub(crate) fn assemble_wav(
    raw: &Path,
    wav: &Path,
    layout: &[(u64, usize)],
    ticks: u64,
    channels: usize,
) -> std::io::Result<()> {
    let channels = channels.max(1);
    let spec = ringside_audio::wav::WavSpec::engine(channels as u16);
    let header = spec
        .header(ticks * FRAME_SAMPLES as u64)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut out = BufWriter::new(std::fs::File::create(wav)?);
    out.write_all(&header)?;
    let mut input = BufReader::new(std::fs::File::open(raw)?);
    let mut block = Vec::new();
    let mut bytes = Vec::new();
    let mut interleaved = vec![0u8; channels * FRAME_SAMPLES * 2];
    for tick in 0..ticks {
        let n = layout
            .iter()
            .rev()
            .find(|(first, _)| *first <= tick)
            .map_or(1, |(_, n)| *n);
        bytes.resize(n * FRAME_SAMPLES * 2, 0);
        input.read_exact(&mut bytes)?;
        block.clear();
        block.extend(
            bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]])),
        );
        interleaved.iter_mut().for_each(|b| *b = 0);
        for c in 0..n.min(channels) {
            for i in 0..FRAME_SAMPLES {
                let s = block.get(c * FRAME_SAMPLES + i).copied().unwrap_or(0);
                let at = (i * channels + c) * 2;
                if let Some(dst) = interleaved.get_mut(at..at + 2) {
                    dst.copy_from_slice(&s.to_le_bytes());
                }
            }
        }
        out.write_all(&interleaved)?;
    }
    out.flush()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The `acsmetadata` document.
fn metadata(
    job: &Job,
    start: &str,
    duration_ms: u64,
    pauses: &[(String, u64)],
    channels: usize,
    participants: &[(Option<usize>, String)],
) -> Value {
    json!({
        "resourceId": job.resource,
        "callId": job.call_id,
        "chunkDocumentId": job.document,
        "chunkIndex": 0,
        "chunkStartTime": start,
        "chunkDuration": duration_ms,
        "pauseResumeIntervals": pauses.iter().map(|(t, d)| json!({"startTime": t, "duration": d})).collect::<Vec<_>>(),
        "recordingInfo": {
            "contentType": "audio",
            "channelType": job.channel_type.wire(),
            "format": "wav",
            "audioConfiguration": {
                "sampleRate": 16000,
                "bitRate": 256_000 * channels,
                "channels": channels,
            },
        },
        "participants": participants.iter().map(|(channel, id)| match channel {
            Some(c) => json!({"participantId": id, "channel": c}),
            None => json!({"participantId": id}),
        }).collect::<Vec<_>>(),
    })
}

/// Runs one recording to its end: spools the tap's ticks, then writes the WAV, the metadata and
/// the index, records the result in `results` and reports the tap `Stopped`.
pub(crate) async fn run(mut tap: LocalTap, job: Job, results: Results) {
    let started = time::OffsetDateTime::now_utc();
    let start_time = rfc3339(started);
    let raw_path = job.dir.join(format!("{}.raw", job.document));
    let outcome = async {
        tokio::fs::create_dir_all(&job.dir).await?;
        let mut spool = tokio::fs::File::create(&raw_path).await?;
        let mut assembler = Assembler::new(&job);
        let mut paused = job.paused;
        let mut pause_started = paused.then(time::OffsetDateTime::now_utc);
        let mut pauses: Vec<(String, u64)> = Vec::new();
        let mut buffer: Vec<u8> = Vec::with_capacity(SPOOL_CHUNK + 4096);
        let mut frames_in = 0u64;
        let call_ended;
        let append = |block: Vec<i16>, buffer: &mut Vec<u8>| {
            for s in block {
                buffer.extend_from_slice(&s.to_le_bytes());
            }
        };
        loop {
            let input = tap.next().await;
            match input {
                Some(TapInput::Frame(frame)) => {
                    frames_in += 1;
                    if let Some(block) = assembler.push(frame, !paused) {
                        append(block, &mut buffer);
                    }
                }
                Some(TapInput::Pause(p)) => {
                    if let Some(block) = assembler.flush(!paused) {
                        append(block, &mut buffer);
                    }
                    if p && !paused {
                        pause_started = Some(time::OffsetDateTime::now_utc());
                    } else if !p && paused {
                        if let Some(at) = pause_started.take() {
                            let ms = (time::OffsetDateTime::now_utc() - at).whole_milliseconds();
                            pauses.push((rfc3339(at), ms.max(0) as u64));
                        }
                    }
                    paused = p;
                }
                Some(TapInput::Name(leg, name)) => assembler.name(leg, name),
                Some(TapInput::Stop) => {
                    let mut rest = Vec::new();
                    tap.stop_plane(|f| rest.push(f)).await;
                    for frame in rest {
                        frames_in += 1;
                        if let Some(block) = assembler.push(frame, !paused) {
                            append(block, &mut buffer);
                        }
                    }
                    call_ended = false;
                    break;
                }
                Some(TapInput::PlaneStopped) | None => {
                    call_ended = true;
                    break;
                }
            }
            if buffer.len() >= SPOOL_CHUNK {
                spool.write_all(&buffer).await?;
                buffer.clear();
            }
        }
        if let Some(block) = assembler.flush(!paused) {
            append(block, &mut buffer);
        }
        if let Some(at) = pause_started.take() {
            let ms = (time::OffsetDateTime::now_utc() - at).whole_milliseconds();
            pauses.push((rfc3339(at), ms.max(0) as u64));
        }
        spool.write_all(&buffer).await?;
        spool.flush().await?;
        drop(spool);
        let channels = assembler.channels();
        let ticks = assembler.ticks;
        let duration_ms = ticks * 20;
        let meta = metadata(
            &job,
            &start_time,
            duration_ms,
            &pauses,
            channels,
            &assembler.participants(),
        );
        let index = Index {
            resource: job.resource.clone(),
            recording_id: job.recording_id.clone(),
            channels: channels as u16,
        };
        let layout = assembler.layout.clone();
        let (dir, document, raw) = (job.dir.clone(), job.document.clone(), raw_path.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            assemble_wav(
                &raw,
                &dir.join(format!("{document}.wav")),
                &layout,
                ticks,
                channels,
            )?;
            std::fs::write(
                dir.join(format!("{document}.meta.json")),
                serde_json::to_vec(&meta).unwrap_or_default(),
            )?;
            std::fs::write(
                dir.join(format!("{document}.index.json")),
                serde_json::to_vec(&index).unwrap_or_default(),
            )?;
            let _ = std::fs::remove_file(&raw);
            Ok(())
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok::<_, std::io::Error>((duration_ms, channels as u16, call_ended, frames_in))
    }
    .await;
    let (finished, kind) = match outcome {
        Ok((duration_ms, channels, call_ended, frames)) => (
            Finished {
                document: job.document.clone(),
                start_time,
                duration_ms,
                channels,
                call_ended,
                error: None,
            },
            StreamEventKind::Stopped {
                reason: if call_ended { "callEnded" } else { "stopped" }.into(),
                counters: tap.counters(frames),
            },
        ),
        Err(error) => {
            let _ = tokio::fs::remove_file(&raw_path).await;
            tracing::warn!(document = %job.document, %error, "writing a call recording failed");
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
    };
    if let Ok(mut results) = results.lock() {
        results.insert(tap.id, finished);
    }
    tap.finish(kind);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_engine::ConversationId;
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
