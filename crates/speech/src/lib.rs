//! Offline speech for Ringside: text to speech with espeak-ng and speech recognition with
//! pocketsphinx, both loaded at run time.
//!
//! # Loading the engines at run time
//!
//! The engines are C libraries from Debian packages (`libespeak-ng1`, `libpocketsphinx3` with
//! `pocketsphinx-en-us`). This crate opens them with `libloading` when a [`Tts`] or [`SttEngine`]
//! is created instead of linking them at build time, because:
//!
//! - the workspace builds, tests and runs on a machine without them (no `-dev` packages, no
//!   `pkg-config`, no build script); only speech is missing, and a caller learns it from one
//!   [`SpeechError::Unavailable`] it can turn into the dialect's error;
//! - the runtime-only packages are what the server needs anyway; linking would make every
//!   developer and CI job install the `-dev` packages before `cargo build` for a feature most
//!   tests do not touch;
//! - every symbol is resolved when the library is opened, so an incompatible library fails once,
//!   at start-up, with its name. The price is hand-written prototypes (checked against the
//!   headers of espeak-ng 1.51 and pocketsphinx 0.8+5prealpha) and `unsafe` confined to
//!   [`ffi`] (the workspace forbids it elsewhere).
//!
//! No subprocess runs per utterance: synthesis runs on one long-lived worker thread (espeak-ng is
//! not thread-safe), recognition on a fixed pool of worker threads that own the decoders.
//!
//! | module | owns |
//! |---|---|
//! | [`tts`] | [`Tts`]: requests → streamed 16 kHz audio, the espeak-ng worker thread, caching |
//! | [`ssml`] | the SSML subset → plain-text [`ssml::Segment`]s and breaks |
//! | [`voices`] | Azure neural voice names / locales → espeak-ng voices (documented table) |
//! | [`cache`] | [`PromptCache`]: content-addressed, byte-capped LRU in memory plus optional directory |
//! | [`stt`] | [`SttEngine`] and [`Recognizer`]: the decoder worker pool, modes, outcomes |
//! | [`grammar`] | choices → JSGF grammar and dictionary; phrase normalisation |
//! | [`endpoint`] | [`endpoint::Endpointer`]: energy VAD, initial/end silence, max duration (sans-IO) |
//! | [`decoder`] | one pocketsphinx decoder configured for a mode; results with word timings |
//! | `confidence` | a choices result's confidence from its decode's acoustic costs and n-best gap |
//! | [`session`] | one recognition/transcription on its worker: pre-roll, decoding, [`Event`]s, [`Outcome`]s |
//! | [`ffi`] | `libloading` bindings to espeak-ng and pocketsphinx (the only `unsafe`) |
//!
//! # Using it (for the ACS door, the runtime and the media plane)
//!
//! ```no_run
//! use ringside_speech::*;
//! # fn main() -> Result<(), SpeechError> {
//! // Once at start-up; `Unavailable` means "answer speech requests as before (405 8520)".
//! let tts = Tts::new(&TtsConfig::default())?;
//! let stt = SttEngine::new(&SttConfig::default())?;
//! stt.prewarm(Kind::Grammar, 8)?; // optional: decoders ready before the first call
//!
//! // TextSource { text, voiceName, sourceLocale } (SsmlSource: Content::Ssml).
//! let request = TtsRequest {
//!     content: Content::Text("Say billing or support".into()),
//!     voice_name: Some("en-US-JennyNeural".into()),
//!     locale: Some("en-US".into()),
//!     rate: 1.0,
//! };
//! match tts.synthesize(&request)? {
//!     Synthesis::Cached(all) => { /* a whole Prompt at once (Arc<[i16]>) */ }
//!     Synthesis::Streaming(mut stream) => {
//!         // every 20 ms tick: stream.try_next()? → Poll::Audio(chunk) | Pending | Done
//!         while let Poll::Audio(_chunk) = stream.try_next()? {}
//!     }
//! }
//!
//! // recognize { recognizeInputType: choices, choices: [{label, phrases}], ... }
//! let choices = vec![Choice::new("Billing", &["billing", "bill"]), Choice::new("Support", &["support"])];
//! let timeouts = Timeouts { initial_silence_ms: 5_000, end_silence_ms: 500, max_duration_ms: 60_000 };
//! let mut recognizer = stt.recognize(Mode::Choices(choices), timeouts)?;
//! let frame = [0i16; 320];
//! recognizer.push(&frame); // each 20 ms frame the caller sends (after DTMF detection)
//! while let Some(event) = recognizer.try_event() {
//!     match event {
//!         Event::SpeechStarted { .. } => { /* interruptPrompt: stop the prompt */ }
//!         Event::Completed(done) => { /* done.outcome → RecognizeCompleted/Failed, table below */ }
//!         _ => {}
//!     }
//! }
//! // Transcription: stt.transcribe(end_silence_ms, max_phrase_ms)?, the same push/try_event,
//! // Event::Phrase per intermediate/final result, finish() → last phrase and Event::Stopped.
//! # Ok(()) }
//! ```
//!
//! # Outcomes and ACS result codes
//!
//! The crate returns neutral outcomes; the codes below are what the ACS door should render (from
//! the Call Automation SDKs' `MediaEventReasonCode`: 8510 initial silence, 8545 speech option
//! matched, 8547 speech option not matched, 8563 speech not recognized, 8564 speech service
//! error, 8582 text or SSML empty; note that 8532 is the DTMF inter-digit timeout, not a speech
//! code).
//!
//! | crate | ACS event | `resultInformation` | body |
//! |---|---|---|---|
//! | [`Outcome::Choice`] | RecognizeCompleted | 200 / 8545 | `recognitionType: "choices"`, `choiceResult { label, recognizedPhrase, confidence }` |
//! | [`Outcome::Speech`] | RecognizeCompleted | 200 / 8569 (as door-acs on main renders it) | `recognitionType: "speech"`, `speechResult { speech, confidence }` |
//! | [`Outcome::InitialSilence`] | RecognizeFailed | 400 / 8510 | |
//! | [`Outcome::NoMatch`] in choices | RecognizeFailed | 400 / 8547 | |
//! | [`Outcome::NoMatch`] in speech | RecognizeFailed | 400 / 8563 | |
//! | [`Event::Failed`] | RecognizeFailed | 500 / 8564 | |
//! | [`TtsRequest::segments`] empty | PlayFailed | 400 / 8582 | |
//! | [`SpeechError::InvalidSsml`] | PlayFailed | 400 / 8565 (Azure's speech service rejects it) | |
//! | [`SpeechError::Unavailable`] | the 405 8520 Ringside gives today | | |
//!
//! [`Phrase`] maps to `TranscriptionData`: `text`, `confidence`, `offset`/`duration` (ms here,
//! 100-ns ticks on the wire: × 10 000), `words[] { text, offset, duration }`, `resultState`
//! `Final` / `Intermediate` from [`Phrase::is_final`]; `format: "display"`.
//!
//! Audio is 16 kHz s16 mono everywhere ([`ringside_audio::SAMPLE_RATE`]), recognition is fed 20 ms
//! frames ([`ringside_audio::FRAME_SAMPLES`]).

