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
//! | [`ffi`] | `libloading` bindings to espeak-ng and pocketsphinx (the only `unsafe`) |
//!
//! Audio is 16 kHz s16 mono everywhere ([`ringside_audio::SAMPLE_RATE`]), recognition is fed 20 ms
//! frames ([`ringside_audio::FRAME_SAMPLES`]).

pub mod cache;
pub mod ssml;
pub mod tts;
pub mod voices;

mod ffi;

pub use cache::{CacheKey, PromptCache};
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
