//! Text to speech: [`Tts`] turns a text or SSML prompt into 16 kHz s16 mono audio, streamed in
//! chunks as espeak-ng produces them, and cached by content.
//!
//! espeak-ng keeps global state and is not thread-safe, so one worker thread per process
//! (`ringside-tts`, started by the first [`Tts::new`]) owns it and serves a queue of requests in
//! order; every [`Tts`] handle shares it. espeak-ng produces audio much faster than real time
//! (see the crate's benchmark figures), so one thread serves many calls; the cost of a queue is
//! that a long prompt delays the first audio of the next one by its synthesis time.
//!
//! The worker resamples espeak-ng's 22.05 kHz to 16 kHz with the workspace's
//! [`ringside_audio::StreamResampler`] chunk by chunk, inserts SSML breaks as silence, and puts the
//! whole prompt in the [`PromptCache`] when it is complete (a cancelled synthesis is not cached).

use crate::cache::{CacheKey, PromptCache};
use crate::ffi::espeak::Espeak;
use crate::ssml::{self, Segment};
use crate::voices::{resolve, Voice};
use crate::SpeechError;
use ringside_audio::{StreamResampler, SAMPLE_RATE};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, OnceLock};

/// espeak-ng's synthesis buffer: it hands audio over every this many milliseconds.
const ESPEAK_BUFFER_MS: u32 = 20;
/// espeak-ng's nominal rate (words per minute) at rate 1.0.
const NORMAL_WPM: f32 = 175.0;

/// What to say.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Plain text, read as is.
    Text(String),
    /// An SSML document (root `speak`), see [`crate::ssml`].
    Ssml(String),
}

/// One synthesis request (ACS `TextSource` / `SsmlSource`).
#[derive(Debug, Clone, PartialEq)]
pub struct TtsRequest {
    /// The prompt.
    pub content: Content,
    /// Azure voice name (`en-US-JennyNeural`); `None` for the locale's default.
    pub voice_name: Option<String>,
    /// BCP-47 locale (`en-US`); `None` for en-US (or the SSML's `xml:lang`).
    pub locale: Option<String>,
    /// Rate multiplier, 1.0 normal (clamped to 0.25–4; espeak-ng's range is 80–450 wpm).
    pub rate: f32,
}

impl TtsRequest {
    /// Plain text in the default voice at normal rate.
    pub fn text(text: &str) -> TtsRequest {
        TtsRequest {
            content: Content::Text(text.to_string()),
            voice_name: None,
            locale: None,
            rate: 1.0,
        }
    }

    fn cache_key(&self) -> CacheKey {
        let (kind, body) = match &self.content {
            Content::Text(t) => ("text", t.as_str()),
            Content::Ssml(s) => ("ssml", s.as_str()),
        };
        let rate = format!("{:.3}", self.rate);
        let voice = self.voice_name.as_deref().unwrap_or("");
        let locale = self.locale.as_deref().unwrap_or("");
        CacheKey::of(&[kind, body, voice, locale, &rate])
    }

    /// The request as segments espeak-ng can speak.
    pub fn segments(&self) -> Result<Vec<Segment>, SpeechError> {
        let voice: Voice = resolve(self.voice_name.as_deref(), self.locale.as_deref());
        let rate = if self.rate.is_finite() {
            self.rate.clamp(0.25, 4.0)
        } else {
            1.0
        };
        match &self.content {
            Content::Text(text) => Ok(ssml::plain(text, voice, rate)),
            Content::Ssml(doc) => ssml::parse(doc, voice, rate),
        }
    }
}

/// How a [`Tts`] caches.
#[derive(Debug, Clone)]
pub struct TtsConfig {
    /// In-memory cache cap in bytes of audio (16 kHz s16: 32 000 bytes a second).
    pub cache_bytes: usize,
    /// Optional directory cache (`<sha256>.wav`).
    pub cache_dir: Option<PathBuf>,
}

