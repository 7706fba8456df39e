//! The engine's one media format: 16 kHz mono signed 16-bit PCM in 20 ms frames.

/// Samples per second.
pub const SAMPLE_RATE: u32 = 16_000;
/// Milliseconds per frame.
pub const FRAME_MS: u32 = 20;
/// Samples per 20 ms frame at 16 kHz.
pub const FRAME_SAMPLES: usize = (SAMPLE_RATE * FRAME_MS / 1000) as usize;
