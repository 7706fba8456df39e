//! Band-limited sample-rate conversion: a rational (L/M) polyphase windowed-sinc resampler.
//!
//! The prototype low-pass filter is a Kaiser-windowed sinc whose stop band starts at the lower
//! Nyquist frequency, so nothing aliases into the pass band; its [`Design`] sets the stop-band
//! attenuation and where the pass band ends. Two ways to run it:
//!
//! - [`Resampler::process`] converts a whole signal once (prompt loading; [`Design::PROMPT`]:
//!   80 dB, pass band to 90 % of the lower Nyquist). The filter is zero-phase (centred), so output
//!   sample `n` is aligned with input time `n * in_rate / out_rate` and a signal keeps its exact
//!   duration.
//! - [`StreamResampler`] converts a stream block by block (media streams' 20 ms frames;
//!   [`Design::STREAM`]), carrying the filter state between blocks without allocating. Being
//!   causal, it delays the signal by half the filter ([`StreamResampler::delay`]). Exact small
//!   ratios (8 ↔ 16 kHz, 16 ↔ 24 kHz: `up` and `down` both at most 3) run the same filter bank on
//!   a kernel vectorised across outputs ([`exact`]); other ratios (22.05 → 16 kHz) on the general
//!   one.

use crate::wav::WavError;

mod exact;
#[cfg(test)]
mod exact_tests;

/// Lowest and highest input rates accepted.
pub const MIN_RATE: u32 = 4_000;
/// See [`MIN_RATE`].
pub const MAX_RATE: u32 = 192_000;
/// Largest interpolation factor (number of polyphase branches) accepted.
const MAX_PHASES: u64 = 1_024;

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

/// The prototype filter's quality: stop-band attenuation and the end of the pass band. A longer
/// filter (more attenuation, a narrower transition) costs more per sample and, when streaming,
/// more delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Design {
    /// Stop-band attenuation in dB (clamped to 20–140).
    pub attenuation_db: f64,
    /// End of the pass band as a fraction of the lower Nyquist frequency (clamped to 0.5–0.98);
    /// the stop band starts at that Nyquist frequency.
    pub passband: f64,
}

impl Design {
    /// Prompt loading (once per file): 80 dB, pass band to 90 % of the lower Nyquist (7.2 kHz
    /// at 16 kHz).
    pub const PROMPT: Design = Design {
        attenuation_db: 80.0,
        passband: 0.9,
    };
    /// Media streams (every 20 ms frame): 70 dB, pass band to 80 % of the lower Nyquist (6.4 kHz
    /// between 16 and 24 kHz): about a third of [`Design::PROMPT`]'s taps and delay.
    pub const STREAM: Design = Design {
        attenuation_db: 70.0,
        passband: 0.8,
    };
}

impl Design {
    /// Attenuation and pass band within their limits (the defaults of [`Design::PROMPT`] for
    /// values that are not numbers).
    fn limited(self) -> (f64, f64) {
        let finite = |v: f64, default: f64| if v.is_finite() { v } else { default };
        (
            finite(self.attenuation_db, Design::PROMPT.attenuation_db).clamp(20.0, 140.0),
            finite(self.passband, Design::PROMPT.passband).clamp(0.5, 0.98),
        )
    }
}

/// Kaiser window β for a stop-band attenuation in dB.
fn kaiser_beta(attenuation: f64) -> f64 {
    if attenuation > 50.0 {
        0.1102 * (attenuation - 8.7)
    } else {
        let a = (attenuation - 21.0).max(0.0);
        0.5842 * a.powf(0.4) + 0.07886 * a
    }
}

