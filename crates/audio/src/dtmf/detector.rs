//! DTMF detection: eight Goertzel filters over fixed blocks, per-block validity checks that reject
//! speech and music, and a debouncer that turns block hits into [`DetectorEvent`]s.
//!
//! Per block (default 204 samples = 12.75 ms, ~78 Hz resolution, the 16 kHz twin of the classic
//! 102-sample block at 8 kHz) a key is *hit* only if:
//! - the strongest row and column tones are each above `min_tone_dbfs`;
//! - the twist (column level minus row level) is within `-max_reverse_twist_db ..= max_normal_twist_db`;
//! - each of them dominates the other tones of its group by `min_dominance_db`;
//! - the two tones carry at least `min_tone_to_total` of the block's total energy. This is the check
//!   that rejects speech and music: voiced sound and instruments spread energy over many harmonics
//!   (a second harmonic of either tone, or any other partial, counts against the ratio), while a
//!   DTMF key is two pure sines.
//!
//! A key starts after `min_blocks` consecutive hits (≥ 25.5 ms by default, so 40 ms keys are always
//! caught) and ends after `end_blocks` consecutive blocks without it. Once started, a block also
//! counts as "still there" if both of the key's tones keep at least a quarter of their onset power
//! (hysteresis), so speech on top of a key cannot split it in two; a repeated key therefore needs a
//! pause of at least `end_blocks` blocks in between.

use ringside_model::Tone;

use super::{key_at, COLUMN_FREQS, ROW_FREQS};
use crate::level::dbfs_to_mean_square;
use crate::SAMPLE_RATE;

/// Detection thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DtmfDetectorConfig {
    /// Goertzel block length in samples.
    pub block_samples: usize,
    /// Minimum level of each of the two tones, dBFS.
    pub min_tone_dbfs: f32,
    /// How much louder than the row tone the column tone may be (normal twist), dB.
    pub max_normal_twist_db: f32,
    /// How much louder than the column tone the row tone may be (reverse twist), dB.
    pub max_reverse_twist_db: f32,
    /// How far the detected tone must stand above the other tones of its group, dB.
    pub min_dominance_db: f32,
    /// Minimum share of the block's energy carried by the two tones (0..1).
    pub min_tone_to_total: f32,
    /// Consecutive hit blocks needed to start a key.
    pub min_blocks: u32,
    /// Consecutive non-hit blocks that end a key.
    pub end_blocks: u32,
}

impl Default for DtmfDetectorConfig {
    fn default() -> Self {
        DtmfDetectorConfig {
            block_samples: 204,
            min_tone_dbfs: -36.0,
            max_normal_twist_db: 8.0,
            max_reverse_twist_db: 4.0,
            min_dominance_db: 8.0,
            min_tone_to_total: 0.6,
            min_blocks: 2,
            end_blocks: 2,
        }
    }
}

/// A detected key, from the start of its first hit block to the end of its last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToneEvent {
    /// The key.
    pub tone: Tone,
    /// Detector sample time the key was first heard.
    pub start_sample: u64,
    /// Detector sample time just after it was last heard.
    pub end_sample: u64,
}

/// What the detector reports (detector sample times: samples processed since creation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetectorEvent {
    /// A key was recognised (reported `min_blocks` blocks after it began): use it for barge-in.
    ToneStarted {
        /// The key.
        tone: Tone,
        /// When it began.
        start_sample: u64,
    },
    /// The key ended.
    ToneEnded(ToneEvent),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Active {
    tone: Tone,
    row: usize,
    column: usize,
    /// A later block still carries the key if both its tones keep this much power (hysteresis: a
    /// quarter of the power at onset), even when speech on top fails the stricter onset checks.
    row_hold: f32,
    column_hold: f32,
    start: u64,
    last_end: u64,
}

/// A streaming DTMF detector for one 16 kHz signal.
#[derive(Clone, Debug)]
pub struct DtmfDetector {
    coefficients: [f32; 8],
    s1: [f32; 8],
    s2: [f32; 8],
    energy: f32,
    filled: usize,
    block: usize,
    now: u64,
    // Thresholds, precomputed.
    min_tone_power: f32,
    normal_twist: f32,
    reverse_twist: f32,
    dominance: f32,
    tone_to_total: f32,
    min_blocks: u32,
    end_blocks: u32,
    // Debouncer.
    last_hit: Option<Tone>,
    run: u32,
    run_start: u64,
    active: Option<Active>,
    misses: u32,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        DtmfDetector::new(DtmfDetectorConfig::default())
    }
}