impl Default for TtsConfig {
    /// 64 MiB in memory (about 35 minutes of prompts), no directory.
    fn default() -> TtsConfig {
        TtsConfig {
            cache_bytes: 64 << 20,
            cache_dir: None,
        }
    }
}

/// A message from the worker to one synthesis.
type Chunk = Result<Vec<i16>, SpeechError>;

/// Audio being produced: either all of it at once from the cache, or a stream of chunks.
pub enum Synthesis {
    /// A cache hit: the whole prompt, shared.
    Cached(Arc<[i16]>),
    /// Chunks as the worker produces them; dropping it cancels the synthesis.
    Streaming(SynthStream),
}

impl Synthesis {
    /// Waits for the whole prompt.
    pub fn into_samples(self) -> Result<Arc<[i16]>, SpeechError> {
        match self {
            Synthesis::Cached(all) => Ok(all),
            Synthesis::Streaming(stream) => {
                let mut all = Vec::new();
                for chunk in stream {
                    all.extend_from_slice(&chunk?);
                }
                Ok(all.into())
            }
        }
    }
}

/// The streamed chunks of one synthesis (16 kHz s16 mono, a few tens of ms each).
pub struct SynthStream {
    rx: Receiver<Chunk>,
}

/// What [`SynthStream::try_next`] found.
#[derive(Debug, PartialEq)]
pub enum Poll {
    /// A chunk of audio.
    Audio(Vec<i16>),
    /// Nothing yet; try again later.
    Pending,
    /// The synthesis is complete.
    Done,
}

impl SynthStream {
    /// A chunk if one is ready, without blocking (for a media clock polling every 20 ms).
    pub fn try_next(&mut self) -> Result<Poll, SpeechError> {
        match self.rx.try_recv() {
            Ok(chunk) => chunk.map(Poll::Audio),
            Err(TryRecvError::Empty) => Ok(Poll::Pending),
            Err(TryRecvError::Disconnected) => Ok(Poll::Done),
        }
    }
}

impl Iterator for SynthStream {
    type Item = Result<Vec<i16>, SpeechError>;

    /// Blocks until the next chunk; `None` when the synthesis is complete.
    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

struct Job {
    segments: Vec<Segment>,
    key: CacheKey,
    cache: Arc<PromptCache>,
    tx: Sender<Chunk>,
}

/// A handle on the process's TTS worker with its own cache. Cheap to clone.
#[derive(Clone)]
pub struct Tts {
    worker: Sender<Job>,
    cache: Arc<PromptCache>,
}

static WORKER: OnceLock<Result<Sender<Job>, SpeechError>> = OnceLock::new();

impl Tts {
    /// Starts (once per process) the worker; [`SpeechError::Unavailable`] if espeak-ng is not
    /// installed.
    pub fn new(config: &TtsConfig) -> Result<Tts, SpeechError> {
        let worker = WORKER.get_or_init(start_worker).clone()?;
        let cache = PromptCache::new(config.cache_bytes, config.cache_dir.as_deref())?;
        Ok(Tts {
            worker,
            cache: Arc::new(cache),
        })
    }

    /// Synthesises `request`: a cache hit returns at once, otherwise the worker streams chunks.
    /// Fails at once on invalid SSML.
    pub fn synthesize(&self, request: &TtsRequest) -> Result<Synthesis, SpeechError> {
        let key = request.cache_key();
        if let Some(hit) = self.cache.get(&key) {
            return Ok(Synthesis::Cached(hit));
        }
        let segments = request.segments()?;
        let (tx, rx) = mpsc::channel();
        let job = Job {
            segments,
            key,
            cache: Arc::clone(&self.cache),
            tx,
        };
        self.worker
            .send(job)
            .map_err(|_| SpeechError::Unavailable("the TTS worker has stopped".into()))?;
        Ok(Synthesis::Streaming(SynthStream { rx }))
    }