/// The polyphase filter bank: `up` phases of `taps` coefficients of a Kaiser-windowed sinc of
/// half length `half` (grid samples) and cut-off `fc` (cycles per grid sample), each phase
/// normalised to unity DC gain and stored oldest-input-first.
fn filter_bank(up: u64, half: u64, taps: usize, fc: f64, beta: f64) -> Vec<f32> {
    let i0_beta = bessel_i0(beta);
    let prototype = |t: i64| -> f64 {
        let x = t as f64;
        let sinc = if t == 0 {
            1.0
        } else {
            (2.0 * std::f64::consts::PI * fc * x).sin() / (std::f64::consts::PI * x) / (2.0 * fc)
        };
        let r = x / half as f64;
        let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
        sinc * window
    };
    // The prototype is symmetric: evaluate one half.
    let half_prototype: Vec<f64> = (0..=half as i64).map(prototype).collect();
    let mut table = vec![0f32; up as usize * taps];
    let mut values = vec![0f64; taps];
    for (phase, row) in table.chunks_exact_mut(taps).enumerate() {
        // Coefficient k of phase o is g(o + k*L - H).
        for (k, v) in values.iter_mut().enumerate() {
            let index = phase as u64 + k as u64 * up;
            *v = if index <= 2 * half {
                let distance = (index as i64 - half as i64).unsigned_abs() as usize;
                half_prototype.get(distance).copied().unwrap_or(0.0)
            } else {
                0.0
            };
        }
        // Normalise each branch to unity DC gain.
        let sum: f64 = values.iter().sum();
        let norm = if sum.abs() > 1e-12 { 1.0 / sum } else { 0.0 };
        for (dst, v) in row.iter_mut().zip(values.iter().rev()) {
            *dst = (v * norm) as f32;
        }
    }
    table
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
    /// polyphase branches, which covers every common rate) with [`Design::PROMPT`].
    pub fn new(in_rate: u32, out_rate: u32) -> Result<Resampler, WavError> {
        Resampler::with_design(in_rate, out_rate, Design::PROMPT)
    }

    /// [`new`](Self::new) with another filter [`Design`].
    pub fn with_design(in_rate: u32, out_rate: u32, design: Design) -> Result<Resampler, WavError> {
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
        let (attenuation, passband) = design.limited();
        let pass = passband * nyquist;
        let transition = nyquist - pass;
        let cutoff = (pass + nyquist) / 2.0;
        let length =
            (attenuation - 7.95) / (2.285 * 2.0 * std::f64::consts::PI * transition / grid) + 1.0;
        let half = (length / 2.0).ceil() as u64;
        let taps = (2 * half / up + 1) as usize;
        let table = filter_bank(up, half, taps, cutoff / grid, kaiser_beta(attenuation));
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

/// A [`Resampler`] run on a stream, block by block (e.g. 20 ms frames: 320 samples at 16 kHz in,
/// 480 at 24 kHz out, and back), carrying its filter state, so the blocks join seamlessly and
/// the output is the same whatever the block sizes. One per channel.
///
/// Causal: output sample `n` is the filter centred on input time `n * in_rate / out_rate` minus
/// [`delay`](Self::delay) (half the filter); the stream starts from silence. After the first block
/// of a given size, processing does not allocate.
#[derive(Clone, Debug)]
pub struct StreamResampler {
    filter: Resampler,
    /// The last `taps - 1` inputs (oldest first; silence at the start), then the current block.
    history: Vec<f32>,
    /// Inputs taken and outputs given, both reduced by whole periods (`down` inputs ↔ `up`
    /// outputs) so they never grow.
    consumed: u64,
    produced: u64,
    /// Runs on the exact small-ratio kernel ([`exact`]).
    exact: bool,
}

impl StreamResampler {
    /// A stream from `in_rate` to `out_rate` with [`Design::STREAM`] (rates as for
    /// [`Resampler::new`]).
    pub fn new(in_rate: u32, out_rate: u32) -> Result<StreamResampler, WavError> {
        StreamResampler::with_design(in_rate, out_rate, Design::STREAM)
    }

    /// [`new`](Self::new) with another filter [`Design`].
    pub fn with_design(
        in_rate: u32,
        out_rate: u32,
        design: Design,
    ) -> Result<StreamResampler, WavError> {
        let filter = Resampler::with_design(in_rate, out_rate, design)?;
        let history = Vec::with_capacity(filter.taps - 1);
        let exact = exact::applies(filter.up, filter.down, filter.taps);
        let mut stream = StreamResampler {
            filter,
            history,
            consumed: 0,
            produced: 0,
            exact,
        };
        stream.reset();
        Ok(stream)
    }

    /// Back to the start of a stream (silent history).
    pub fn reset(&mut self) {
        self.history.clear();
        self.history.resize(self.filter.taps - 1, 0.0);
        self.consumed = 0;
        self.produced = 0;
    }

    /// The filter's delay: output lags input by this much (half the prototype filter).
    pub fn delay(&self) -> std::time::Duration {
        let grid = u64::from(self.filter.in_rate) * self.filter.up;
        std::time::Duration::from_secs_f64(self.filter.half as f64 / grid as f64)
    }

    /// The resampler's filter bank.
    pub fn filter(&self) -> &Resampler {
        &self.filter
    }

    /// Bytes held on the heap (filter bank and history).
    pub fn heap_bytes(&self) -> usize {
        (self.filter.table.capacity() + self.history.capacity()) * std::mem::size_of::<f32>()
    }

    /// Samples the next `input_len` inputs produce: `out_rate / in_rate` of them, exactly for
    /// blocks of whole periods (320 → 480 and 480 → 320 between 16 and 24 kHz).
    pub fn output_len(&self, input_len: usize) -> usize {
        let (up, down) = (self.filter.up, self.filter.down);
        let total = (self.consumed + input_len as u64) * up;
        (total.div_ceil(down) - self.produced) as usize
    }

    /// Resamples the next block into `out` and returns how many samples it wrote:
    /// [`output_len`](Self::output_len)`(input.len())`, or `out.len()` if that is shorter (the
    /// rest of this block's output is then dropped, the stream stays in step).
    pub fn process(&mut self, input: &[i16], out: &mut [i16]) -> usize {
        let (up, down, taps) = (self.filter.up, self.filter.down, self.filter.taps);
        let kept = taps - 1;
        self.history.extend(input.iter().map(|&s| f32::from(s)));
        let first = self.consumed; // input index of history[kept]
        self.consumed += input.len() as u64;
        let end = (self.consumed * up).div_ceil(down);
        if self.exact {
            let bank = exact::Bank {
                table: &self.filter.table,
                taps,
                up,
                down,
            };
            let mut sink = exact::Sink {
                out,
                first_output: self.produced,
                written: 0,
            };
            exact::run(
                &bank,
                &self.history,
                first,
                &mut self.produced,
                end,
                &mut sink,
            );
            let written = sink.written;
            self.finish_block();
            return written;
        }
        let mut written = 0;
        while self.produced < end {
            let q = self.produced * down;
            let newest = q / up;
            let phase = (q - newest * up) as usize;
            let Some(offset) = newest.checked_sub(first) else {
                self.produced += 1;
                continue;
            };
            let top = offset as usize + kept;
            let coefficients = self.filter.table.get(phase * taps..(phase + 1) * taps);
            let window = self.history.get(top + 1 - taps..=top);
            if let (Some(c), Some(w), Some(slot)) = (coefficients, window, out.get_mut(written)) {
                *slot = crate::clamp_i16(dot(c, w));
                written += 1;
            }
            self.produced += 1;
        }
        self.finish_block();
        written
    }

    /// Keeps the last `taps - 1` inputs and drops whole periods from the counters.
    fn finish_block(&mut self) {
        let (up, down, kept) = (self.filter.up, self.filter.down, self.filter.taps - 1);
        let len = self.history.len();
        self.history.copy_within(len - kept.., 0);
        self.history.truncate(kept);
        let periods = (self.produced / up).min(self.consumed / down);
        self.produced -= periods * up;
        self.consumed -= periods * down;
    }

    /// The same stream on the general kernel (to compare the exact path with).
    #[cfg(test)]
    fn general(mut self) -> StreamResampler {
        self.exact = false;
        self
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

    /// Streams `input` through `stream` in blocks of `block` samples.
    fn stream_blocks(stream: &mut StreamResampler, input: &[i16], block: usize) -> Vec<i16> {
        let mut out = Vec::new();
        let mut buf = vec![0i16; 4 * block + 8];
        for chunk in input.chunks(block) {
            let n = stream.process(chunk, &mut buf);
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    fn as_f32(x: &[i16]) -> Vec<f32> {
        x.iter().map(|&s| f32::from(s)).collect()
    }

    /// Hann-windowed power spectrum of `x`, bins `0..x.len() / 2`.
    fn power_spectrum(x: &[f32]) -> Vec<f64> {
        let n = x.len();
        let windowed: Vec<f32> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
                (f64::from(v) * w) as f32
            })
            .collect();
        (0..n / 2)
            .map(|k| tone_power(&windowed, k as f64, n as u32))
            .collect()
    }

    #[test]
    fn streaming_frames_are_320_in_480_out_and_back() {
        let mut up = StreamResampler::new(16_000, 24_000).unwrap();
        let mut down = StreamResampler::new(24_000, 16_000).unwrap();
        let frame16 = [1000i16; 320];
        let mut frame24 = [0i16; 480];
        let mut back = [0i16; 320];
        for _ in 0..10 {
            assert_eq!(up.output_len(320), 480);
            assert_eq!(up.process(&frame16, &mut frame24), 480);
            assert_eq!(down.output_len(480), 320);
            assert_eq!(down.process(&frame24, &mut back), 320);
        }
        // DC passes at unity gain once the filters have filled.
        assert!(frame24.iter().all(|&s| (999..=1001).contains(&s)));
        assert!(back.iter().all(|&s| (999..=1001).contains(&s)));
        // A short output buffer drops the rest of the block but the stream stays in step.
        let mut short = [0i16; 100];
        assert_eq!(up.process(&frame16, &mut short), 100);
        assert_eq!(up.output_len(320), 480);
    }

    #[test]
    fn streaming_output_does_not_depend_on_block_sizes() {
        let input = crate::testsignal::white_noise(3, -12.0, 16_000);
        let whole = stream_blocks(
            &mut StreamResampler::new(16_000, 24_000).unwrap(),
            &input,
            16_000,
        );
        assert_eq!(whole.len(), 24_000);
        for block in [320, 7, 1, 1000] {
            let mut stream = StreamResampler::new(16_000, 24_000).unwrap();
            assert_eq!(stream_blocks(&mut stream, &input, block), whole, "{block}");
        }
        let mut stream = StreamResampler::new(16_000, 24_000).unwrap();
        let first = stream_blocks(&mut stream, &input[..3200], 320);
        stream.reset();
        assert_eq!(stream_blocks(&mut stream, &input[..3200], 320), first);
    }

    #[test]
    fn a_1_khz_tone_keeps_its_frequency_and_level_through_16_24_16() {
        // -6 dBFS, 16 samples per period at 16 kHz: 1 s.
        let tone = crate::testsignal::sine(1000.0, -6.0, 16_000);
        let mut up = StreamResampler::new(16_000, 24_000).unwrap();
        let mut down = StreamResampler::new(24_000, 16_000).unwrap();
        let mut back = Vec::new();
        let (mut f24, mut f16) = ([0i16; 480], [0i16; 320]);
        for frame in tone.chunks_exact(320) {
            let n = up.process(frame, &mut f24);
            let m = down.process(&f24[..n], &mut f16);
            back.extend_from_slice(&f16[..m]);
        }
        assert_eq!(back.len(), tone.len());
        // Past the filters' start (first 100 ms), 800 ms = 12,800 samples = 800 periods.
        let before = as_f32(&tone[1600..14_400]);
        let after = as_f32(&back[1600..14_400]);
        let p_in = tone_power(&before, 1000.0, 16_000);
        let p_out = tone_power(&after, 1000.0, 16_000);
        let level_db = 10.0 * (p_out / p_in).log10();
        assert!(level_db.abs() < 0.05, "level changed by {level_db} dB");
        // Everything that is not the 1 kHz tone is at least 80 dB below it.
        let total = after.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / after.len() as f64;
        let rest = (total - p_out).max(1e-12);
        let snr_db = 10.0 * (p_out / rest).log10();
        assert!(snr_db > 80.0, "tone to rest {snr_db} dB");
    }

    #[test]
    fn upsampling_full_band_noise_leaves_nothing_above_8_khz() {
        let noise = crate::testsignal::white_noise(5, -12.0, 8_000);
        let mut up = StreamResampler::new(16_000, 24_000).unwrap();
        let out = stream_blocks(&mut up, &noise, 320);
        // 0.2 s past the start: 4,800 samples at 24 kHz, 5 Hz bins.
        let spectrum = power_spectrum(&as_f32(&out[2400..7200]));
        let bin_hz = 24_000.0 / 4800.0;
        let band = |lo: f64, hi: f64| -> f64 {
            spectrum
                .iter()
                .enumerate()
                .filter(|(k, _)| (lo..hi).contains(&(*k as f64 * bin_hz)))
                .map(|(_, p)| p)
                .sum()
        };
        let below = band(0.0, 8000.0);
        let above = band(8000.0, 12_000.0);
        let attenuation_db = 10.0 * (below / above).log10();
        assert!(
            attenuation_db > 70.0,
            "above 8 kHz only {attenuation_db} dB down"
        );
        // The linear interpolation this replaces let the images through.
        let linear: Vec<f32> = (0..out.len())
            .map(|j| {
                let t = j as f64 * 2.0 / 3.0;
                let i = t as usize;
                let f = t - i as f64;
                let a = f64::from(noise.get(i).copied().unwrap_or(0));
                let b = f64::from(noise.get(i + 1).copied().unwrap_or(0));
                (a + (b - a) * f) as f32
            })
            .collect();
        let spectrum = power_spectrum(&linear[2400..7200]);
        let above: f64 = spectrum[1600..].iter().sum();
        let below: f64 = spectrum[..1600].iter().sum();
        assert!(10.0 * (below / above).log10() < 20.0);
    }
}
