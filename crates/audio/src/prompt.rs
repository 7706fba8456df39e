//! Prompts (decoded once to 16 kHz mono and shared as `Arc<[i16]>`) and the per-leg [`PromptPlayer`]:
//! a queue of prompts with loop, stop and barge-in, rendered frame by frame.

use std::collections::VecDeque;
use std::sync::Arc;

use ringside_model::Tone;

use crate::wav::{self, WavError, WavLimits};
use crate::SAMPLE_RATE;

/// Decoded audio at 16 kHz mono, cheap to clone (shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    samples: Arc<[i16]>,
}

impl Prompt {
    /// A prompt from 16 kHz mono samples.
    pub fn from_samples(samples: impl Into<Arc<[i16]>>) -> Prompt {
        Prompt {
            samples: samples.into(),
        }
    }

    /// Decodes a WAV file (any supported encoding, rate and channel count; see [`crate::wav`]),
    /// downmixes it to mono and resamples it to 16 kHz with the band-limited [`crate::Resampler`].
    pub fn from_wav(bytes: &[u8]) -> Result<Prompt, WavError> {
        Prompt::from_wav_with_limits(bytes, WavLimits::default())
    }

    /// [`from_wav`](Self::from_wav) with explicit limits.
    pub fn from_wav_with_limits(bytes: &[u8], limits: WavLimits) -> Result<Prompt, WavError> {
        let decoded = wav::decode_with_limits(bytes, limits)?;
        let resampled = if decoded.sample_rate == SAMPLE_RATE {
            decoded.samples
        } else {
            crate::resample::to_engine_rate(&decoded.samples, decoded.sample_rate)?
        };
        let samples: Arc<[i16]> = resampled
            .iter()
            .map(|&x| crate::clamp_i16(x * 32768.0))
            .collect();
        Ok(Prompt { samples })
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// The shared buffer (to check sharing or hand it on).
    pub fn shared(&self) -> &Arc<[i16]> {
        &self.samples
    }

    /// Length in samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True for a prompt without samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Duration in milliseconds (rounded down).
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }
}

/// How to play a queued prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlayOptions {
    /// Repeat until stopped (an empty prompt completes instead of looping).
    pub looped: bool,
    /// A DTMF tone passed to [`PromptPlayer::barge_in`] interrupts this prompt.
    pub barge_in: bool,
}

/// What a [`PromptPlayer`] reports; `at_sample` is the player's clock (samples rendered so far).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The prompt's first sample was rendered.
    Started {
        /// Caller's tag (e.g. operation id).
        tag: u64,
        /// Sample time.
        at_sample: u64,
    },
    /// The prompt played to its end.
    Completed {
        /// Caller's tag.
        tag: u64,
        /// Sample time just after its last sample.
        at_sample: u64,
    },
    /// The prompt was removed by [`PromptPlayer::stop`] or [`PromptPlayer::stop_all`].
    Stopped {
        /// Caller's tag.
        tag: u64,
        /// Sample time.
        at_sample: u64,
    },
    /// The prompt was removed by [`PromptPlayer::barge_in`].
    BargedIn {
        /// Caller's tag.
        tag: u64,
        /// The interrupting tone.
        tone: Tone,
        /// Sample time.
        at_sample: u64,
    },
}

#[derive(Clone, Debug)]
struct Queued {
    prompt: Prompt,
    options: PlayOptions,
    tag: u64,
    position: usize,
    started: bool,
}

/// Plays queued prompts back to back into 20 ms frames (silence when idle).
#[derive(Clone, Debug, Default)]
pub struct PromptPlayer {
    queue: VecDeque<Queued>,
    now: u64,
}

impl PromptPlayer {
    /// An idle player.
    pub fn new() -> PromptPlayer {
        PromptPlayer::default()
    }

    /// Queues `prompt` after the ones already queued; `tag` comes back in its events.
    pub fn enqueue(&mut self, prompt: Prompt, options: PlayOptions, tag: u64) {
        self.queue.push_back(Queued {
            prompt,
            options,
            tag,
            position: 0,
            started: false,
        });
    }

