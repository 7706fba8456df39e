//! The [`Recorder`]: mixed (one channel) or unmixed (one channel per leg) 16 kHz s16 recordings with
//! start/pause/resume/stop and a [`SilencePolicy`] (initial silence, max silence, max duration, stop
//! tones) as Graph `recordResponse` needs.
//!
//! All policy times count *recorded* samples (paused time does not count). The recording ends at an
//! exact sample: when a limit falls inside a pushed block, only the samples before it are kept.
//! Silence is classified per pushed block (normally a 20 ms frame) on the sum of the legs, so a silence
//! period starts at the first silent block after the last voiced one.

use ringside_model::Tone;

use crate::level::{sum_squares, SilenceDetector};
use crate::wav::{self, WavError};
use crate::FRAME_SAMPLES;

/// When a recording ends by itself (all durations in samples of recorded audio).
#[derive(Clone, Debug, PartialEq)]
pub struct SilencePolicy {
    /// End if nobody has spoken this long after the start.
    pub initial_silence: Option<u64>,
    /// End after this much silence once somebody has spoken.
    pub max_silence: Option<u64>,
    /// End after this much audio.
    pub max_duration: Option<u64>,
    /// End when one of these keys is reported with [`Recorder::tone`].
    pub stop_tones: Vec<Tone>,
    /// Blocks below this level are silence.
    pub silence_threshold_dbfs: f32,
}

impl SilencePolicy {
    /// No automatic end: only [`Recorder::stop`] ends the recording.
    pub fn none() -> SilencePolicy {
        SilencePolicy {
            initial_silence: None,
            max_silence: None,
            max_duration: None,
            stop_tones: Vec::new(),
            silence_threshold_dbfs: SilenceDetector::DEFAULT_THRESHOLD_DBFS,
        }
    }

    /// Graph `recordResponse` semantics from its parameters in seconds
    /// (`initialSilenceTimeoutInSeconds`, `maxSilenceTimeoutInSeconds`, `maxRecordDurationInSeconds`,
    /// `stopTones`).
    pub fn record_response(
        initial_silence_s: u32,
        max_silence_s: u32,
        max_duration_s: u32,
        stop_tones: &[Tone],
    ) -> SilencePolicy {
        let samples = |s: u32| u64::from(s) * u64::from(crate::SAMPLE_RATE);
        SilencePolicy {
            initial_silence: Some(samples(initial_silence_s)),
            max_silence: Some(samples(max_silence_s)),
            max_duration: Some(samples(max_duration_s)),
            stop_tones: stop_tones.to_vec(),
            ..SilencePolicy::none()
        }
    }
}

/// Why a recording ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEnd {
    /// Nobody spoke within the initial silence timeout.
    InitialSilence,
    /// Silence lasted the max silence timeout after speech.
    MaxSilence,
    /// The maximum duration was reached.
    MaxDuration,
    /// A stop tone was pressed.
    StopTone(Tone),
    /// [`Recorder::stop`] was called.
    Stopped,
}

/// Mixed or unmixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordMode {
    /// All legs summed into one channel.
    Mixed,
    /// One channel per leg, in the order the legs are pushed.
    Unmixed {
        /// Number of legs (channels).
        legs: u16,
    },
}

/// Where a recorder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecorderState {
    /// Created, not started.
    Idle,
    /// Recording pushed audio.
    Recording,
    /// Ignoring pushed audio until resumed.
    Paused,
    /// Finished.
    Ended(RecordEnd),
}

/// A recording in progress.
#[derive(Clone, Debug)]
pub struct Recorder {
    mode: RecordMode,
    policy: SilencePolicy,
    silence: SilenceDetector,
    state: RecorderState,
    /// Recorded samples per channel.
    recorded: u64,
    heard_voice: bool,
    /// Recorded-sample time the current silence began.
    silence_start: u64,
    /// Interleaved samples not yet taken.
    samples: Vec<i16>,
}

impl Recorder {
    /// A recorder (call [`start`](Self::start) to begin).
    pub fn new(mode: RecordMode, policy: SilencePolicy) -> Recorder {
        Recorder {
            mode,
            silence: SilenceDetector::new(policy.silence_threshold_dbfs),
            policy,
            state: RecorderState::Idle,
            recorded: 0,
            heard_voice: false,
            silence_start: 0,
            samples: Vec::new(),
        }
    }

    /// Channels in the output.
    pub fn channels(&self) -> u16 {
        match self.mode {
            RecordMode::Mixed => 1,
            RecordMode::Unmixed { legs } => legs.max(1),
        }
    }

    /// The state.
    pub fn state(&self) -> RecorderState {
        self.state
    }

    /// Samples recorded per channel (= recorded time in samples).
    pub fn recorded_samples(&self) -> u64 {
        self.recorded
    }

