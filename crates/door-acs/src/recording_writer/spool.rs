//! A recording's spool phase: reads the tap until the app stops the recording or the call ends,
//! skips paused time (keeping its intervals for the metadata) and appends every recorded tick's
//! block to the raw file `<document>.raw`.

use std::path::Path;

use ringside_media::StreamFrame;
use ringside_runtime::streaming::tap::{LocalTap, TapInput};
use tokio::io::AsyncWriteExt;

use super::assembler::Assembler;
use super::{rfc3339, Job};

/// Bytes of raw audio buffered before a write to the spool file.
const SPOOL_CHUNK: usize = 64 * 1024;

/// What the spool phase leaves for the files.
pub(super) struct Spooled {
    /// The assembler after the last tick: channels, participants, layout and tick count.
    pub(super) assembler: Assembler,
    /// Pause intervals: start time and length in milliseconds.
    pub(super) pauses: Vec<(String, u64)>,
    /// Frames the tap delivered.
    pub(super) frames_in: u64,
    /// The call ended (`true`) or the app stopped the recording.
    pub(super) call_ended: bool,
}

/// Spools the tap's ticks to `raw_path` (created here) until the recording ends; the file is
/// closed when this returns.
pub(super) async fn spool(
    tap: &mut LocalTap,
    job: &Job,
    raw_path: &Path,
) -> std::io::Result<Spooled> {
    let mut spool = Spool::new(tokio::fs::File::create(raw_path).await?, job);
    let call_ended = loop {
        match tap.next().await {
            Some(TapInput::Frame(frame)) => spool.frame(frame),
            Some(TapInput::Pause(pause)) => spool.pause(pause),
            Some(TapInput::Name(leg, name)) => spool.assembler.name(leg, name),
            Some(TapInput::Stop) => {
                let mut rest = Vec::new();
                tap.stop_plane(|f| rest.push(f)).await;
                for frame in rest {
                    spool.frame(frame);
                }
                break false;
            }
            Some(TapInput::PlaneStopped) | None => break true,
        }
        spool.write_if_full().await?;
    };
    spool.finish(call_ended).await
}

/// The spool while recording.
struct Spool {
    file: tokio::fs::File,
    /// Samples (s16 little-endian) not yet written.
    buffer: Vec<u8>,
    assembler: Assembler,
    paused: bool,
    /// When the pause under way began.
    pause_started: Option<time::OffsetDateTime>,
    pauses: Vec<(String, u64)>,
    frames_in: u64,
}

impl Spool {
    fn new(file: tokio::fs::File, job: &Job) -> Spool {
        let assembler = Assembler::new(job);
        let paused = job.paused;
        Spool {
            file,
            buffer: Vec::with_capacity(SPOOL_CHUNK + 4096),
            assembler,
            paused,
            pause_started: paused.then(time::OffsetDateTime::now_utc),
            pauses: Vec::new(),
            frames_in: 0,
        }
    }

    /// Adds a frame; the tick it completes is buffered unless paused.
    fn frame(&mut self, frame: StreamFrame) {
        self.frames_in += 1;
        if let Some(block) = self.assembler.push(frame, !self.paused) {
            self.append(block);
        }
    }

    /// Pauses (`true`) or resumes; the tick under way ends first, kept unless it was paused.
    fn pause(&mut self, pause: bool) {
        if let Some(block) = self.assembler.flush(!self.paused) {
            self.append(block);
        }
        if pause && !self.paused {
            self.pause_started = Some(time::OffsetDateTime::now_utc());
        } else if !pause && self.paused {
            self.end_pause();
        }
        self.paused = pause;
    }

    /// Closes the pause under way, if any, as an interval.
    fn end_pause(&mut self) {
        if let Some(at) = self.pause_started.take() {
            let ms = (time::OffsetDateTime::now_utc() - at).whole_milliseconds();
            self.pauses.push((rfc3339(at), ms.max(0) as u64));
        }
    }

    fn append(&mut self, block: Vec<i16>) {
        for s in block {
            self.buffer.extend_from_slice(&s.to_le_bytes());
        }
    }

    /// Writes the buffer once it holds [`SPOOL_CHUNK`] bytes.
    async fn write_if_full(&mut self) -> std::io::Result<()> {
        if self.buffer.len() >= SPOOL_CHUNK {
            self.file.write_all(&self.buffer).await?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Ends the last tick and any pause, writes the rest and closes the file.
    async fn finish(mut self, call_ended: bool) -> std::io::Result<Spooled> {
        if let Some(block) = self.assembler.flush(!self.paused) {
            self.append(block);
        }
        self.end_pause();
        self.file.write_all(&self.buffer).await?;
        self.file.flush().await?;
        let Spool {
            file,
            assembler,
            pauses,
            frames_in,
            ..
        } = self;
        drop(file);
        Ok(Spooled {
            assembler,
            pauses,
            frames_in,
            call_ended,
        })
    }
}
