//! Fuzz target: the WAV reader and the prompt loader (decode, downmix, resample) must never panic,
//! whatever the bytes; successful decodes must be self-consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_audio::wav::{self, WavLimits};
use ringside_audio::Prompt;

fuzz_target!(|data: &[u8]| {
    let limits = WavLimits { max_seconds: 5, max_chunks: 64 };
    if let Ok(decoded) = wav::decode_with_limits(data, limits) {
        assert!(decoded.channels >= 1 && decoded.channels <= wav::MAX_CHANNELS);
        assert!(decoded.samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
        assert!(decoded.samples.len() as u64 <= u64::from(limits.max_seconds) * u64::from(decoded.sample_rate));
    }
    let _ = Prompt::from_wav_with_limits(data, limits);
});
