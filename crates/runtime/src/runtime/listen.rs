//! Speech recognition for recognize operations: `Action::StartListening` taps the target's voice
//! (an in-process unmixed tap at 16 kHz) into a recognizer of the offline engine
//! (`ringside-speech`, pocketsphinx), off the runtime task; its verdict comes back as
//! `MediaSignal::Heard`. `Action::StopListening` stops it (nothing is reported then).

use std::collections::HashMap;
use std::time::Duration;

use ringside_engine::{ConversationId, Heard, LegId, MediaSignal, OperationId, SpeechOptions};
use ringside_media::{StreamChannel, StreamRate};
use ringside_speech::{Choice, Event, Mode, Outcome, Recognizer, SttEngine, Timeouts};
use tokio::sync::{mpsc, oneshot};

use super::Msg;
use crate::streaming::tap::{LocalTap, TapInput};

/// Longest a recognizer listens in all.
const MAX_LISTEN: Duration = Duration::from_secs(60);
/// Frames a listening tap may queue.
const TAP_QUEUE: usize = 250;

/// The running recognizers, by operation: dropping or sending on the sender stops one.
#[derive(Default)]
pub(super) struct Listeners(HashMap<OperationId, oneshot::Sender<()>>);

/// What a recognizer needs to start.
pub(super) struct ListenSpec {
    pub(super) conversation: ConversationId,
    pub(super) leg: LegId,
    pub(super) target: LegId,
    pub(super) operation: OperationId,
    pub(super) speech: SpeechOptions,
    pub(super) initial_silence: Duration,
}

impl Listeners {
    /// Starts listening; the verdict (or `Failed`) reaches the runtime through `loopback`.
    pub(super) fn start(
        &mut self,
        engine: SttEngine,
        streams: &std::sync::Arc<crate::streaming::StreamService>,
        spec: ListenSpec,
        loopback: mpsc::UnboundedSender<Msg>,
    ) {
        let operation = spec.operation;
        let heard = move |heard| Msg::Stored(MediaSignal::Heard { operation, heard });
        let tap = match streams.start_local(
            spec.conversation,
            spec.leg,
            StreamChannel::Unmixed,
            StreamRate::Khz16,
            "speech",
            TAP_QUEUE,
        ) {
            Ok(tap) => tap,
            Err(_) => {
                let _ = loopback.send(heard(Heard::Failed));
                return;
            }
        };
        let (stop, stopped) = oneshot::channel();
        self.0.insert(operation, stop);
        tokio::spawn(async move {
            if let Some(verdict) = listen(engine, tap, &spec, stopped).await {
                let _ = loopback.send(heard(verdict));
            }
        });
    }

    /// Stops the recognizer of `operation`, if it runs.
    pub(super) fn stop(&mut self, operation: OperationId) {
        if let Some(stop) = self.0.remove(&operation) {
            let _ = stop.send(());
        }
    }

    /// Forgets a recognizer that reported.
    pub(super) fn finished(&mut self, operation: OperationId) {
        self.0.remove(&operation);
    }
}

/// Feeds the target's frames to a recognizer until it decides; `None` when stopped.
async fn listen(
    engine: SttEngine,
    mut tap: LocalTap,
    spec: &ListenSpec,
    mut stopped: oneshot::Receiver<()>,
) -> Option<Heard> {
    let mode = mode(&spec.speech);
    let timeouts = Timeouts {
        initial_silence_ms: millis(spec.initial_silence),
        end_silence_ms: millis(spec.speech.end_silence),
        max_duration_ms: millis(MAX_LISTEN),
    };
    let started = tokio::task::spawn_blocking(move || engine.recognize(mode, timeouts)).await;
    let verdict = match started {
        Ok(Ok(mut recognizer)) => feed(&mut tap, &mut recognizer, spec.target, &mut stopped).await,
        Ok(Err(error)) => {
            tracing::info!(%error, "a speech recognizer could not start");
            Some(Heard::Failed)
        }
        Err(_) => Some(Heard::Failed),
    };
    tap.stop_plane(|_| {}).await;
    verdict
}

async fn feed(
    tap: &mut LocalTap,
    recognizer: &mut Recognizer,
    target: LegId,
    stopped: &mut oneshot::Receiver<()>,
) -> Option<Heard> {
    loop {
        let input = tokio::select! {
            biased;
            _ = &mut *stopped => return None,
            input = tap.next() => input,
        };
        match input {
            Some(TapInput::Frame(frame)) if frame.participant == Some(target) => {
                recognizer.push(&frame.samples)
            }
            Some(TapInput::Frame(_) | TapInput::Pause(_) | TapInput::Name(..)) => {}
            Some(TapInput::Stop | TapInput::PlaneStopped) | None => {
                // The call ended under the recognizer: nothing more will be said.
                return Some(Heard::Failed);
            }
        }
        while let Some(event) = recognizer.try_event() {
            if let Some(verdict) = verdict(event) {
                return Some(verdict);
            }
        }
    }
}

fn mode(speech: &SpeechOptions) -> Mode {
    if speech.choices.is_empty() {
        return Mode::Speech;
    }
    let choices = speech
        .choices
        .iter()
        .map(|c| Choice {
            label: c.label.clone(),
            phrases: c.phrases.clone(),
        })
        .collect();
    Mode::Choices(choices)
}

/// The engine's neutral verdict for a recognizer event that ends the recognition.
fn verdict(event: Event) -> Option<Heard> {
    let permille = |c: f32| (c.clamp(0.0, 1.0) * 1000.0).round() as u16;
    Some(match event {
        Event::Completed(recognition) => match recognition.outcome {
            Outcome::Choice {
                label,
                phrase,
                confidence,
                ..
            } => Heard::Choice {
                label,
                phrase,
                confidence_permille: permille(confidence),
            },
            Outcome::Speech {
                text, confidence, ..
            } => Heard::Speech {
                text,
                confidence_permille: permille(confidence),
            },
            Outcome::InitialSilence => Heard::Silence,
            Outcome::NoMatch { .. } => Heard::NoMatch,
        },
        Event::Failed(_) | Event::Stopped => Heard::Failed,
        Event::SpeechStarted { .. } | Event::Phrase(_) => return None,
    })
}

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}