fn db_to_power_ratio(db: f32) -> f32 {
    10f32.powf(db / 10.0)
}

impl DtmfDetector {
    /// A detector with `config` (a zero block length is raised to 1, zero block counts to 1).
    pub fn new(config: DtmfDetectorConfig) -> DtmfDetector {
        let block = config.block_samples.max(1);
        let mut coefficients = [0f32; 8];
        for (c, f) in coefficients
            .iter_mut()
            .zip(ROW_FREQS.iter().chain(COLUMN_FREQS.iter()))
        {
            *c = (2.0 * (2.0 * std::f64::consts::PI * f64::from(*f) / f64::from(SAMPLE_RATE)).cos())
                as f32;
        }
        // Goertzel power of a sine with mean square m over N samples is m * N² / 2.
        let n2 = (block * block) as f64;
        DtmfDetector {
            coefficients,
            s1: [0.0; 8],
            s2: [0.0; 8],
            energy: 0.0,
            filled: 0,
            block,
            now: 0,
            min_tone_power: (dbfs_to_mean_square(config.min_tone_dbfs) * n2 / 2.0) as f32,
            normal_twist: db_to_power_ratio(config.max_normal_twist_db),
            reverse_twist: db_to_power_ratio(config.max_reverse_twist_db),
            dominance: db_to_power_ratio(config.min_dominance_db),
            // (P_row + P_col) * 2 / N >= ratio * energy
            tone_to_total: config.min_tone_to_total * block as f32 / 2.0,
            min_blocks: config.min_blocks.max(1),
            end_blocks: config.end_blocks.max(1),
            last_hit: None,
            run: 0,
            run_start: 0,
            active: None,
            misses: 0,
        }
    }

    /// Samples processed so far (the detector's clock).
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The key currently sounding, if one has started and not ended.
    pub fn current(&self) -> Option<Tone> {
        self.active.map(|a| a.tone)
    }

    /// Feeds samples (any length, normally one frame).
    pub fn process(&mut self, samples: &[i16], mut on_event: impl FnMut(DetectorEvent)) {
        let mut rest = samples;
        while !rest.is_empty() {
            let n = (self.block - self.filled).min(rest.len());
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            self.run_filters(chunk);
            self.filled += n;
            self.now += n as u64;
            if self.filled == self.block {
                let power = self.powers();
                let hit = self.classify(&power);
                self.s1 = [0.0; 8];
                self.s2 = [0.0; 8];
                self.energy = 0.0;
                self.filled = 0;
                self.debounce(
                    hit,
                    &power,
                    self.now - self.block as u64,
                    self.now,
                    &mut on_event,
                );
            }
        }
    }

    /// Ends a key still sounding (at the end of a stream).
    pub fn flush(&mut self, mut on_event: impl FnMut(DetectorEvent)) {
        if let Some(active) = self.active.take() {
            on_event(DetectorEvent::ToneEnded(ToneEvent {
                tone: active.tone,
                start_sample: active.start,
                end_sample: active.last_end,
            }));
        }
        self.last_hit = None;
        self.run = 0;
        self.misses = 0;
    }

    #[inline]
    fn run_filters(&mut self, chunk: &[i16]) {
        // The chunk's energy, exact in integers (a separate loop vectorises; the filter loop
        // below then carries no floating-point accumulator).
        let chunk_energy: i64 = chunk
            .iter()
            .map(|&x| i64::from(i32::from(x) * i32::from(x)))
            .sum();
        // Digital silence while the block so far is silent too (zero energy means every filter
        // state is still exactly zero) leaves every filter at zero: skip the arithmetic. Silent
        // legs are the common case in a conversation, so this makes them nearly free.
        if self.energy == 0.0 && chunk_energy == 0 {
            return;
        }
        let c = self.coefficients;
        let mut s1 = self.s1;
        let mut s2 = self.s2;
        for &x in chunk {
            let x = f32::from(x);
            let mut s0 = [0f32; 8];
            for (((o, &k), &a), &b) in s0.iter_mut().zip(&c).zip(&s1).zip(&s2) {
                // `x - s2` does not depend on the previous sample's result, so the loop-carried
                // dependency is one multiply and one add.
                *o = (x - b) + k * a;
            }
            s2 = s1;
            s1 = s0;
        }
        self.s1 = s1;
        self.s2 = s2;
        self.energy += chunk_energy as f32;
    }

