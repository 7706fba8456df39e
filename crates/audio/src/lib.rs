//! Sans-IO, frame-clocked audio engine: 16 kHz mono s16 in 20 ms frames.
//!
//! Everything here is a plain state machine: no threads, no clocks, no I/O, no randomness. Time is
//! counted in samples at [`SAMPLE_RATE`] (16 kHz); a [`Frame`] is [`FRAME_SAMPLES`] (320) samples =
//! [`FRAME_MS`] (20 ms). The server's media clock calls each component once per frame; tests drive them
//! on virtual time by simply calling them in a loop. Components that report something take an
//! `on_event: impl FnMut(Event)` callback, so nothing allocates per frame on the hot paths.
//!
//! | module | owns |
//! |---|---|
//! | [`mixer`] | [`Mixer`]: conference mix, each leg hears everyone but itself (N-1), mute per leg |
//! | [`prompt`] | [`Prompt`] (decoded 16 kHz mono, shared as `Arc<[i16]>`) and [`PromptPlayer`] (queue, loop, stop, barge-in) |
//! | [`recorder`] | [`Recorder`]: mixed or unmixed (one channel per leg), pause/resume, [`SilencePolicy`] ending in [`RecordEnd`] |
//! | [`dtmf`] | [`DtmfGenerator`] (in-band audio + RFC 4733 style [`DtmfEvent`]s) and [`DtmfDetector`] (Goertzel) |
//! | [`tones`] | [`Oscillator`], [`ToneGenerator`] (sine, ringback, busy, test tone) and [`hold_music`] |
//! | [`level`] | dBFS measurement and [`SilenceDetector`] |
//! | [`wav`] | robust WAV reader (PCM 8/16/24/32, float, A-law/μ-law, extensible) and writer |
//! | [`resample`] | band-limited windowed-sinc polyphase [`Resampler`] (once when a prompt is loaded) and [`StreamResampler`] (media streams, frame by frame) |
//! | [`g711`] | table-based G.711 μ-law / A-law |
//! | [`testsignal`] | seeded speech-like, music-like and noise test signals |
//!
//! Levels are in dBFS where 0 dBFS is a full-scale sine (peak 32767, RMS 32767/√2).
//!
//! Per-leg state is small (a mixer slot is two frames, a detector ~150 bytes, a player a few words plus
//! its queue); decoded prompts are shared between players through `Arc<[i16]>`. The per-frame paths
//! (mixer, player, detector, generators) do not allocate; a [`Recorder`] grows its buffer, which the
//! caller drains with [`Recorder::take_samples`].
//!
//! One media-clock tick of a two-party conversation where the bot plays a prompt and listens for keys:
//!
//! ```
//! use ringside_audio::*;
//!
//! let mut mixer = Mixer::new();
//! let (bot, caller) = (mixer.add_leg(), mixer.add_leg());
//! let mut player = PromptPlayer::new();
//! player.enqueue(hold_music(), PlayOptions { looped: true, barge_in: true }, 1);
//! let mut detector = DtmfDetector::default();
//! let mut phone = DtmfGenerator::default();
//! phone.send(&[Tone::Digit(5)]);
//!
//! let mut pressed = Vec::new();
//! for _tick in 0..25 {
//!     // Inputs: the bot's leg plays the prompt, the caller's phone sends a key.
//!     player.next_frame(mixer.input_mut(bot).unwrap(), |_event| {});
//!     phone.next_frame(mixer.input_mut(caller).unwrap(), |_rfc4733_event| {});
//!     mixer.mix();
//!     // The bot hears the caller (N-1 mix) and detects the key; barge-in stops the prompt.
//!     detector.process(mixer.output(bot).unwrap(), |event| {
//!         if let DetectorEvent::ToneStarted { tone, .. } = event {
//!             pressed.push(tone);
//!         }
//!     });
//!     for &tone in &pressed {
//!         player.barge_in(tone, |_event| {});
//!     }
//! }
//! assert_eq!(pressed, vec![Tone::Digit(5)]);
//! assert!(!player.is_playing());
//! ```
//!
//! API notes:
//! - Each component keeps its own sample clock (samples it has processed); event times are on that
//!   clock. The [`Recorder`]'s policy times count recorded samples only (pauses excluded).
//! - The [`Mixer`] keeps each leg's input and output frame in its slot: write with
//!   [`Mixer::input_mut`], read with [`Mixer::output`]. That avoids per-tick slices of references.
//! - DTMF detection ([`DtmfDetector`]) reports [`DetectorEvent::ToneStarted`] as soon as a key is
//!   confirmed (use it for barge-in and stop tones) and [`DetectorEvent::ToneEnded`] with the key's
//!   [`ToneEvent`] span. [`DtmfGenerator`] reports RFC 4733 style [`DtmfEvent`]s on the same timeline
//!   as the in-band audio, so the same keys can go out in-band or out-of-band.
//!
//! Loading a prompt: `Prompt::from_wav(&bytes)` decodes PCM 8/16/24/32-bit, float, A-law/μ-law, plain
//! or extensible, 1–8 channels at 4–192 kHz, downmixes and resamples once; bad files give a
//! [`WavError`] that says what is wrong. `fuzz/` at the repository root holds the cargo-fuzz target
//! `wav_reader` (`cargo +nightly fuzz run wav_reader`).

