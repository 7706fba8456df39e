//! Tone generation: a drift-free [`Oscillator`], cadenced [`ToneGenerator`]s (sine, ringback, busy,
//! test tone) and the synthetic, original [`hold_music`] loop.

use std::f64::consts::PI;
use std::sync::{Arc, OnceLock};

use crate::level::dbfs_to_amplitude;
use crate::prompt::Prompt;
use crate::{ms_to_samples, SAMPLE_RATE};

/// A sine whose phase is a function of the absolute sample index, so it never drifts: each call
/// seeds a two-term recurrence from `sin` at the block start and runs it across the block (one
/// multiply-add per sample).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Oscillator {
    freq_hz: f64,
    amplitude: f32,
}

impl Oscillator {
    /// A sine of `freq_hz` at `dbfs` (peak relative to full scale).
    pub fn new(freq_hz: f32, dbfs: f32) -> Oscillator {
        Oscillator::with_amplitude(freq_hz, dbfs_to_amplitude(dbfs))
    }

    /// A sine of `freq_hz` with peak `amplitude` in i16 units.
    pub fn with_amplitude(freq_hz: f32, amplitude: f32) -> Oscillator {
        Oscillator {
            freq_hz: f64::from(freq_hz),
            amplitude,
        }
    }

    /// Frequency in Hz.
    pub fn freq_hz(&self) -> f32 {
        self.freq_hz as f32
    }

    /// Adds `amplitude * sin(2π f (start + n) / 16000)` to `out[n]`.
    pub fn add_to(&self, start_sample: u64, out: &mut [f32]) {
        let (mut previous, mut current, k) = self.seed(start_sample);
        for o in out.iter_mut() {
            *o += current as f32;
            let next = k * current - previous;
            previous = current;
            current = next;
        }
    }

    /// Adds two oscillators in one pass: exactly `a.add_to(..)` followed by `b.add_to(..)`, about
    /// twice as fast because the two recurrences overlap instead of running one after the other.
    pub fn add_pair_to(a: &Oscillator, b: &Oscillator, start_sample: u64, out: &mut [f32]) {
        let (mut a_previous, mut a_current, a_k) = a.seed(start_sample);
        let (mut b_previous, mut b_current, b_k) = b.seed(start_sample);
        for o in out.iter_mut() {
            *o += a_current as f32;
            *o += b_current as f32;
            let a_next = a_k * a_current - a_previous;
            a_previous = a_current;
            a_current = a_next;
            let b_next = b_k * b_current - b_previous;
            b_previous = b_current;
            b_current = b_next;
        }
    }

    /// (previous, current, recurrence coefficient) at `start_sample`.
    fn seed(&self, start_sample: u64) -> (f64, f64, f64) {
        let step = 2.0 * PI * self.freq_hz / f64::from(SAMPLE_RATE);
        // Reduce the phase exactly with integer arithmetic where possible.
        let cycles = (start_sample as f64 * self.freq_hz / f64::from(SAMPLE_RATE)).fract();
        let phase = 2.0 * PI * cycles;
        let a = f64::from(self.amplitude);
        (a * (phase - step).sin(), a * phase.sin(), 2.0 * step.cos())
    }
}

/// A continuous or cadenced tone of one or two frequencies.
#[derive(Clone, Debug, PartialEq)]
pub struct ToneGenerator {
    oscillators: [Option<Oscillator>; 2],
    /// On/off durations in samples, repeated; empty = continuous.
    cadence: Vec<(u64, u64)>,
    position: u64,
}

impl ToneGenerator {
    /// A continuous sine.
    pub fn sine(freq_hz: f32, dbfs: f32) -> ToneGenerator {
        ToneGenerator::new(&[freq_hz], dbfs, &[])
    }