    /// The cache this handle uses.
    pub fn cache(&self) -> &PromptCache {
        &self.cache
    }
}

fn start_worker() -> Result<Sender<Job>, SpeechError> {
    let (tx, rx) = mpsc::channel::<Job>();
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("ringside-tts".into())
        .spawn(move || match Espeak::open(ESPEAK_BUFFER_MS) {
            Ok(mut espeak) => {
                let _ = ready_tx.send(Ok(()));
                for job in rx {
                    run_job(&mut espeak, job);
                }
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        })
        .map_err(|e| SpeechError::Unavailable(format!("cannot start the TTS worker: {e}")))?;
    ready_rx
        .recv()
        .map_err(|_| SpeechError::Unavailable("the TTS worker stopped while starting".into()))??;
    Ok(tx)
}

/// Accumulates one job's 16 kHz output, forwarding each piece to the requester.
struct Output {
    tx: Sender<Chunk>,
    all: Vec<i16>,
    cancelled: bool,
}

impl Output {
    fn emit(&mut self, samples: Vec<i16>) -> bool {
        if samples.is_empty() || self.cancelled {
            return !self.cancelled;
        }
        self.all.extend_from_slice(&samples);
        self.cancelled = self.tx.send(Ok(samples)).is_err();
        !self.cancelled
    }
}

type Shared<T> = Arc<std::sync::Mutex<T>>;

fn lock<T>(shared: &Shared<T>) -> std::sync::MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

fn run_job(espeak: &mut Espeak, job: Job) {
    let out = Arc::new(std::sync::Mutex::new(Output {
        tx: job.tx,
        all: Vec::new(),
        cancelled: false,
    }));
    for segment in &job.segments {
        let result = match segment {
            Segment::Break(ms) => {
                lock(&out).emit(vec![0; (*ms as usize) * (SAMPLE_RATE as usize) / 1000]);
                Ok(())
            }
            Segment::Speak {
                text,
                voice,
                rate,
                pitch,
            } => speak(espeak, text, voice, *rate, *pitch, &out),
        };
        let out = lock(&out);
        if let Err(e) = result {
            let _ = out.tx.send(Err(e));
            return;
        }
        if out.cancelled {
            return;
        }
    }
    let all = std::mem::take(&mut lock(&out).all);
    job.cache.put(job.key, all.into());
}

/// Speaks one text segment through a fresh resampler (espeak-ng's rate is fixed per voice).
fn speak(
    espeak: &mut Espeak,
    text: &str,
    voice: &Voice,
    rate: f32,
    pitch: u32,
    out: &Shared<Output>,
) -> Result<(), SpeechError> {
    if !espeak.set_voice(&voice.espeak_name()) && !espeak.set_voice(voice.language) {
        espeak.set_voice("en-us");
    }
    espeak.set_prosody((NORMAL_WPM * rate).round() as u32, pitch);
    let in_rate = espeak.sample_rate();
    let resampler = StreamResampler::new(in_rate, SAMPLE_RATE)
        .map_err(|e| SpeechError::Synthesis(format!("resampler: {e}")))?;
    let resampler = Arc::new(std::sync::Mutex::new(resampler));
    let (sink_resampler, sink_out) = (Arc::clone(&resampler), Arc::clone(out));
    let synth = espeak.synth(text, move |chunk| {
        let converted = resample(&mut lock(&sink_resampler), chunk);
        lock(&sink_out).emit(converted)
    });
    let tail = flush(&mut lock(&resampler), in_rate);
    lock(out).emit(tail);
    synth
}

fn resample(resampler: &mut StreamResampler, chunk: &[i16]) -> Vec<i16> {
    let mut converted = vec![0i16; resampler.output_len(chunk.len())];
    let n = resampler.process(chunk, &mut converted);
    converted.truncate(n);
    converted
}

/// Pushes the resampler's delay worth of silence through it so the last sound comes out.
fn flush(resampler: &mut StreamResampler, in_rate: u32) -> Vec<i16> {
    let delay = resampler.delay().as_secs_f64() * f64::from(in_rate);
    let zeros = vec![0i16; delay.ceil() as usize + 1];
    resample(resampler, &zeros)
}