    /// Starts recording (from `Idle` only).
    pub fn start(&mut self) -> bool {
        self.transition(RecorderState::Idle, RecorderState::Recording)
    }

    /// Pauses (from `Recording`).
    pub fn pause(&mut self) -> bool {
        self.transition(RecorderState::Recording, RecorderState::Paused)
    }

    /// Resumes (from `Paused`).
    pub fn resume(&mut self) -> bool {
        self.transition(RecorderState::Paused, RecorderState::Recording)
    }

    fn transition(&mut self, from: RecorderState, to: RecorderState) -> bool {
        let ok = self.state == from;
        if ok {
            self.state = to;
        }
        ok
    }

    /// Stops the recording; returns [`RecordEnd::Stopped`] unless it had already ended.
    pub fn stop(&mut self) -> Option<RecordEnd> {
        match self.state {
            RecorderState::Ended(_) => None,
            _ => {
                self.state = RecorderState::Ended(RecordEnd::Stopped);
                Some(RecordEnd::Stopped)
            }
        }
    }

    /// The recording ends on some key (its policy has stop tones).
    pub fn stops_on_tones(&self) -> bool {
        !self.policy.stop_tones.is_empty()
    }

    /// A DTMF key was detected; ends the recording if it is a stop tone.
    pub fn tone(&mut self, tone: Tone) -> Option<RecordEnd> {
        let live = matches!(self.state, RecorderState::Recording | RecorderState::Paused);
        if live && self.policy.stop_tones.contains(&tone) {
            let end = RecordEnd::StopTone(tone);
            self.state = RecorderState::Ended(end);
            return Some(end);
        }
        None
    }

    /// Pushes one block of audio per leg (normally a frame each; shorter legs are padded with silence,
    /// extra legs beyond the channel count ignored in unmixed mode). Returns the end reason if the
    /// policy ended the recording within this block.
    pub fn push(&mut self, legs: &[&[i16]]) -> Option<RecordEnd> {
        if self.state != RecorderState::Recording {
            return None;
        }
        let len = legs.iter().map(|l| l.len()).max().unwrap_or(0);
        let mut offset = 0;
        while offset < len {
            let n = (len - offset).min(FRAME_SAMPLES);
            if let Some(end) = self.push_block(legs, offset, n) {
                return Some(end);
            }
            offset += n;
        }
        None
    }

    fn push_block(&mut self, legs: &[&[i16]], offset: usize, n: usize) -> Option<RecordEnd> {
        let mut mixed = [0i16; FRAME_SAMPLES];
        for leg in legs {
            let part = leg.get(offset..).unwrap_or(&[]);
            for (m, &x) in mixed[..n].iter_mut().zip(part) {
                *m = m.saturating_add(x);
            }
        }
        let voiced = !self.silence.is_silent_sum(sum_squares(&mixed[..n]), n);
        let block_end = self.recorded + n as u64;
        if voiced {
            self.heard_voice = true;
            self.silence_start = block_end;
        }
        // The earliest limit falling inside this block, if any.
        let mut end: Option<(u64, RecordEnd)> = None;
        let mut consider = |at: u64, why: RecordEnd| {
            if at <= block_end && end.is_none_or(|(t, _)| at < t) {
                end = Some((at.max(self.recorded), why));
            }
        };
        if !self.heard_voice {
            if let Some(limit) = self.policy.initial_silence {
                consider(limit, RecordEnd::InitialSilence);
            }
        } else if !voiced {
            if let Some(limit) = self.policy.max_silence {
                consider(self.silence_start + limit, RecordEnd::MaxSilence);
            }
        }
        if let Some(limit) = self.policy.max_duration {
            consider(limit, RecordEnd::MaxDuration);
        }
        let keep = match end {
            Some((at, _)) => (at - self.recorded) as usize,
            None => n,
        };
        self.append(legs, offset, keep, &mixed);
        self.recorded += keep as u64;
        let (_, why) = end?;
        self.state = RecorderState::Ended(why);
        Some(why)
    }

    fn append(&mut self, legs: &[&[i16]], offset: usize, n: usize, mixed: &[i16; FRAME_SAMPLES]) {
        match self.mode {
            RecordMode::Mixed => self.samples.extend_from_slice(&mixed[..n]),
            RecordMode::Unmixed { legs: channels } => {
                let channels = usize::from(channels.max(1));
                self.samples.reserve(n * channels);
                for i in 0..n {
                    for c in 0..channels {
                        let sample = legs
                            .get(c)
                            .and_then(|leg| leg.get(offset + i))
                            .copied()
                            .unwrap_or(0);
                        self.samples.push(sample);
                    }
                }
            }
        }
    }

    /// Interleaved samples recorded and not yet taken (to stream them to storage).
    pub fn pending(&self) -> &[i16] {
        &self.samples
    }

