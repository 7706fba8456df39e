//! Band-limited sample-rate conversion: a rational (L/M) polyphase windowed-sinc resampler.
//!
//! The prototype low-pass filter is a Kaiser-windowed sinc (≈ 80 dB stop-band attenuation) with its
//! pass band ending at 90 % of the lower Nyquist frequency and its stop band starting at the lower
//! Nyquist frequency, so nothing aliases into the pass band. The filter is zero-phase (centred), so
//! output sample `n` is aligned with input time `n * in_rate / out_rate` and a signal keeps its exact
//! duration. It is meant to run once per prompt load, not per frame.

use crate::wav::WavError;

/// Lowest and highest input rates accepted.
pub const MIN_RATE: u32 = 4_000;
/// See [`MIN_RATE`].
pub const MAX_RATE: u32 = 192_000;
/// Largest interpolation factor (number of polyphase branches) accepted.
const MAX_PHASES: u64 = 1_024;
/// Stop-band attenuation of the prototype filter in dB.
const ATTENUATION_DB: f64 = 80.0;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// True if [`Resampler::new`] accepts `rate` as input for the engine's 16 kHz.
pub fn is_supported_rate(rate: u32) -> bool {
    (MIN_RATE..=MAX_RATE).contains(&rate)
        && u64::from(crate::SAMPLE_RATE) / gcd(u64::from(crate::SAMPLE_RATE), u64::from(rate))
            <= MAX_PHASES
}

/// Zeroth-order modified Bessel function of the first kind (series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..64 {
        term *= half / k as f64;
        let t2 = term * term;
        sum += t2;
        if t2 < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// A fixed-ratio polyphase resampler from `in_rate` to `out_rate`.
#[derive(Clone, Debug)]
pub struct Resampler {
    in_rate: u32,
    out_rate: u32,
    /// Interpolation factor L.
    up: u64,
    /// Decimation factor M.
    down: u64,
    /// Half length H of the prototype filter, in units of the `in_rate * L` grid.
    half: u64,
    /// Taps per phase K.
    taps: usize,
    /// `up` phases of `taps` coefficients each, stored oldest-input-first (tap K-1 .. tap 0) so that
    /// each output is a forward dot product with a contiguous input window.
    table: Vec<f32>,
}

impl Resampler {
    /// Builds the filter bank for `in_rate` → `out_rate` (both 4 to 192 kHz, with at most 1024
    /// polyphase branches, which covers every common rate).
    pub fn new(in_rate: u32, out_rate: u32) -> Result<Resampler, WavError> {
        for rate in [in_rate, out_rate] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(WavError::UnsupportedSampleRate { rate });
            }
        }
        let g = gcd(u64::from(in_rate), u64::from(out_rate));
        let up = u64::from(out_rate) / g;
        let down = u64::from(in_rate) / g;
        if up > MAX_PHASES {
            return Err(WavError::UnsupportedSampleRate { rate: in_rate });
        }
        if up == 1 && down == 1 {
            return Ok(Resampler {
                in_rate,
                out_rate,
                up,
                down,
                half: 0,
                taps: 1,
                table: vec![1.0],
            });
        }
        let grid = f64::from(in_rate) * up as f64; // rate of the virtual upsampled signal
        let nyquist = f64::from(in_rate.min(out_rate)) / 2.0;
        let pass = 0.9 * nyquist;
        let transition = nyquist - pass;
        let cutoff = (pass + nyquist) / 2.0;
        let beta = 0.1102 * (ATTENUATION_DB - 8.7);
        let length = (ATTENUATION_DB - 7.95)
            / (2.285 * 2.0 * std::f64::consts::PI * transition / grid)
            + 1.0;
        let half = (length / 2.0).ceil() as u64;
        let taps = (2 * half / up + 1) as usize;
        let i0_beta = bessel_i0(beta);
        let fc = cutoff / grid; // cycles per grid sample
        let prototype = |t: i64| -> f64 {
            let x = t as f64;
            let sinc = if t == 0 {
                1.0
            } else {
                (2.0 * std::f64::consts::PI * fc * x).sin()
                    / (std::f64::consts::PI * x)
                    / (2.0 * fc)
            };
            let r = x / half as f64;
            let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
            sinc * window
        };
        // The prototype is symmetric: evaluate one half.
        let half_prototype: Vec<f64> = (0..=half as i64).map(prototype).collect();
        let mut table = vec![0f32; up as usize * taps];
        for (phase, row) in table.chunks_exact_mut(taps).enumerate() {
            // Coefficient k of phase o is g(o + k*L - H).
            let mut values = vec![0f64; taps];
            for (k, v) in values.iter_mut().enumerate() {
                let index = phase as u64 + k as u64 * up;
                if index <= 2 * half {
                    let distance = (index as i64 - half as i64).unsigned_abs() as usize;
                    *v = half_prototype.get(distance).copied().unwrap_or(0.0);
                }
            }
            // Normalise each branch to unity DC gain.
            let sum: f64 = values.iter().sum();
            let norm = if sum.abs() > 1e-12 { 1.0 / sum } else { 0.0 };
            for (dst, v) in row.iter_mut().zip(values.iter().rev()) {
                *dst = (v * norm) as f32;
            }
        }
        Ok(Resampler {
            in_rate,
            out_rate,
            up,
            down,
            half,
            taps,
            table,
        })
    }

    /// Input rate in Hz.
    pub fn in_rate(&self) -> u32 {
        self.in_rate
    }

    /// Output rate in Hz.
    pub fn out_rate(&self) -> u32 {
        self.out_rate
    }

    /// Filter taps evaluated per output sample.
    pub fn taps_per_output(&self) -> usize {
        self.taps
    }

    /// Output length for `input_len` input samples: `ceil(input_len * out_rate / in_rate)`.
    pub fn output_len(&self, input_len: usize) -> usize {
        ((input_len as u64 * self.up).div_ceil(self.down)) as usize
    }

    /// Resamples a whole signal (zero padding before and after).
    pub fn process(&self, input: &[f32]) -> Vec<f32> {
        if self.up == 1 && self.down == 1 {
            return input.to_vec();
        }
        let pad = self.taps + 2;
        let mut padded = vec![0f32; input.len() + 2 * pad];
        padded[pad..pad + input.len()].copy_from_slice(input);
        let out_len = self.output_len(input.len());
        let mut out = Vec::with_capacity(out_len);
        for n in 0..out_len as u64 {
            let q = n * self.down + self.half;
            let newest = q / self.up; // input index of tap k = 0
            let phase = (q - newest * self.up) as usize;
            let coefficients = &self.table[phase * self.taps..(phase + 1) * self.taps];
            // Tap k multiplies input[newest - k]; in `padded` that is index newest + pad - k.
            let top = newest as usize + pad;
            let window = &padded[top + 1 - self.taps..=top];
            out.push(dot(coefficients, window));
        }
        out
    }
}