    /// Tones of `freqs` (one or two, each at `dbfs`) switched on and off by `cadence_ms` pairs
    /// (on, off), repeated; an empty cadence is continuous.
    pub fn new(freqs: &[f32], dbfs: f32, cadence_ms: &[(u32, u32)]) -> ToneGenerator {
        let mut oscillators = [None, None];
        for (slot, &f) in oscillators.iter_mut().zip(freqs) {
            *slot = Some(Oscillator::new(f, dbfs));
        }
        let cadence = cadence_ms
            .iter()
            .map(|&(on, off)| (ms_to_samples(on), ms_to_samples(off)))
            .filter(|&(on, off)| on + off > 0)
            .collect();
        ToneGenerator {
            oscillators,
            cadence,
            position: 0,
        }
    }

    /// North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
    pub fn ringback() -> ToneGenerator {
        ToneGenerator::new(&[440.0, 480.0], -19.0, &[(2000, 4000)])
    }

    /// European (CEPT) ringback: 425 Hz, 1 s on, 4 s off.
    pub fn ringback_eu() -> ToneGenerator {
        ToneGenerator::new(&[425.0], -16.0, &[(1000, 4000)])
    }

    /// North American busy: 480 + 620 Hz, 0.5 s on, 0.5 s off.
    pub fn busy() -> ToneGenerator {
        ToneGenerator::new(&[480.0, 620.0], -19.0, &[(500, 500)])
    }

    /// European (CEPT) busy: 425 Hz, 0.5 s on, 0.5 s off.
    pub fn busy_eu() -> ToneGenerator {
        ToneGenerator::new(&[425.0], -16.0, &[(500, 500)])
    }

    /// A continuous test tone for simulated phones: a sine at `freq_hz` and -16 dBFS (use distinct
    /// frequencies per phone to check who hears whom in a mix; 1004 Hz is the classic test tone).
    pub fn test_tone(freq_hz: f32) -> ToneGenerator {
        ToneGenerator::sine(freq_hz, -16.0)
    }

    /// Samples generated so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Overwrites `out` with the next samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        out.fill(0);
        self.add_to(out);
    }

    /// Adds (saturating) the next samples to `out`.
    pub fn add_to(&mut self, out: &mut [i16]) {
        let mut scratch = [0f32; crate::FRAME_SAMPLES];
        let cycle: u64 = self.cadence.iter().map(|&(on, off)| on + off).sum();
        for chunk in out.chunks_mut(crate::FRAME_SAMPLES) {
            let mut done = 0usize;
            while done < chunk.len() {
                let now = self.position + done as u64;
                // Length of the current on/off segment still ahead and whether it is on.
                let (on, left) = if cycle == 0 {
                    (true, u64::MAX)
                } else {
                    let mut t = now % cycle;
                    let mut state = (false, 1);
                    for &(on_len, off_len) in &self.cadence {
                        if t < on_len {
                            state = (true, on_len - t);
                            break;
                        }
                        t -= on_len;
                        if t < off_len {
                            state = (false, off_len - t);
                            break;
                        }
                        t -= off_len;
                    }
                    state
                };
                let n = (chunk.len() - done).min(usize::try_from(left).unwrap_or(usize::MAX));
                if on {
                    let block = &mut scratch[..n];
                    block.fill(0.0);
                    for osc in self.oscillators.iter().flatten() {
                        osc.add_to(now, block);
                    }
                    for (o, &v) in chunk[done..done + n].iter_mut().zip(block.iter()) {
                        *o = crate::clamp_i16(f32::from(*o) + v);
                    }
                }
                done += n;
            }
            self.position += chunk.len() as u64;
        }
    }
}

/// The hold-music loop: an original, synthetic 20-second piece (8 bars at 96 bpm) (a I–vi–IV–V progression in C with
/// soft harmonic pads, a bass line and a plucked arpeggio), generated once per process and shared.
/// Play it looped with a [`crate::PromptPlayer`]; it loops seamlessly.
pub fn hold_music() -> Prompt {
    static MUSIC: OnceLock<Prompt> = OnceLock::new();
    MUSIC
        .get_or_init(|| Prompt::from_samples(generate_hold_music()))
        .clone()
}

fn midi_hz(note: i32) -> f64 {
    440.0 * 2f64.powf(f64::from(note - 69) / 12.0)
}

