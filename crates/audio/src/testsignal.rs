//! Deterministic test signals (seeded, 16 kHz mono): sines, white noise, speech-like and music-like
//! audio. Used by this crate's tests and benches and by simulated phones.
//!
//! - [`speech_like`]: a source-filter model. Voiced segments are a glottal pulse train whose pitch
//!   glides (intonation, 85–260 Hz) through three formant resonators that move between vowels;
//!   unvoiced segments are high-passed noise through a fricative resonance; syllable envelopes and
//!   pauses in between. Its harmonics sweep across every DTMF frequency, which is what makes it a good
//!   false-trigger test.
//! - [`music_like`]: equal-tempered chords (pad), a bass line and a melody, each note with a
//!   harmonic-rich timbre, vibrato and an attack/decay envelope.

use std::f64::consts::PI;

use crate::level::dbfs_to_mean_square;
use crate::SAMPLE_RATE;

const RATE: f64 = SAMPLE_RATE as f64;

/// SplitMix64: a tiny seeded generator (deterministic; not for cryptography).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Uniform in [-1, 1).
    pub fn bipolar(&mut self) -> f64 {
        2.0 * self.next_f64() - 1.0
    }
}

/// Scales `signal` to an RMS of `dbfs` and quantises it (saturating).
pub fn normalize(signal: &[f64], dbfs: f32) -> Vec<i16> {
    let mean_square = signal.iter().map(|v| v * v).sum::<f64>() / signal.len().max(1) as f64;
    let gain = if mean_square > 0.0 {
        (dbfs_to_mean_square(dbfs) / mean_square).sqrt()
    } else {
        0.0
    };
    signal
        .iter()
        .map(|v| (v * gain).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// A sine at `freq_hz` with RMS (= peak level) `dbfs`.
pub fn sine(freq_hz: f64, dbfs: f32, len: usize) -> Vec<i16> {
    let amplitude = f64::from(crate::level::dbfs_to_amplitude(dbfs));
    (0..len)
        .map(|n| (amplitude * (2.0 * PI * freq_hz * n as f64 / RATE).sin()).round() as i16)
        .collect()
}

/// White noise with RMS `dbfs`.
pub fn white_noise(seed: u64, dbfs: f32, len: usize) -> Vec<i16> {
    let mut rng = SplitMix64::new(seed);
    let noise: Vec<f64> = (0..len).map(|_| rng.bipolar()).collect();
    normalize(&noise, dbfs)
}

/// Saturating sample-wise sum (length of the longer input).
pub fn mix(a: &[i16], b: &[i16]) -> Vec<i16> {
    (0..a.len().max(b.len()))
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .saturating_add(b.get(i).copied().unwrap_or(0))
        })
        .collect()
}

/// Two-pole resonator (formant filter) with unity gain at its centre, roughly.
#[derive(Clone, Copy, Debug)]
struct Resonator {
    a1: f64,
    a2: f64,
    gain: f64,
    y1: f64,
    y2: f64,
}

