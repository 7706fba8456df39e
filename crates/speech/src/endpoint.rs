//! Endpointing, sans-IO: an energy voice-activity detector with an adaptive noise floor, and the
//! timers that end a recognition — initial silence, end silence after speech, maximum duration.
//!
//! Fed one frame at a time (any length; the media plane's unit is 20 ms at 16 kHz), it says when
//! speech starts and why listening ends. It keeps no clock: time is the number of samples pushed.

use ringside_audio::level::rms_dbfs;

/// Speech is this far above the noise floor.
const SPEECH_OVER_FLOOR_DB: f32 = 9.0;
/// ... and at least this loud (dBFS), whatever the floor.
const MIN_SPEECH_DBFS: f32 = -55.0;
/// The floor follows quieter frames at once and louder ones by this much per frame.
const FLOOR_RISE_DB: f32 = 0.1;
/// Consecutive speech frames that start speech (so a click does not).
const ONSET_FRAMES: u32 = 3;

/// The timers, in milliseconds (ACS: `initialSilenceTimeoutInSeconds`, `endSilenceTimeoutInMs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// No speech within this long: [`End::InitialSilence`].
    pub initial_silence_ms: u32,
    /// Silence this long after speech: [`End::EndSilence`].
    pub end_silence_ms: u32,
    /// Listening this long in all: [`End::MaxDuration`].
    pub max_duration_ms: u32,
}

impl Default for Timeouts {
    /// ACS's defaults: 5 s initial silence, 500 ms end silence; 60 s at most.
    fn default() -> Timeouts {
        Timeouts {
            initial_silence_ms: 5_000,
            end_silence_ms: 500,
            max_duration_ms: 60_000,
        }
    }
}

/// Why listening ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Nothing was said before the initial-silence timeout.
    InitialSilence,
    /// Speech was followed by the end-silence timeout.
    EndSilence,
    /// The maximum duration passed.
    MaxDuration,
}

/// What one frame changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing new (still waiting, or still in speech).
    Continue,
    /// Speech began `ONSET_FRAMES` frames ago.
    SpeechStarted,
    /// Listening is over.
    Ended(End),
}

/// Frame-level speech / non-speech with an adaptive noise floor.
/// The first frame sets the floor (listening starts on background, not on speech).
#[derive(Debug, Clone, Default)]
pub struct Vad {
    floor_dbfs: Option<f32>,
    run: u32,
}

impl Vad {
    /// True if `frame` is speech (louder than the floor by a margin), updating the floor.
    pub fn is_speech(&mut self, frame: &[i16]) -> bool {
        let level = rms_dbfs(frame).max(-100.0);
        let floor = *self.floor_dbfs.get_or_insert(level);
        let speech = level > (floor + SPEECH_OVER_FLOOR_DB).max(MIN_SPEECH_DBFS);
        if level < floor {
            self.floor_dbfs = Some(level);
        } else if !speech {
            self.floor_dbfs = Some((floor + FLOOR_RISE_DB).min(level));
        }
        speech
    }

    /// Counts consecutive speech frames; true on the frame that completes an onset.
    pub fn onset(&mut self, frame: &[i16]) -> bool {
        if self.is_speech(frame) {
            self.run += 1;
            self.run == ONSET_FRAMES
        } else {
            self.run = 0;
            false
        }
    }
}

/// The endpointing state machine of one recognition.
#[derive(Debug, Clone)]
pub struct Endpointer {
    timeouts: Timeouts,
    vad: Vad,
    samples: u64,
    in_speech: bool,
    silence_samples: u64,
    ended: Option<End>,
}

fn ms_to_samples(ms: u32) -> u64 {
    u64::from(ms) * u64::from(ringside_audio::SAMPLE_RATE) / 1000
}

impl Endpointer {
    /// A fresh endpointer with `timeouts`.
    pub fn new(timeouts: Timeouts) -> Endpointer {
        Endpointer {
            timeouts,
            vad: Vad::default(),
            samples: 0,
            in_speech: false,
            silence_samples: 0,
            ended: None,
        }
    }

    /// True once speech has started.
    pub fn heard_speech(&self) -> bool {
        self.in_speech
    }

    /// Non-speech samples since the last speech frame (0 while speech goes on).
    pub fn trailing_silence(&self) -> u64 {
        self.silence_samples
    }

