//! Signal levels: RMS in dBFS (0 dBFS = full-scale sine) and the per-frame [`SilenceDetector`].

/// Peak of a full-scale sine in i16 units.
pub const FULL_SCALE: f32 = 32767.0;

/// The floor reported for digital silence (and empty input).
pub const MIN_DBFS: f32 = -120.0;

/// Mean square of a full-scale sine: the 0 dBFS reference.
const FULL_SCALE_MEAN_SQUARE: f64 = (FULL_SCALE as f64) * (FULL_SCALE as f64) / 2.0;

/// Sum of squares of `samples` (exact, in i64).
#[inline]
pub fn sum_squares(samples: &[i16]) -> i64 {
    samples.iter().map(|&s| i64::from(s) * i64::from(s)).sum()
}

/// RMS level of `samples` in dBFS; [`MIN_DBFS`] for silence or empty input.
pub fn rms_dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return MIN_DBFS;
    }
    mean_square_to_dbfs(sum_squares(samples) as f64 / samples.len() as f64)
}

/// Converts a mean square (i16 units²) to dBFS, floored at [`MIN_DBFS`].
pub fn mean_square_to_dbfs(mean_square: f64) -> f32 {
    if mean_square <= 0.0 {
        return MIN_DBFS;
    }
    ((10.0 * (mean_square / FULL_SCALE_MEAN_SQUARE).log10()) as f32).max(MIN_DBFS)
}

/// Converts dBFS to a mean square in i16 units².
pub fn dbfs_to_mean_square(dbfs: f32) -> f64 {
    FULL_SCALE_MEAN_SQUARE * 10f64.powf(f64::from(dbfs) / 10.0)
}

/// Peak amplitude (i16 units) of a sine at `dbfs`.
pub fn dbfs_to_amplitude(dbfs: f32) -> f32 {
    FULL_SCALE * 10f32.powf(dbfs / 20.0)
}

/// Classifies blocks of audio as silent or not by comparing their RMS level with a threshold.
///
/// The comparison is done on the sum of squares, so classifying a frame costs one multiply-add per
/// sample and no logarithm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SilenceDetector {
    threshold_dbfs: f32,
    threshold_mean_square: f64,
}

impl SilenceDetector {
    /// Default threshold: blocks quieter than -40 dBFS are silence.
    pub const DEFAULT_THRESHOLD_DBFS: f32 = -40.0;

    /// A detector treating blocks below `threshold_dbfs` as silence.
    pub fn new(threshold_dbfs: f32) -> SilenceDetector {
        SilenceDetector {
            threshold_dbfs,
            threshold_mean_square: dbfs_to_mean_square(threshold_dbfs),
        }
    }

    /// The threshold in dBFS.
    pub fn threshold_dbfs(&self) -> f32 {
        self.threshold_dbfs
    }

    /// True if the block's RMS level is below the threshold (an empty block is silent).
    pub fn is_silent(&self, samples: &[i16]) -> bool {
        self.is_silent_sum(sum_squares(samples), samples.len())
    }

    /// Same as [`is_silent`](Self::is_silent) for a precomputed sum of squares over `len` samples.
    pub fn is_silent_sum(&self, sum_squares: i64, len: usize) -> bool {
        len == 0 || (sum_squares as f64) < self.threshold_mean_square * len as f64
    }
}

impl Default for SilenceDetector {
    fn default() -> Self {
        SilenceDetector::new(Self::DEFAULT_THRESHOLD_DBFS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_sine_is_zero_dbfs_and_silence_is_floor() {
        let sine: Vec<i16> = (0..1600)
            .map(|n| {
                (FULL_SCALE * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / 16000.0).sin())
                    as i16
            })
            .collect();
        assert!(rms_dbfs(&sine).abs() < 0.05, "{}", rms_dbfs(&sine));
        assert_eq!(rms_dbfs(&[0; 320]), MIN_DBFS);
        assert_eq!(rms_dbfs(&[]), MIN_DBFS);
        let quiet: Vec<i16> = sine.iter().map(|s| s / 100).collect();
        assert!(
            (rms_dbfs(&quiet) + 40.0).abs() < 0.1,
            "{}",
            rms_dbfs(&quiet)
        );
    }

    #[test]
    fn silence_detector_threshold() {
        let detector = SilenceDetector::new(-30.0);
        let loud = [1000i16; 320]; // ~ -27.3 dBFS
        let soft = [500i16; 320]; // ~ -33.3 dBFS
        assert!(!detector.is_silent(&loud));
        assert!(detector.is_silent(&soft));
        assert!(detector.is_silent(&[]));
        assert!((dbfs_to_amplitude(-6.0206) - FULL_SCALE / 2.0).abs() < 1.0);
    }
}