impl Resonator {
    fn new() -> Resonator {
        Resonator {
            a1: 0.0,
            a2: 0.0,
            gain: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    fn tune(&mut self, freq: f64, bandwidth: f64) {
        let r = (-PI * bandwidth / RATE).exp();
        self.a1 = 2.0 * r * (2.0 * PI * freq / RATE).cos();
        self.a2 = -r * r;
        self.gain = 1.0 - r;
    }

    fn step(&mut self, x: f64) -> f64 {
        let y = self.gain * x + self.a1 * self.y1 + self.a2 * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Vowel formants (F1, F2, F3) in Hz.
const VOWELS: [(f64, f64, f64); 7] = [
    (730.0, 1090.0, 2440.0), // a
    (270.0, 2290.0, 3010.0), // i
    (300.0, 870.0, 2240.0),  // u
    (530.0, 1840.0, 2480.0), // e
    (570.0, 840.0, 2410.0),  // o
    (660.0, 1720.0, 2410.0), // ae
    (490.0, 1350.0, 1690.0), // er
];

/// Speech-like audio of `len` samples with overall RMS `dbfs` (see the module docs).
pub fn speech_like(seed: u64, len: usize, dbfs: f32) -> Vec<i16> {
    let mut rng = SplitMix64::new(seed);
    let mut out = vec![0f64; len];
    let base_pitch = rng.range(95.0, 210.0);
    let mut formants = [Resonator::new(), Resonator::new(), Resonator::new()];
    let mut fricative = Resonator::new();
    let mut current = VOWELS[0];
    let mut glottal_phase = 0.0f64;
    let mut lowpass = 0.0f64;
    let mut previous_noise = 0.0f64;
    let mut at = 0usize;
    while at < len {
        let kind = rng.next_f64();
        let seconds = if kind < 0.6 {
            rng.range(0.08, 0.3)
        } else if kind < 0.78 {
            rng.range(0.05, 0.15)
        } else {
            rng.range(0.04, 0.35)
        };
        let n = ((seconds * RATE) as usize).min(len - at);
        if kind < 0.6 {
            // Voiced: glide the pitch, move the formants towards a new vowel.
            let target = VOWELS[(rng.next_u64() % VOWELS.len() as u64) as usize];
            let pitch_from = base_pitch * rng.range(0.8, 1.25);
            let pitch_to = base_pitch * rng.range(0.8, 1.25);
            let start = current;
            for i in 0..n {
                let progress = i as f64 / n.max(1) as f64;
                if i % 32 == 0 {
                    let blend = (progress * 3.0).min(1.0);
                    let f = (
                        start.0 + (target.0 - start.0) * blend,
                        start.1 + (target.1 - start.1) * blend,
                        start.2 + (target.2 - start.2) * blend,
                    );
                    formants[0].tune(f.0, 80.0);
                    formants[1].tune(f.1, 100.0);
                    formants[2].tune(f.2, 140.0);
                }
                let pitch = pitch_from + (pitch_to - pitch_from) * progress;
                glottal_phase += pitch / RATE;
                // Glottal pulse: a sharp closure once per period, smoothed (spectral tilt).
                let excitation = if glottal_phase >= 1.0 {
                    glottal_phase -= 1.0;
                    1.0
                } else {
                    0.0
                };
                lowpass = 0.85 * lowpass + excitation + 0.02 * rng.bipolar();
                let mut v = lowpass;
                let mut y = 0.0;
                for formant in formants.iter_mut() {
                    v = formant.step(v);
                    y += v;
                }
                let envelope = (PI * progress).sin().powf(0.6);
                out[at + i] = y * envelope * 40.0;
            }
            current = target;
        } else if kind < 0.78 {
            // Unvoiced fricative: high-passed noise through a 3.5-6 kHz resonance.
            fricative.tune(rng.range(3500.0, 6000.0), 1200.0);
            for i in 0..n {
                let noise = rng.bipolar();
                let high = noise - previous_noise;
                previous_noise = noise;
                let progress = i as f64 / n.max(1) as f64;
                out[at + i] = fricative.step(high) * (PI * progress).sin() * 3.0;
            }
        } else {
            // Pause with faint breath noise.
            for value in out[at..at + n].iter_mut() {
                *value = rng.bipolar() * 0.0005;
            }
        }
        at += n;
    }
    normalize(&out, dbfs)
}

/// Equal-tempered frequency of MIDI note `note`.
fn midi_hz(note: f64) -> f64 {
    440.0 * 2f64.powf((note - 69.0) / 12.0)
}

/// A voice of [`music_like`]: harmonic weights (fundamental first) and vibrato depth.
struct Instrument {
    harmonics: &'static [f64],
    vibrato: f64,
}

const STRINGS: Instrument = Instrument {
    harmonics: &[1.0, 0.5, 0.33, 0.25, 0.2, 0.16, 0.14],
    vibrato: 0.002,
};
const REED: Instrument = Instrument {
    harmonics: &[1.0, 0.2, 0.6, 0.1, 0.35, 0.08, 0.2],
    vibrato: 0.006,
};
const BASS: Instrument = Instrument {
    harmonics: &[1.0, 0.6, 0.3, 0.15],
    vibrato: 0.0,
};

/// Adds one note of `samples` samples from `start` (cut off at the end of `out`): attack, decay and
/// release envelope, 5.5 Hz vibrato.
fn add_note(
    out: &mut [f64],
    instrument: &Instrument,
    start: usize,
    samples: usize,
    freq: f64,
    amp: f64,
) {
    for i in 0..samples {
        let Some(slot) = out.get_mut(start + i) else {
            break;
        };
        let t = i as f64 / RATE;
        let attack = (t / 0.02).min(1.0);
        let release = ((samples - i) as f64 / (0.05 * RATE)).min(1.0);
        let envelope = attack * release * (0.5 + 0.5 * (-3.0 * t).exp());
        let wobble = 1.0 + instrument.vibrato * (2.0 * PI * 5.5 * t).sin();
        let mut v = 0.0;
        for (h, &weight) in instrument.harmonics.iter().enumerate() {
            v += weight * (2.0 * PI * freq * wobble * (h + 1) as f64 * t).sin();
        }
        *slot += amp * envelope * v;
    }
}

/// Music-like audio of `len` samples with overall RMS `dbfs` (see the module docs).
pub fn music_like(seed: u64, len: usize, dbfs: f32) -> Vec<i16> {
    let mut rng = SplitMix64::new(seed);
    let mut out = vec![0f64; len];
    // Major and minor triads on random roots; melody notes from the chord's scale.
    let beat = rng.range(0.3, 0.6);
    let beat_samples = (beat * RATE) as usize;
    let mut at = 0usize;
    while at < len {
        let root = 48.0 + (rng.next_u64() % 12) as f64;
        let minor = rng.next_f64() < 0.4;
        let third = if minor { 3.0 } else { 4.0 };
        let bar = 4 * beat_samples;
        for (k, interval) in [0.0, third, 7.0].into_iter().enumerate() {
            let freq = midi_hz(root + 12.0 + interval);
            add_note(&mut out, &STRINGS, at, bar, freq, 0.12 - 0.02 * k as f64);
        }
        let half = 2 * beat_samples;
        add_note(&mut out, &BASS, at, half, midi_hz(root - 12.0), 0.2);
        add_note(&mut out, &BASS, at + half, half, midi_hz(root - 5.0), 0.2);
        let scale = if minor {
            [0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 10.0]
        } else {
            [0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0]
        };
        let mut t = 0usize;
        while t < bar {
            let length = beat_samples / if rng.next_f64() < 0.5 { 2 } else { 1 };
            let degree = scale[(rng.next_u64() % 7) as usize];
            let octave = if rng.next_f64() < 0.5 { 24.0 } else { 36.0 };
            let freq = midi_hz(root + octave + degree);
            add_note(&mut out, &REED, at + t, length, freq, 0.15);
            t += length;
        }
        at += bar;
    }
    normalize(&out, dbfs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;

    #[test]
    fn signals_are_deterministic_and_levelled() {
        let a = speech_like(7, 16_000 * 3, -20.0);
        assert_eq!(a, speech_like(7, 16_000 * 3, -20.0));
        assert_ne!(a, speech_like(8, 16_000 * 3, -20.0));
        assert!((rms_dbfs(&a) + 20.0).abs() < 0.2, "{}", rms_dbfs(&a));
        let m = music_like(1, 16_000 * 3, -18.0);
        assert!((rms_dbfs(&m) + 18.0).abs() < 0.2);
        let n = white_noise(3, -30.0, 16_000);
        assert!((rms_dbfs(&n) + 30.0).abs() < 0.2);
        assert!((rms_dbfs(&sine(1000.0, -6.0, 1600)) + 6.0).abs() < 0.05);
        assert_eq!(mix(&[30_000, 1], &[10_000]), vec![32_767, 1]);
    }

    #[test]
    fn speech_like_has_pauses_and_varying_level() {
        let s = speech_like(11, 16_000 * 5, -20.0);
        let levels: Vec<f32> = s.chunks(320).map(rms_dbfs).collect();
        let quiet = levels.iter().filter(|&&l| l < -45.0).count();
        let loud = levels.iter().filter(|&&l| l > -25.0).count();
        assert!(quiet > 10 && loud > 50, "quiet {quiet} loud {loud}");
    }
}
