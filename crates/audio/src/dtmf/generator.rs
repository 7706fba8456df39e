//! DTMF generation: queued keys rendered in-band (dual tone, ramped edges) and reported as RFC 4733
//! style out-of-band [`DtmfEvent`]s on the same timeline.

use std::collections::VecDeque;

use ringside_model::Tone;

use crate::tones::Oscillator;
use crate::{ms_to_samples, FRAME_SAMPLES};

/// Shortest tone and pause the generator produces (ITU-T Q.24 receivers must accept 40 ms).
pub const MIN_DURATION_MS: u32 = 40;
/// Edge ramp length in samples (2 ms raised linearly), which keeps the spectrum clean.
const RAMP: f32 = 32.0;
/// 0 dBm0 is a sine this many dB below full scale (G.711 digital milliwatt).
const DBM0_BELOW_FULL_SCALE: f32 = 3.17;
/// Most keys waiting in the queue; further keys are refused.
pub const MAX_QUEUED: usize = 256;

/// Levels and timing of generated DTMF.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DtmfGeneratorConfig {
    /// Low-group (row) tone level, dBFS.
    pub low_dbfs: f32,
    /// High-group (column) tone level, dBFS.
    pub high_dbfs: f32,
    /// Tone duration in ms (raised to [`MIN_DURATION_MS`]).
    pub on_ms: u32,
    /// Pause after each tone in ms (raised to [`MIN_DURATION_MS`]).
    pub off_ms: u32,
}

impl Default for DtmfGeneratorConfig {
    /// -8 dBFS low / -6 dBFS high (high group 2 dB above low, peaks sum to -0.9 dBFS so the pair
    /// never clips), 100 ms on, 60 ms off.
    fn default() -> Self {
        DtmfGeneratorConfig {
            low_dbfs: -8.0,
            high_dbfs: -6.0,
            on_ms: 100,
            off_ms: 60,
        }
    }
}

/// An RFC 4733 style telephone-event report. While a tone plays, one report per rendered block (frame)
/// carries the duration so far; the last has `end` set. Times are the generator's sample clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The key.
    pub tone: Tone,
    /// Sample time the tone started (the RTP timestamp of the event).
    pub start_sample: u64,
    /// Duration so far in samples.
    pub duration_samples: u32,
    /// True on the final report.
    pub end: bool,
    /// Power level in -dBm0 (0 to 63), as in RFC 4733.
    pub volume: u8,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Idle,
    On { tone: Tone, start: u64 },
    Off { until: u64 },
}

/// Renders queued DTMF keys in-band and reports them out-of-band.
#[derive(Clone, Debug)]
pub struct DtmfGenerator {
    low_amplitude: f32,
    high_amplitude: f32,
    on: u64,
    off: u64,
    volume: u8,
    queue: VecDeque<Tone>,
    state: State,
    now: u64,
}

impl Default for DtmfGenerator {
    fn default() -> Self {
        DtmfGenerator::new(DtmfGeneratorConfig::default())
    }
}

impl DtmfGenerator {
    /// A generator with `config`.
    pub fn new(config: DtmfGeneratorConfig) -> DtmfGenerator {
        let power = 10f32.powf(config.low_dbfs / 10.0) + 10f32.powf(config.high_dbfs / 10.0);
        let dbm0 = 10.0 * power.log10() + DBM0_BELOW_FULL_SCALE;
        DtmfGenerator {
            low_amplitude: crate::level::dbfs_to_amplitude(config.low_dbfs),
            high_amplitude: crate::level::dbfs_to_amplitude(config.high_dbfs),
            on: ms_to_samples(config.on_ms.max(MIN_DURATION_MS)),
            off: ms_to_samples(config.off_ms.max(MIN_DURATION_MS)),
            volume: (-dbm0).round().clamp(0.0, 63.0) as u8,
            queue: VecDeque::new(),
            state: State::Idle,
            now: 0,
        }
    }

    /// Queues keys to send; returns how many were accepted (the queue holds [`MAX_QUEUED`]).
    pub fn send(&mut self, tones: &[Tone]) -> usize {
        let room = MAX_QUEUED.saturating_sub(self.queue.len());
        let accepted = tones.len().min(room);
        self.queue.extend(&tones[..accepted]);
        accepted
    }