    /// Takes the samples recorded so far (interleaved), leaving the buffer empty.
    pub fn take_samples(&mut self) -> Vec<i16> {
        std::mem::take(&mut self.samples)
    }

    /// The samples not yet taken as a complete 16 kHz s16 WAV file.
    pub fn to_wav(&self) -> Result<Vec<u8>, WavError> {
        wav::encode_pcm16(crate::SAMPLE_RATE, self.channels(), &self.samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testsignal;

    const SECOND: u64 = 16_000;

    fn run(recorder: &mut Recorder, audio: &[i16]) -> Option<RecordEnd> {
        for frame in audio.chunks(FRAME_SAMPLES) {
            if let Some(end) = recorder.push(&[frame]) {
                return Some(end);
            }
        }
        None
    }

    fn speech(seconds: f64) -> Vec<i16> {
        // Continuous voiced signal (a steady vowel) so every frame is above the threshold.
        testsignal::sine(220.0, -20.0, (seconds * SECOND as f64) as usize)
    }

    #[test]
    fn initial_silence_ends_exactly() {
        let mut r = Recorder::new(
            RecordMode::Mixed,
            SilencePolicy::record_response(2, 5, 60, &[]),
        );
        assert!(r.start());
        let silence = vec![0i16; 10 * SECOND as usize];
        assert_eq!(run(&mut r, &silence), Some(RecordEnd::InitialSilence));
        assert_eq!(r.recorded_samples(), 2 * SECOND);
        assert_eq!(r.pending().len(), 2 * SECOND as usize);
        assert_eq!(r.state(), RecorderState::Ended(RecordEnd::InitialSilence));
        assert_eq!(r.push(&[&[1; 320]]), None);
    }

    #[test]
    fn max_silence_ends_exactly_after_speech() {
        let mut r = Recorder::new(
            RecordMode::Mixed,
            SilencePolicy::record_response(2, 3, 60, &[]),
        );
        r.start();
        let mut audio = vec![0i16; SECOND as usize]; // 1 s initial silence, within the 2 s allowed
        audio.extend(speech(1.5));
        audio.extend(vec![0i16; 10 * SECOND as usize]);
        assert_eq!(run(&mut r, &audio), Some(RecordEnd::MaxSilence));
        assert_eq!(
            r.recorded_samples(),
            (2.5 * SECOND as f64) as u64 + 3 * SECOND
        );
    }

    #[test]
    fn max_duration_ends_mid_frame() {
        let mut policy = SilencePolicy::none();
        policy.max_duration = Some(1000);
        let mut r = Recorder::new(RecordMode::Mixed, policy);
        r.start();
        assert_eq!(run(&mut r, &speech(1.0)), Some(RecordEnd::MaxDuration));
        assert_eq!(r.recorded_samples(), 1000);
        assert_eq!(r.take_samples().len(), 1000);
        assert!(r.pending().is_empty());
    }

    #[test]
    fn pause_does_not_count_and_stop_tone_ends() {
        let mut r = Recorder::new(
            RecordMode::Mixed,
            SilencePolicy::record_response(1, 1, 10, &[Tone::Pound]),
        );
        assert!(!r.pause());
        r.start();
        run(&mut r, &speech(0.5));
        assert!(r.pause());
        assert_eq!(run(&mut r, &vec![0i16; 5 * SECOND as usize]), None);
        assert!(r.resume());
        assert_eq!(r.recorded_samples(), SECOND / 2);
        assert_eq!(r.tone(Tone::Star), None);
        assert_eq!(r.tone(Tone::Pound), Some(RecordEnd::StopTone(Tone::Pound)));
        assert_eq!(r.stop(), None);
        let mut s = Recorder::new(RecordMode::Mixed, SilencePolicy::none());
        s.start();
        run(&mut s, &vec![0i16; 20 * SECOND as usize]);
        assert_eq!(s.stop(), Some(RecordEnd::Stopped));
        assert_eq!(s.recorded_samples(), 20 * SECOND);
    }

    #[test]
    fn unmixed_keeps_one_channel_per_leg_and_mixed_sums() {
        let a = [100i16; 320];
        let b = [-7i16; 320];
        let mut unmixed = Recorder::new(RecordMode::Unmixed { legs: 2 }, SilencePolicy::none());
        unmixed.start();
        unmixed.push(&[&a, &b]);
        assert_eq!(unmixed.channels(), 2);
        assert_eq!(&unmixed.pending()[..4], &[100, -7, 100, -7]);
        let file = wav::decode(&unmixed.to_wav().unwrap()).unwrap();
        assert_eq!(file.channels, 2);
        assert_eq!(file.samples.len(), 320);
        let mut mixed = Recorder::new(RecordMode::Mixed, SilencePolicy::none());
        mixed.start();
        mixed.push(&[&a, &b]);
        assert_eq!(mixed.pending()[0], 93);
    }
}