/// A voice of the hold music: harmonic weights (fundamental first), attack and release in seconds.
struct Instrument {
    harmonics: &'static [f64],
    attack: f64,
    release: f64,
}

const PAD: Instrument = Instrument {
    harmonics: &[1.0, 0.45, 0.25, 0.12, 0.06],
    attack: 0.25,
    release: 0.4,
};
const PLUCK: Instrument = Instrument {
    harmonics: &[1.0, 0.6, 0.35, 0.2, 0.1, 0.05],
    attack: 0.005,
    release: 0.15,
};
const BASS: Instrument = Instrument {
    harmonics: &[1.0, 0.5, 0.2],
    attack: 0.02,
    release: 0.1,
};

/// Adds one note from `start` for `dur` seconds, wrapping past the end of `mix` so the loop is
/// seamless.
fn add_note(mix: &mut [f64], instrument: &Instrument, start: f64, dur: f64, freq: f64, amp: f64) {
    let rate = f64::from(SAMPLE_RATE);
    let len = mix.len();
    let first = (start * rate) as usize;
    let count = (dur * rate) as usize;
    for i in 0..count {
        let t = i as f64 / rate;
        let env_attack = (t / instrument.attack).min(1.0);
        let env_release = ((dur - t) / instrument.release).clamp(0.0, 1.0);
        let decay = (-t * 1.2).exp() * 0.6 + 0.4;
        let env = env_attack * env_release * decay;
        let mut v = 0.0;
        for (h, &weight) in instrument.harmonics.iter().enumerate() {
            v += weight * (2.0 * PI * freq * (h + 1) as f64 * t).sin();
        }
        // Wrap around so the loop is seamless.
        let index = (first + i) % len;
        mix[index] += amp * env * v;
    }
}

fn generate_hold_music() -> Arc<[i16]> {
    const BPM: f64 = 96.0;
    let rate = f64::from(SAMPLE_RATE);
    let beat = 60.0 / BPM; // seconds
                           // (root, chord tones) per bar of 4 beats; C, Am, F, G, repeated with a variation.
    let bars: [(i32, [i32; 3]); 8] = [
        (48, [60, 64, 67]),
        (45, [60, 64, 69]),
        (41, [60, 65, 69]),
        (43, [59, 62, 67]),
        (48, [60, 64, 67]),
        (45, [60, 64, 69]),
        (41, [60, 65, 69]),
        (43, [59, 62, 65]),
    ];
    let bar_len = 4.0 * beat;
    let total_seconds = bar_len * bars.len() as f64;
    let len = (total_seconds * rate).round() as usize;
    let mut mix = vec![0f64; len];
    let arpeggio_pattern = [0usize, 1, 2, 1, 0, 2, 1, 2];
    for (b, &(root, chord)) in bars.iter().enumerate() {
        let start = b as f64 * bar_len;
        for &note in &chord {
            add_note(&mut mix, &PAD, start, bar_len + 0.15, midi_hz(note), 0.10);
        }
        add_note(&mut mix, &BASS, start, 2.0 * beat, midi_hz(root), 0.16);
        let second_half = start + 2.0 * beat;
        add_note(
            &mut mix,
            &BASS,
            second_half,
            2.0 * beat,
            midi_hz(root + 7),
            0.13,
        );
        for (step, &voice) in arpeggio_pattern.iter().enumerate() {
            let note_start = start + step as f64 * beat / 2.0;
            let freq = midi_hz(chord[voice] + 12);
            add_note(&mut mix, &PLUCK, note_start, beat / 2.0 + 0.2, freq, 0.07);
        }
    }
    to_i16_at_rms(&mix, -18.0)
}

