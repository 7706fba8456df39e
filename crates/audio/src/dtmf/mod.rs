//! DTMF: in-band generation with RFC 4733 style out-of-band events ([`DtmfGenerator`]) and Goertzel
//! detection robust to speech and music ([`DtmfDetector`]).

mod detector;
mod generator;

pub use detector::{DetectorEvent, DtmfDetector, DtmfDetectorConfig, ToneEvent};
pub use generator::{DtmfEvent, DtmfGenerator, DtmfGeneratorConfig, MAX_QUEUED, MIN_DURATION_MS};

/// Low-group (row) frequencies in Hz.
pub const ROW_FREQS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High-group (column) frequencies in Hz.
pub const COLUMN_FREQS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// The key at (row, column) of the DTMF matrix.
pub(crate) fn key_at(row: usize, column: usize) -> Option<ringside_model::Tone> {
    use ringside_model::Tone;
    const MATRIX: [[Tone; 4]; 4] = [
        [Tone::Digit(1), Tone::Digit(2), Tone::Digit(3), Tone::A],
        [Tone::Digit(4), Tone::Digit(5), Tone::Digit(6), Tone::B],
        [Tone::Digit(7), Tone::Digit(8), Tone::Digit(9), Tone::C],
        [Tone::Star, Tone::Digit(0), Tone::Pound, Tone::D],
    ];
    MATRIX.get(row)?.get(column).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_agrees_with_the_model() {
        for (row, &low) in ROW_FREQS.iter().enumerate() {
            for (column, &high) in COLUMN_FREQS.iter().enumerate() {
                let key = key_at(row, column).unwrap();
                assert_eq!(key.frequencies(), Some((low, high)));
            }
        }
        assert_eq!(key_at(4, 0), None);
    }
}
