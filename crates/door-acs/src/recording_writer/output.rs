//! A finished recording's files: the WAV assembled from the raw spool (16 kHz s16, one channel
//! per participant that appeared), the `acsmetadata` document and the ownership index.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ringside_audio::FRAME_SAMPLES;
use serde_json::{json, Value};

use super::assembler::Assembler;
use super::{Index, Job};

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

/// A finished recording's files, ready to be written (blocking) once the spool is closed.
pub(super) struct Files {
    raw: PathBuf,
    dir: PathBuf,
    document: String,
    layout: Vec<(u64, usize)>,
    ticks: u64,
    channels: usize,
    meta: Value,
    index: Index,
}

impl Files {
    /// The files of `job` from its spool at `raw`, the ticks `assembler` wrote to it and the
    /// pause intervals.
    pub(super) fn new(
        job: &Job,
        raw: &Path,
        start_time: &str,
        assembler: &Assembler,
        pauses: &[(String, u64)],
    ) -> Files {
        let channels = assembler.channels();
        let ticks = assembler.ticks;
        let meta = metadata(
            job,
            start_time,
            ticks * 20,
            pauses,
            channels,
            &assembler.participants(),
        );
        let index = Index {
            resource: job.resource.clone(),
            recording_id: job.recording_id.clone(),
            channels: channels as u16,
        };
        Files {
            raw: raw.to_path_buf(),
            dir: job.dir.clone(),
            document: job.document.clone(),
            layout: assembler.layout.clone(),
            ticks,
            channels,
            meta,
            index,
        }
    }

    /// The recording's length: 20 ms a tick.
    pub(super) fn duration_ms(&self) -> u64 {
        self.ticks * 20
    }

    /// Channels in the WAV.
    pub(super) fn channels(&self) -> usize {
        self.channels
    }

    /// Writes `<document>.wav`, `.meta.json` and `.index.json`, then removes the spool.
    pub(super) fn write(self) -> std::io::Result<()> {
        let Files {
            raw,
            dir,
            document,
            layout,
            ticks,
            channels,
            meta,
            index,
        } = self;
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
    }
}