pub mod dtmf;
pub mod g711;
pub mod level;
pub mod mixer;
pub mod prompt;
pub mod recorder;
pub mod resample;
pub mod testsignal;
pub mod tones;
pub mod wav;

pub use dtmf::{
    DetectorEvent, DtmfDetector, DtmfDetectorConfig, DtmfEvent, DtmfGenerator, DtmfGeneratorConfig,
    ToneEvent,
};
pub use level::{rms_dbfs, SilenceDetector};
pub use mixer::{MixLeg, Mixer};
pub use prompt::{PlayOptions, PlayerEvent, Prompt, PromptPlayer};
pub use recorder::{RecordEnd, RecordMode, Recorder, RecorderState, SilencePolicy};
pub use resample::{Design, Resampler, StreamResampler};
pub use ringside_model::{Tone, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE};
pub use tones::{hold_music, Oscillator, ToneGenerator};
pub use wav::{DecodedWav, SampleFormat, WavError, WavLimits, WavSpec};

/// One 20 ms frame of 16 kHz mono signed 16-bit audio.
pub type Frame = [i16; FRAME_SAMPLES];

/// A frame of silence.
pub const SILENT_FRAME: Frame = [0; FRAME_SAMPLES];

/// Milliseconds to samples at [`SAMPLE_RATE`].
pub const fn ms_to_samples(ms: u32) -> u64 {
    ms as u64 * SAMPLE_RATE as u64 / 1000
}

/// Saturating conversion of a float sample (already in i16 units) to `i16`, rounding to nearest
/// (half away from zero, exactly as `x.round() as i16`).
#[inline]
pub(crate) fn clamp_i16(x: f32) -> i16 {
    // `f32::round` is a libm call on baseline x86-64 (no SSE4.1), which dominated tone rendering.
    // In f64, adding ±0.5 to any f32 value is exact wherever it matters (|x| < 2^52), so
    // truncating the sum is `round`; `as` saturates and maps NaN to 0.
    let x = f64::from(x);
    (x + 0.5f64.copysign(x)) as i16
}

#[cfg(test)]
mod tests {
    #[test]
    fn clamp_i16_rounds_like_round() {
        let mut x = -40_000.0f32;
        while x < 40_000.0 {
            for v in [x, x + 0.5, x - 0.5, x + 0.49999997, x + 0.50000006] {
                assert_eq!(super::clamp_i16(v), v.round() as i16, "{v}");
            }
            x += 0.731;
        }
        for v in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            0.49999997,
            -0.49999997,
            1e-40,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ] {
            assert_eq!(super::clamp_i16(v), v.round() as i16, "{v}");
        }
    }
}