pub mod cache;
mod confidence;
pub mod decoder;
pub mod endpoint;
mod garbage;
pub mod grammar;
pub mod session;
pub mod ssml;
pub mod stt;
pub mod tts;
pub mod voices;

mod ffi;

pub use cache::{CacheKey, PromptCache};
pub use decoder::{Heard, Kind, Models, Word};
pub use endpoint::{End, Timeouts};
pub use grammar::{Choice, Grammar};
pub use session::{Event, Outcome, Phrase, Recognition};
pub use stt::{Mode, Recognizer, SttConfig, SttEngine, GARBAGE_WEIGHT};
pub use tts::{Content, Poll, SynthStream, Synthesis, Tts, TtsConfig, TtsRequest};

/// Why speech failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpeechError {
    /// An engine's library or model is not installed (the dialect's "not supported" error).
    #[error("speech engine unavailable: {0}")]
    Unavailable(String),
    /// The SSML is not well-formed or its root is not `speak` (a bad request).
    #[error("invalid SSML: {0}")]
    InvalidSsml(String),
    /// A request the engine cannot serve (no choices, unknown words only, ...).
    #[error("invalid speech request: {0}")]
    InvalidRequest(String),
    /// espeak-ng failed while synthesising.
    #[error("synthesis failed: {0}")]
    Synthesis(String),
    /// pocketsphinx failed while decoding.
    #[error("recognition failed: {0}")]
    Recognition(String),
    /// The cache directory cannot be used.
    #[error("prompt cache: {0}")]
    Cache(String),
}