    fn powers(&self) -> [f32; 8] {
        let mut power = [0f32; 8];
        for (((p, &k), &a), &b) in power
            .iter_mut()
            .zip(&self.coefficients)
            .zip(&self.s1)
            .zip(&self.s2)
        {
            *p = (a * a + b * b - k * a * b).max(0.0);
        }
        power
    }

    /// The (row, column) of a valid key in this block, if any.
    fn classify(&self, power: &[f32; 8]) -> Option<(usize, usize)> {
        let (rows, columns) = power.split_at(4);
        let (row, row_power, row_second) = best_two(rows);
        let (column, column_power, column_second) = best_two(columns);
        let hit = row_power >= self.min_tone_power
            && column_power >= self.min_tone_power
            && column_power <= row_power * self.normal_twist
            && row_power <= column_power * self.reverse_twist
            && row_power >= row_second * self.dominance
            && column_power >= column_second * self.dominance
            && row_power + column_power >= self.tone_to_total * self.energy;
        hit.then_some((row, column))
    }

    fn debounce(
        &mut self,
        hit: Option<(usize, usize)>,
        power: &[f32; 8],
        block_start: u64,
        block_end: u64,
        on_event: &mut impl FnMut(DetectorEvent),
    ) {
        let tone = hit.and_then(|(row, column)| key_at(row, column));
        if tone == self.last_hit {
            self.run = self.run.saturating_add(1);
        } else {
            self.last_hit = tone;
            self.run = 1;
            self.run_start = block_start;
        }
        if let Some(active) = self.active.as_mut() {
            let held = power[active.row] >= active.row_hold
                && power[4 + active.column] >= active.column_hold;
            let other = tone.is_some_and(|t| t != active.tone);
            if tone == Some(active.tone) || (held && !other) {
                active.last_end = block_end;
                self.misses = 0;
            } else {
                self.misses += 1;
                if self.misses >= self.end_blocks {
                    on_event(DetectorEvent::ToneEnded(ToneEvent {
                        tone: active.tone,
                        start_sample: active.start,
                        end_sample: active.last_end,
                    }));
                    self.active = None;
                }
            }
        }
        if self.active.is_none() {
            if let (Some(tone), Some((row, column))) = (tone, hit) {
                if self.run >= self.min_blocks {
                    self.active = Some(Active {
                        tone,
                        row,
                        column,
                        row_hold: power[row] * HOLD_FRACTION,
                        column_hold: power[4 + column] * HOLD_FRACTION,
                        start: self.run_start,
                        last_end: block_end,
                    });
                    self.misses = 0;
                    on_event(DetectorEvent::ToneStarted {
                        tone,
                        start_sample: self.run_start,
                    });
                }
            }
        }
    }
}

/// Power fraction (-6 dB) of the onset level that keeps a started key alive.
const HOLD_FRACTION: f32 = 0.25;

