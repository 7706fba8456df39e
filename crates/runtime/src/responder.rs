//! The built-in responder (sans-IO): what answers a bot leg that has no webhook behind it. It
//! answers 500 ms after the offer, plays the generated announcement while listening for DTMF, then
//! echoes. The runtime feeds it engine news and carries out its [`ResponderOutput`]s.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ringside_audio::Prompt;
use ringside_engine::OperationId;

/// How long after the offer the responder answers.
pub(crate) const ANSWER_AFTER: Duration = Duration::from_millis(500);
/// The media URI of the built-in announcement.
pub(crate) const ANNOUNCEMENT_URI: &str = "ringside-builtin:announcement";
/// Client context of the responder's operations.
pub(crate) const CONTEXT: &str = "ringside-builtin-responder";

/// What the runtime must do for a responder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResponderOutput {
    /// Answer the offered bot leg.
    Answer,
    /// Subscribe to tones and queue the announcement.
    Announce,
    /// Start echoing what the bot leg hears.
    Echo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Offered { answer_at: Instant },
    Answering,
    Announcing,
    Echoing,
    Ended,
}

/// One bot leg's responder.
#[derive(Debug)]
pub(crate) struct Responder {
    phase: Phase,
    announcement: Option<OperationId>,
}

impl Responder {
    /// A call was offered at `now`.
    pub(crate) fn offered(now: Instant) -> Responder {
        Responder {
            phase: Phase::Offered {
                answer_at: crate::sim::deadline(now, ANSWER_AFTER),
            },
            announcement: None,
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Offered { answer_at } => Some(answer_at),
            _ => None,
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<ResponderOutput> {
        match self.phase {
            Phase::Offered { answer_at } if answer_at <= now => {
                self.phase = Phase::Answering;
                Some(ResponderOutput::Answer)
            }
            _ => None,
        }
    }

    /// The bot leg is established.
    pub(crate) fn established(&mut self) -> Option<ResponderOutput> {
        match self.phase {
            Phase::Offered { .. } | Phase::Answering => {
                self.phase = Phase::Announcing;
                Some(ResponderOutput::Announce)
            }
            _ => None,
        }
    }

    /// The announcement's playPrompt operation was created.
    pub(crate) fn announcement_started(&mut self, operation: OperationId) {
        self.announcement = Some(operation);
    }

    /// An operation of the bot leg completed; echo starts after the announcement.
    pub(crate) fn operation_completed(
        &mut self,
        operation: OperationId,
    ) -> Option<ResponderOutput> {
        if self.phase == Phase::Announcing && self.announcement == Some(operation) {
            self.phase = Phase::Echoing;
            return Some(ResponderOutput::Echo);
        }
        None
    }

    /// The announcement could not be queued: echo at once.
    pub(crate) fn announcement_failed(&mut self) -> Option<ResponderOutput> {
        if self.phase == Phase::Announcing {
            self.phase = Phase::Echoing;
            return Some(ResponderOutput::Echo);
        }
        None
    }

    pub(crate) fn ended(&mut self) {
        self.phase = Phase::Ended;
    }
}

/// The generated announcement: three rising beeps (523, 659, 784 Hz; 250 ms each, 100 ms apart),
/// 300 ms of silence, 1.2 s of speech-like test signal, at about -16 dBFS.
pub(crate) fn announcement() -> Arc<Prompt> {
    static PROMPT: OnceLock<Arc<Prompt>> = OnceLock::new();
    PROMPT
        .get_or_init(|| {
            let rate = ringside_audio::SAMPLE_RATE as usize;
            let ms = |ms: usize| ms * rate / 1000;
            let mut samples: Vec<i16> = Vec::with_capacity(ms(2_400));
            for freq in [523.25, 659.25, 783.99] {
                let beep = ringside_audio::testsignal::sine(freq, -16.0, ms(250));
                // 10 ms fades keep the beeps click-free.
                let fade = ms(10);
                let len = beep.len();
                samples.extend(beep.iter().enumerate().map(|(i, &s)| {
                    let gain = (i.min(len - 1 - i) as f32 / fade as f32).min(1.0);
                    (f32::from(s) * gain) as i16
                }));
                samples.extend(std::iter::repeat_n(0i16, ms(100)));
            }
            samples.extend(std::iter::repeat_n(0i16, ms(200)));
            samples.extend(ringside_audio::testsignal::speech_like(7, ms(1_200), -18.0));
            Arc::new(Prompt::from_samples(samples))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_after_half_a_second_announces_then_echoes() {
        let t0 = Instant::now();
        let mut responder = Responder::offered(t0);
        assert_eq!(responder.poll_timeout(), Some(t0 + ANSWER_AFTER));
        assert_eq!(responder.handle_timeout(t0), None);
        assert_eq!(
            responder.handle_timeout(t0 + ANSWER_AFTER),
            Some(ResponderOutput::Answer)
        );
        assert_eq!(responder.poll_timeout(), None);
        assert_eq!(responder.established(), Some(ResponderOutput::Announce));
        let op = OperationId(ringside_model::Guid::from_u128(7));
        responder.announcement_started(op);
        assert_eq!(
            responder.operation_completed(OperationId(ringside_model::Guid::from_u128(8))),
            None
        );
        assert_eq!(
            responder.operation_completed(op),
            Some(ResponderOutput::Echo)
        );
        assert_eq!(responder.established(), None);
    }

    #[test]
    fn the_announcement_is_short_and_audible() {
        let prompt = announcement();
        let ms = prompt.duration_ms();
        assert!((2_000..3_000).contains(&ms), "{ms} ms");
        assert!(ringside_audio::rms_dbfs(&prompt.samples()[..3_200]) > -30.0);
    }
}