    /// True while something is queued.
    pub fn is_playing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Prompts queued (including the one playing).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Samples rendered so far (the player's clock).
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Removes every queued prompt with `tag`, reporting [`PlayerEvent::Stopped`] for each.
    pub fn stop(&mut self, tag: u64, mut on_event: impl FnMut(PlayerEvent)) {
        let at_sample = self.now;
        self.queue.retain(|q| {
            let keep = q.tag != tag;
            if !keep {
                on_event(PlayerEvent::Stopped {
                    tag: q.tag,
                    at_sample,
                });
            }
            keep
        });
    }

    /// Removes every queued prompt, reporting [`PlayerEvent::Stopped`] for each.
    pub fn stop_all(&mut self, mut on_event: impl FnMut(PlayerEvent)) {
        let at_sample = self.now;
        for q in self.queue.drain(..) {
            on_event(PlayerEvent::Stopped {
                tag: q.tag,
                at_sample,
            });
        }
    }

    /// A DTMF tone was detected: removes every queued prompt that allows barge-in, reporting
    /// [`PlayerEvent::BargedIn`] for each; returns whether anything was interrupted.
    pub fn barge_in(&mut self, tone: Tone, mut on_event: impl FnMut(PlayerEvent)) -> bool {
        let at_sample = self.now;
        let before = self.queue.len();
        self.queue.retain(|q| {
            let keep = !q.options.barge_in;
            if !keep {
                on_event(PlayerEvent::BargedIn {
                    tag: q.tag,
                    tone,
                    at_sample,
                });
            }
            keep
        });
        before != self.queue.len()
    }

    /// Renders the next `out.len()` samples (normally one frame), overwriting `out`; returns how many
    /// samples came from prompts (the rest is silence).
    pub fn next_frame(&mut self, out: &mut [i16], mut on_event: impl FnMut(PlayerEvent)) -> usize {
        let mut written = 0usize;
        while written < out.len() {
            let Some(front) = self.queue.front_mut() else {
                break;
            };
            let at_sample = self.now + written as u64;
            if !front.started {
                front.started = true;
                on_event(PlayerEvent::Started {
                    tag: front.tag,
                    at_sample,
                });
            }
            let samples = front.prompt.samples();
            let available = samples.len().saturating_sub(front.position);
            let n = available.min(out.len() - written);
            if let Some(src) = samples.get(front.position..front.position + n) {
                out[written..written + n].copy_from_slice(src);
            }
            front.position += n;
            written += n;
            if front.position >= samples.len() {
                if front.options.looped && !samples.is_empty() {
                    front.position = 0;
                } else {
                    let tag = front.tag;
                    self.queue.pop_front();
                    on_event(PlayerEvent::Completed {
                        tag,
                        at_sample: self.now + written as u64,
                    });
                }
            }
        }
        out[written..].fill(0);
        self.now += out.len() as u64;
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Frame, SILENT_FRAME};

    fn ramp(len: usize, base: i16) -> Prompt {
        Prompt::from_samples((0..len).map(|i| base + i as i16).collect::<Vec<_>>())
    }

    #[test]
    fn plays_queue_back_to_back_with_exact_event_times() {
        let mut player = PromptPlayer::new();
        player.enqueue(ramp(500, 1), PlayOptions::default(), 7);
        player.enqueue(ramp(100, 1000), PlayOptions::default(), 8);
        let mut events = Vec::new();
        let mut frame: Frame = SILENT_FRAME;
        assert_eq!(player.next_frame(&mut frame, |e| events.push(e)), 320);
        assert_eq!(frame[0], 1);
        assert_eq!(player.next_frame(&mut frame, |e| events.push(e)), 280);
        assert_eq!(frame[179], 500); // last sample of the first prompt
        assert_eq!(frame[180], 1000); // first of the second
        assert_eq!(frame[279], 1099);
        assert!(frame[280..].iter().all(|&s| s == 0));
        assert_eq!(
            events,
            vec![
                PlayerEvent::Started {
                    tag: 7,
                    at_sample: 0
                },
                PlayerEvent::Completed {
                    tag: 7,
                    at_sample: 500
                },
                PlayerEvent::Started {
                    tag: 8,
                    at_sample: 500
                },
                PlayerEvent::Completed {
                    tag: 8,
                    at_sample: 600
                },
            ]
        );
        assert!(!player.is_playing());
        assert_eq!(
            player.next_frame(&mut frame, |_| panic!("no events when idle")),
            0
        );
        assert_eq!(frame, SILENT_FRAME);
    }

    #[test]
    fn loops_until_stopped() {
        let mut player = PromptPlayer::new();
        player.enqueue(
            ramp(100, 1),
            PlayOptions {
                looped: true,
                barge_in: false,
            },
            1,
        );
        let mut frame = SILENT_FRAME;
        let mut events = Vec::new();
        for _ in 0..10 {
            assert_eq!(player.next_frame(&mut frame, |e| events.push(e)), 320);
        }
        assert_eq!(frame[0], 1 + (9 * 320 % 100) as i16);
        player.stop(1, |e| events.push(e));
        assert_eq!(
            events,
            vec![
                PlayerEvent::Started {
                    tag: 1,
                    at_sample: 0
                },
                PlayerEvent::Stopped {
                    tag: 1,
                    at_sample: 3200
                }
            ]
        );
        assert!(!player.is_playing());
    }

    #[test]
    fn empty_looped_prompt_completes_instead_of_spinning() {
        let mut player = PromptPlayer::new();
        player.enqueue(
            Prompt::from_samples(Vec::new()),
            PlayOptions {
                looped: true,
                barge_in: false,
            },
            3,
        );
        let mut events = Vec::new();
        let mut frame = SILENT_FRAME;
        assert_eq!(player.next_frame(&mut frame, |e| events.push(e)), 0);
        assert_eq!(
            events,
            vec![
                PlayerEvent::Started {
                    tag: 3,
                    at_sample: 0
                },
                PlayerEvent::Completed {
                    tag: 3,
                    at_sample: 0
                }
            ]
        );
    }

    #[test]
    fn barge_in_removes_only_interruptible_prompts() {
        let mut player = PromptPlayer::new();
        player.enqueue(
            ramp(1000, 1),
            PlayOptions {
                looped: false,
                barge_in: true,
            },
            1,
        );
        player.enqueue(
            ramp(1000, 1),
            PlayOptions {
                looped: false,
                barge_in: false,
            },
            2,
        );
        player.enqueue(
            ramp(1000, 1),
            PlayOptions {
                looped: true,
                barge_in: true,
            },
            3,
        );
        let mut frame = SILENT_FRAME;
        player.next_frame(&mut frame, |_| {});
        let mut events = Vec::new();
        assert!(player.barge_in(Tone::Pound, |e| events.push(e)));
        assert_eq!(
            events,
            vec![
                PlayerEvent::BargedIn {
                    tag: 1,
                    tone: Tone::Pound,
                    at_sample: 320
                },
                PlayerEvent::BargedIn {
                    tag: 3,
                    tone: Tone::Pound,
                    at_sample: 320
                },
            ]
        );
        assert_eq!(player.queued(), 1);
        events.clear();
        player.next_frame(&mut frame, |e| events.push(e));
        assert_eq!(
            events,
            vec![PlayerEvent::Started {
                tag: 2,
                at_sample: 320
            }]
        );
        assert!(!player.barge_in(Tone::Digit(1), |_| {}));
        player.stop_all(|e| events.push(e));
        assert_eq!(
            events.last(),
            Some(&PlayerEvent::Stopped {
                tag: 2,
                at_sample: 640
            })
        );
    }

    #[test]
    fn prompts_share_their_samples() {
        let prompt = ramp(10, 0);
        let mut a = PromptPlayer::new();
        let mut b = PromptPlayer::new();
        a.enqueue(prompt.clone(), PlayOptions::default(), 1);
        b.enqueue(prompt.clone(), PlayOptions::default(), 1);
        assert_eq!(Arc::strong_count(prompt.shared()), 3);
    }
}