    /// Samples pushed so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Takes one frame; after [`Step::Ended`] every further frame answers the same.
    pub fn push(&mut self, frame: &[i16]) -> Step {
        if let Some(end) = self.ended {
            return Step::Ended(end);
        }
        self.samples += frame.len() as u64;
        let step = if self.in_speech {
            self.after_onset(frame)
        } else if self.vad.onset(frame) {
            self.in_speech = true;
            Step::SpeechStarted
        } else if self.samples >= ms_to_samples(self.timeouts.initial_silence_ms) {
            Step::Ended(End::InitialSilence)
        } else {
            Step::Continue
        };
        let step = match step {
            Step::Ended(_) => step,
            _ if self.samples >= ms_to_samples(self.timeouts.max_duration_ms) => {
                Step::Ended(End::MaxDuration)
            }
            _ => step,
        };
        if let Step::Ended(end) = step {
            self.ended = Some(end);
        }
        step
    }

    fn after_onset(&mut self, frame: &[i16]) -> Step {
        if self.vad.is_speech(frame) {
            self.silence_samples = 0;
            return Step::Continue;
        }
        self.silence_samples += frame.len() as u64;
        if self.silence_samples >= ms_to_samples(self.timeouts.end_silence_ms) {
            Step::Ended(End::EndSilence)
        } else {
            Step::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_audio::testsignal::{mix, speech_like, white_noise};

    const FRAME: usize = 320;

    fn run(endpointer: &mut Endpointer, signal: &[i16]) -> Vec<(usize, Step)> {
        signal
            .chunks(FRAME)
            .enumerate()
            .map(|(i, f)| (i, endpointer.push(f)))
            .filter(|(_, s)| *s != Step::Continue)
            .collect()
    }

    fn timeouts(initial: u32, end: u32, max: u32) -> Timeouts {
        Timeouts {
            initial_silence_ms: initial,
            end_silence_ms: end,
            max_duration_ms: max,
        }
    }

    #[test]
    fn digital_silence_ends_at_the_initial_silence_timeout() {
        let mut e = Endpointer::new(timeouts(1000, 500, 10_000));
        let steps = run(&mut e, &vec![0i16; 16_000 * 3]);
        assert_eq!(steps[0], (49, Step::Ended(End::InitialSilence)));
        assert!(!e.heard_speech());
    }

    #[test]
    fn steady_noise_is_not_speech() {
        let mut e = Endpointer::new(timeouts(2000, 500, 10_000));
        let noise = white_noise(7, -35.0, 16_000 * 3);
        assert_eq!(
            run(&mut e, &noise)[0],
            (99, Step::Ended(End::InitialSilence))
        );
    }

    #[test]
    fn speech_in_noise_starts_then_ends_after_end_silence() {
        let mut e = Endpointer::new(timeouts(3000, 600, 10_000));
        let mut signal = white_noise(1, -45.0, 16_000);
        let speech = mix(
            &speech_like(3, 16_000, -20.0),
            &white_noise(2, -45.0, 16_000),
        );
        signal.extend_from_slice(&speech);
        signal.extend(white_noise(4, -45.0, 16_000 * 2));
        let steps = run(&mut e, &signal);
        assert_eq!(steps[0].1, Step::SpeechStarted);
        assert!(
            (50..=62).contains(&steps[0].0),
            "onset at frame {}",
            steps[0].0
        );
        assert_eq!(steps[1].1, Step::Ended(End::EndSilence));
        assert!(
            (9_600..=11_200).contains(&e.trailing_silence()),
            "{}",
            e.trailing_silence()
        );
        // Speech ends at frame 100; 600 ms of silence is 30 frames (plus the speech's tail).
        assert!(
            (129..=140).contains(&steps[1].0),
            "end at frame {}",
            steps[1].0
        );
    }

    #[test]
    fn endless_speech_stops_at_max_duration_and_stays_ended() {
        let mut e = Endpointer::new(timeouts(1000, 500, 2000));
        let mut signal = white_noise(5, -60.0, 3_200);
        signal.extend(speech_like(9, 16_000 * 4, -20.0));
        let steps = run(&mut e, &signal);
        assert_eq!(steps[0].1, Step::SpeechStarted);
        assert_eq!(steps[1], (99, Step::Ended(End::MaxDuration)));
        assert_eq!(e.push(&[0; FRAME]), Step::Ended(End::MaxDuration));
    }
}