/// Index and power of the strongest entry, and the power of the runner-up.
fn best_two(powers: &[f32]) -> (usize, f32, f32) {
    let mut best = (0usize, f32::MIN, f32::MIN);
    for (i, &p) in powers.iter().enumerate() {
        if p > best.1 {
            best = (i, p, best.1);
        } else if p > best.2 {
            best.2 = p;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtmf::{DtmfGenerator, DtmfGeneratorConfig};
    use crate::tones::Oscillator;

    fn detect(audio: &[i16]) -> Vec<ToneEvent> {
        let mut detector = DtmfDetector::default();
        let mut events = Vec::new();
        for frame in audio.chunks(320) {
            detector.process(frame, |e| {
                if let DetectorEvent::ToneEnded(t) = e {
                    events.push(t)
                }
            });
        }
        detector.flush(|e| {
            if let DetectorEvent::ToneEnded(t) = e {
                events.push(t)
            }
        });
        events
    }

    fn dual(low: f32, high: f32, low_dbfs: f32, high_dbfs: f32, len: usize) -> Vec<i16> {
        let mut x = vec![0f32; len];
        Oscillator::new(low, low_dbfs).add_to(0, &mut x);
        Oscillator::new(high, high_dbfs).add_to(0, &mut x);
        x.iter().map(|&v| crate::clamp_i16(v)).collect()
    }

    #[test]
    fn detects_every_key_with_timing() {
        for key in Tone::KEYS {
            let mut generator = DtmfGenerator::default();
            generator.send(&[key]);
            let mut audio = vec![0i16; 4000];
            generator.next_frame(&mut audio, |_| {});
            let events = detect(&audio);
            assert_eq!(events.len(), 1, "{key}: {events:?}");
            let e = events[0];
            assert_eq!(e.tone, key);
            // The tone occupies 0..1600; detection is within one block of each edge.
            assert!(e.start_sample <= 204, "{e:?}");
            assert!(
                e.end_sample >= 1600 - 204 && e.end_sample <= 1600 + 204,
                "{e:?}"
            );
        }
    }

    #[test]
    fn shortest_valid_key_is_detected_at_any_alignment() {
        for offset in (0..204).step_by(17) {
            let mut audio = vec![0i16; offset];
            audio.extend(dual(852.0, 1477.0, -8.0, -6.0, 640));
            audio.extend(vec![0i16; 1000]);
            let events = detect(&audio);
            assert_eq!(
                events.iter().map(|e| e.tone).collect::<Vec<_>>(),
                vec![Tone::Digit(9)],
                "offset {offset}"
            );
        }
    }

    #[test]
    fn too_short_quiet_or_twisted_tones_are_rejected() {
        // 20 ms is shorter than a valid key.
        assert!(detect(&dual(697.0, 1209.0, -8.0, -6.0, 320)).is_empty());
        // Below the level threshold.
        assert!(detect(&dual(697.0, 1209.0, -40.0, -40.0, 3200)).is_empty());
        // Reverse twist of 6 dB and normal twist of 10 dB are out of range ...
        assert!(detect(&dual(697.0, 1209.0, -6.0, -12.0, 3200)).is_empty());
        assert!(detect(&dual(697.0, 1209.0, -16.0, -6.0, 3200)).is_empty());
        // ... while 3 dB reverse and 7 dB normal twist pass.
        assert_eq!(detect(&dual(697.0, 1209.0, -9.0, -12.0, 3200)).len(), 1);
        assert_eq!(detect(&dual(697.0, 1209.0, -13.0, -6.0, 3200)).len(), 1);
        // A single tone is not a key.
        assert!(detect(&dual(697.0, 697.0, -8.0, -90.0, 3200)).is_empty());
    }

    #[test]
    fn accepts_the_itu_frequency_tolerance_and_rejects_tones_between_keys() {
        for key in Tone::KEYS {
            let Some((low, high)) = key.frequencies() else {
                continue;
            };
            // Q.24: ±1.5 % must be accepted (both tones off in the same or opposite directions).
            for (dl, dh) in [
                (1.015, 1.015),
                (0.985, 0.985),
                (1.015, 0.985),
                (0.985, 1.015),
            ] {
                let events = detect(&dual(low * dl, high * dh, -8.0, -6.0, 1600));
                assert_eq!(
                    events.iter().map(|e| e.tone).collect::<Vec<_>>(),
                    vec![key],
                    "{key} x{dl} x{dh}"
                );
            }
        }
        // Halfway between two rows (or two columns) is no key at all.
        assert!(detect(&dual(733.0, 1209.0, -8.0, -6.0, 3200)).is_empty());
        assert!(detect(&dual(697.0, 1272.0, -8.0, -6.0, 3200)).is_empty());
    }

    #[test]
    fn repeated_key_needs_a_pause() {
        let config = DtmfGeneratorConfig {
            on_ms: 60,
            off_ms: 40,
            ..Default::default()
        };
        let mut generator = DtmfGenerator::new(config);
        generator.send(&Tone::parse_sequence("5555").unwrap());
        let mut audio = vec![0i16; 16_000];
        generator.next_frame(&mut audio, |_| {});
        assert_eq!(detect(&audio).len(), 4);
    }

    #[test]
    fn started_comes_before_ended_and_current_tracks_it() {
        let mut detector = DtmfDetector::default();
        let audio = dual(941.0, 1633.0, -8.0, -6.0, 1600);
        let mut events = Vec::new();
        for frame in audio.chunks(320) {
            detector.process(frame, |e| events.push(e));
        }
        assert_eq!(detector.current(), Some(Tone::D));
        detector.process(&[0; 1000], |e| events.push(e));
        assert_eq!(detector.current(), None);
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0],
            DetectorEvent::ToneStarted {
                tone: Tone::D,
                start_sample: 0
            }
        );
        assert!(matches!(
            events[1],
            DetectorEvent::ToneEnded(ToneEvent {
                tone: Tone::D,
                start_sample: 0,
                ..
            })
        ));
        assert_eq!(detector.now(), 2600);
    }
}