/// Scales `mix` to `dbfs` RMS and rounds it to i16 samples.
fn to_i16_at_rms(mix: &[f64], dbfs: f32) -> Arc<[i16]> {
    let mean_square = mix.iter().map(|v| v * v).sum::<f64>() / mix.len() as f64;
    let target = crate::level::dbfs_to_mean_square(dbfs);
    let gain = if mean_square > 0.0 {
        (target / mean_square).sqrt()
    } else {
        0.0
    };
    mix.iter()
        .map(|v| (v * gain).round().clamp(-32767.0, 32767.0) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;

    fn goertzel_dbfs(x: &[i16], freq: f64) -> f64 {
        let w = 2.0 * PI * freq / 16_000.0;
        let c = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in x {
            let s0 = f64::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let amplitude = 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2).sqrt() / x.len() as f64;
        20.0 * (amplitude / 32767.0).log10()
    }

    #[test]
    fn oscillator_is_continuous_across_blocks_and_matches_sin() {
        let osc = Oscillator::with_amplitude(1004.0, 10_000.0);
        let mut whole = vec![0f32; 1000];
        osc.add_to(0, &mut whole);
        let mut pieces = vec![0f32; 1000];
        for (i, chunk) in pieces.chunks_mut(37).enumerate() {
            osc.add_to(i as u64 * 37, chunk);
        }
        for (n, (a, b)) in whole.iter().zip(&pieces).enumerate() {
            let exact = 10_000.0 * (2.0 * PI * 1004.0 * n as f64 / 16_000.0).sin();
            assert!(
                (f64::from(*a) - exact).abs() < 0.05 && (f64::from(*b) - exact).abs() < 0.05,
                "{n}"
            );
        }
        // Far into a long call the phase is still exact.
        let mut late = [0f32; 4];
        let start = 16_000 * 3600 * 5 + 3;
        osc.add_to(start, &mut late);
        let exact = 10_000.0 * (2.0 * PI * 1004.0 * start as f64 / 16_000.0).sin();
        assert!((f64::from(late[0]) - exact).abs() < 1.0);
    }

    #[test]
    fn a_pair_of_oscillators_equals_two_passes() {
        let a = Oscillator::with_amplitude(697.0, 9000.0);
        let b = Oscillator::with_amplitude(1477.0, 11_000.0);
        for start in [0u64, 1, 320, 16_000 * 3600 + 7] {
            let mut two = vec![0.25f32; 333];
            a.add_to(start, &mut two);
            b.add_to(start, &mut two);
            let mut one = vec![0.25f32; 333];
            Oscillator::add_pair_to(&a, &b, start, &mut one);
            assert_eq!(one, two);
        }
    }

    #[test]
    fn busy_tone_cadence_and_frequencies() {
        let mut busy = ToneGenerator::busy();
        let mut audio = vec![0i16; 16_000];
        for frame in audio.chunks_mut(320) {
            busy.fill(frame);
        }
        assert_eq!(busy.position(), 16_000);
        let (on, off) = audio.split_at(8000);
        assert!(off.iter().all(|&s| s == 0));
        assert!((goertzel_dbfs(on, 480.0) + 19.0).abs() < 0.5);
        assert!((goertzel_dbfs(on, 620.0) + 19.0).abs() < 0.5);
        assert!(goertzel_dbfs(on, 1000.0) < -60.0);
    }

    #[test]
    fn ringback_cadence() {
        let mut ring = ToneGenerator::ringback();
        let mut audio = vec![0i16; 16_000 * 7];
        ring.fill(&mut audio);
        assert!(rms_dbfs(&audio[..32_000]) > -20.0);
        assert!(audio[32_000..96_000].iter().all(|&s| s == 0));
        assert!(rms_dbfs(&audio[96_000..]) > -20.0);
    }

    #[test]
    fn hold_music_is_shared_levelled_and_seamless() {
        let a = hold_music();
        let b = hold_music();
        assert!(Arc::ptr_eq(a.shared(), b.shared()));
        assert_eq!(a.len(), 20 * 16_000);
        let level = rms_dbfs(a.samples());
        assert!((level + 18.0).abs() < 0.2, "{level}");
        // Seamless: the step across the loop point is no larger than typical steps.
        let s = a.samples();
        let jump = (i32::from(s[0]) - i32::from(s[s.len() - 1])).abs();
        let max_step = s
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap_or(0);
        assert!(jump <= max_step, "jump {jump} max step {max_step}");
    }
}