/// Dot product with eight independent accumulators (lets the compiler vectorise).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let a_chunks = a.chunks_exact(8);
    let b_chunks = b.chunks_exact(8);
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in a_chunks.zip(b_chunks) {
        for ((lane, x), y) in lanes.iter_mut().zip(ca).zip(cb) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Resamples `input` at `in_rate` to the engine's 16 kHz.
pub fn to_engine_rate(input: &[f32], in_rate: u32) -> Result<Vec<f32>, WavError> {
    Ok(Resampler::new(in_rate, crate::SAMPLE_RATE)?.process(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, len: usize, amplitude: f64) -> Vec<f32> {
        (0..len)
            .map(|n| {
                (amplitude * (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    /// Power of `freq` in `x` (Goertzel), normalised so a unit sine gives 0.5.
    fn tone_power(x: &[f32], freq: f64, rate: u32) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        let c = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in x {
            let s0 = f64::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.len() as f64).powi(2)
    }

    #[test]
    fn supported_rates() {
        for rate in [
            8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000, 192000,
        ] {
            assert!(is_supported_rate(rate), "{rate}");
            assert!(Resampler::new(rate, 16_000).is_ok(), "{rate}");
        }
        assert!(!is_supported_rate(0));
        assert!(!is_supported_rate(1000));
        assert!(!is_supported_rate(44_057)); // gcd 1 → 16000 phases
        assert!(Resampler::new(44_057, 16_000).is_err());
    }

    #[test]
    fn keeps_in_band_tones_and_duration() {
        for rate in [8000u32, 22050, 24000, 44100, 48000] {
            let resampler = Resampler::new(rate, 16_000).unwrap();
            let input = sine(1000.0, rate, rate as usize, 0.5);
            let out = resampler.process(&input);
            assert_eq!(out.len(), 16_000, "{rate}");
            let middle = &out[2000..14000];
            let p = tone_power(middle, 1000.0, 16_000);
            assert!((p - 0.125).abs() < 0.002, "{rate}: power {p}");
            let off = tone_power(middle, 1300.0, 16_000);
            assert!(off < 1e-5, "{rate}: leakage {off}");
        }
    }

    #[test]
    fn rejects_frequencies_above_the_new_nyquist() {
        // 9 kHz would alias to 7 kHz at 16 kHz; a linear interpolator lets a lot through.
        for rate in [44100u32, 48000] {
            let out = Resampler::new(rate, 16_000).unwrap().process(&sine(
                9000.0,
                rate,
                rate as usize,
                0.5,
            ));
            let alias = tone_power(&out[2000..14000], 7000.0, 16_000);
            assert!(alias < 0.125 * 1e-7, "{rate}: alias power {alias}");
        }
    }

    #[test]
    fn identity_and_upsampling() {
        let r = Resampler::new(16_000, 16_000).unwrap();
        assert_eq!(r.process(&[0.5, -0.25]), vec![0.5, -0.25]);
        let up = Resampler::new(8000, 16_000).unwrap();
        let out = up.process(&sine(440.0, 8000, 8000, 0.5));
        assert_eq!(out.len(), 16_000);
        // No image at 8000 - 440 Hz.
        assert!(tone_power(&out[2000..14000], 7560.0, 16_000) < 1e-8);
        assert!((tone_power(&out[2000..14000], 440.0, 16_000) - 0.125).abs() < 0.002);
    }
}