    /// True when nothing is playing, pausing or queued.
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle && self.queue.is_empty()
    }

    /// Samples rendered so far (the generator's clock).
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Samples one key occupies (tone plus pause).
    pub fn samples_per_key(&self) -> u64 {
        self.on + self.off
    }

    /// Drops queued keys (a key already sounding finishes normally).
    pub fn clear_queue(&mut self) {
        self.queue.clear();
    }

    /// Overwrites `out` with the next samples (silence when idle).
    pub fn next_frame(&mut self, out: &mut [i16], on_event: impl FnMut(DtmfEvent)) {
        out.fill(0);
        self.render(out, on_event);
    }

    /// Adds (saturating) the next samples to `out`, e.g. over a prompt.
    pub fn mix_into(&mut self, out: &mut [i16], on_event: impl FnMut(DtmfEvent)) {
        self.render(out, on_event);
    }

    /// Advances the clock by `len` samples without rendering audio (out-of-band only).
    pub fn advance(&mut self, len: usize, mut on_event: impl FnMut(DtmfEvent)) {
        let mut scratch = [0i16; FRAME_SAMPLES];
        let mut left = len;
        while left > 0 {
            let n = left.min(FRAME_SAMPLES);
            // Rendering into a throwaway buffer keeps one code path for the timeline.
            self.render(&mut scratch[..n], &mut on_event);
            left -= n;
        }
    }

    fn event(&self, tone: Tone, start: u64, duration: u64, end: bool) -> DtmfEvent {
        DtmfEvent {
            tone,
            start_sample: start,
            duration_samples: u32::try_from(duration).unwrap_or(u32::MAX),
            end,
            volume: self.volume,
        }
    }

    fn render(&mut self, out: &mut [i16], mut on_event: impl FnMut(DtmfEvent)) {
        let mut i = 0usize;
        // Tones and pauses are at least 640 samples long, so every pass advances `i` or stops.
        while i < out.len() {
            let t = self.now + i as u64;
            match self.state {
                State::Idle => match self.queue.pop_front() {
                    Some(tone) => self.state = State::On { tone, start: t },
                    None => break,
                },
                State::On { tone, start } => {
                    let end = start + self.on;
                    let n = usize::try_from(end - t)
                        .unwrap_or(usize::MAX)
                        .min(out.len() - i);
                    self.render_tone(tone, t - start, &mut out[i..i + n]);
                    i += n;
                    if t + n as u64 == end {
                        on_event(self.event(tone, start, self.on, true));
                        self.state = State::Off {
                            until: end + self.off,
                        };
                    }
                }
                State::Off { until } => {
                    let n = usize::try_from(until - t)
                        .unwrap_or(usize::MAX)
                        .min(out.len() - i);
                    i += n;
                    if t + n as u64 == until {
                        self.state = State::Idle;
                    }
                }
            }
        }
        self.now += out.len() as u64;
        if let State::On { tone, start } = self.state {
            on_event(self.event(tone, start, self.now - start, false));
        }
    }

    /// Adds samples `offset..` of `tone` (offset from tone start) to `out`, ramped at both edges.
    fn render_tone(&self, tone: Tone, offset: u64, out: &mut [i16]) {
        let Some((low, high)) = tone.frequencies() else {
            return;
        };
        let low = Oscillator::with_amplitude(low, self.low_amplitude);
        let high = Oscillator::with_amplitude(high, self.high_amplitude);
        let mut scratch = [0f32; FRAME_SAMPLES];
        let ramp = RAMP as u64;
        for (c, chunk) in out.chunks_mut(FRAME_SAMPLES).enumerate() {
            let first = offset + (c * FRAME_SAMPLES) as u64;
            let block = &mut scratch[..chunk.len()];
            block.fill(0.0);
            Oscillator::add_pair_to(&low, &high, first, block);
            if first >= ramp && first + chunk.len() as u64 + ramp <= self.on {
                // Between the ramps the gain is exactly 1.
                for (o, &v) in chunk.iter_mut().zip(block.iter()) {
                    *o = crate::clamp_i16(f32::from(*o) + v);
                }
                continue;
            }
            for (k, (o, &v)) in chunk.iter_mut().zip(block.iter()).enumerate() {
                let position = first + k as u64;
                let from_start = position as f32 + 0.5;
                let to_end = (self.on - position) as f32 - 0.5;
                let gain = (from_start / RAMP).min(to_end / RAMP).min(1.0);
                *o = crate::clamp_i16(f32::from(*o) + v * gain);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_levels_and_events() {
        let mut generator = DtmfGenerator::default();
        assert_eq!(generator.send(&Tone::parse_sequence("12").unwrap()), 2);
        let mut audio = vec![0i16; 16_000 / 2];
        let mut events = Vec::new();
        for frame in audio.chunks_mut(FRAME_SAMPLES) {
            generator.next_frame(frame, |e| events.push(e));
        }
        assert!(generator.is_idle());
        // 1: samples 0..1600 on, 1600..2560 off; 2: 2560..4160 on.
        assert!(audio[1600..2560].iter().all(|&s| s == 0));
        assert!(audio[4160..].iter().all(|&s| s == 0));
        let level = crate::level::rms_dbfs(&audio[100..1500]);
        // -8 and -6 dBFS sum to -3.88 dBFS.
        assert!((level + 3.88).abs() < 0.1, "{level}");
        let peak = audio.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0);
        assert!(peak < 32_767 && peak > 28_000, "{peak}");
        // Ramped edges.
        assert!(i32::from(audio[0]).abs() < 2000);
        let ends: Vec<_> = events.iter().filter(|e| e.end).collect();
        assert_eq!(ends.len(), 2);
        assert_eq!(
            (ends[0].tone, ends[0].start_sample, ends[0].duration_samples),
            (Tone::Digit(1), 0, 1600)
        );
        assert_eq!(
            (ends[1].tone, ends[1].start_sample, ends[1].duration_samples),
            (Tone::Digit(2), 2560, 1600)
        );
        let updates: Vec<u32> = events
            .iter()
            .filter(|e| !e.end && e.tone == Tone::Digit(1))
            .map(|e| e.duration_samples)
            .collect();
        assert_eq!(updates, vec![320, 640, 960, 1280]);
        assert_eq!(events[0].volume, 1);
    }

    #[test]
    fn minimum_durations_and_flash() {
        let mut generator = DtmfGenerator::new(DtmfGeneratorConfig {
            on_ms: 10,
            off_ms: 0,
            ..Default::default()
        });
        assert_eq!(generator.samples_per_key(), 1280);
        generator.send(&[Tone::Flash, Tone::Digit(5)]);
        let mut audio = vec![0i16; 2560];
        let mut events = Vec::new();
        generator.next_frame(&mut audio, |e| events.push(e));
        assert!(
            audio[..1280].iter().all(|&s| s == 0),
            "flash has no in-band audio"
        );
        assert!(audio[1280..1920].iter().any(|&s| s != 0));
        assert!(events.contains(&DtmfEvent {
            tone: Tone::Flash,
            start_sample: 0,
            duration_samples: 640,
            end: true,
            volume: 1
        }));
        assert!(events
            .iter()
            .any(|e| e.tone == Tone::Digit(5) && e.end && e.start_sample == 1280));
    }

    #[test]
    fn queue_is_bounded_and_oob_only_advance_keeps_time() {
        let mut generator = DtmfGenerator::default();
        assert_eq!(
            generator.send(&vec![Tone::Digit(9); MAX_QUEUED + 5]),
            MAX_QUEUED
        );
        generator.clear_queue();
        assert!(generator.is_idle());
        generator.send(&[Tone::Star]);
        let mut ends = Vec::new();
        generator.advance(5000, |e| {
            if e.end {
                ends.push(e)
            }
        });
        assert_eq!(generator.now(), 5000);
        assert_eq!(ends.len(), 1);
        assert_eq!(ends[0].tone, Tone::Star);
    }
}
