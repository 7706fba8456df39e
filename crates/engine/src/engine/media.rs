//! Media operations of bot legs: the per-leg playPrompt/recordResponse queue, cancellation,
//! tone subscription and delivery, DTMF sending, and the audio engine's reports.

use std::time::{Duration, Instant};

use ringside_model::Tone;

use super::timers::{later, TimerKind};
use super::{Engine, OpDetail};
use crate::command::{Ack, MediaRef, OperationKind, RecognizeOptions, RecordOptions};
use crate::config::limits;
use crate::error::EngineError;
use crate::ids::{ConversationId, IdSource, LegId, OperationId};
use crate::output::{Action, Audience, Event};
use crate::reason::{OperationStatus, Outcome};
use crate::signal::{MediaSignal, RecordingEnd};
use crate::state::LegState;

fn media_ready(state: LegState) -> bool {
    matches!(state, LegState::Established | LegState::OnHold)
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn play_prompt(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        leg: LegId,
        prompts: Vec<MediaRef>,
        audience: Vec<LegId>,
        looped: bool,
        barge_in: bool,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "play a prompt", media_ready)?;
        if prompts.is_empty() || prompts.len() > limits::MAX_PROMPTS {
            return Err(EngineError::InvalidArgument(
                "playPrompt takes 1 to 20 prompts",
            ));
        }
        for participant in &audience {
            self.participant_of(leg, *participant)?;
        }
        let audience = if audience.is_empty() {
            Audience::Conversation
        } else {
            Audience::Legs(audience)
        };
        if barge_in {
            self.cancel_media(leg);
        }
        let detail = OpDetail::Play {
            prompts,
            audience,
            looped,
        };
        let operation =
            self.new_operation(ids, leg, OperationKind::PlayPrompt, client_context, detail);
        self.enqueue_media(now, leg, operation);
        Ok(self.op_ack(operation, Vec::new()))
    }

    pub(super) fn record_response(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        leg: LegId,
        options: RecordOptions,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "record", media_ready)?;
        let (min, max) = limits::RECORD_TIMEOUT_SECS;
        let in_range = |v: u32| (min..=max).contains(&v);
        if !in_range(options.initial_silence_secs)
            || !in_range(options.max_silence_secs)
            || !in_range(options.max_duration_secs)
        {
            return Err(EngineError::InvalidArgument(
                "record timeouts must be 1 to 120 seconds",
            ));
        }
        if options.barge_in {
            self.cancel_media(leg);
        }
        let detail = OpDetail::Record {
            options,
            stop: None,
        };
        let operation = self.new_operation(
            ids,
            leg,
            OperationKind::RecordResponse,
            client_context,
            detail,
        );
        self.enqueue_media(now, leg, operation);
        Ok(self.op_ack(operation, Vec::new()))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn recognize(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        leg: LegId,
        target: LegId,
        options: RecognizeOptions,
        barge_in: bool,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "recognize", media_ready)?;
        let t = self.participant_of(leg, target)?;
        if !t.state.is_connected() || target == leg {
            return Err(EngineError::InvalidState {
                leg: target,
                state: t.state,
                action: "recognize tones from",
            });
        }
        if options.prompts.len() > limits::MAX_PROMPTS {
            return Err(EngineError::InvalidArgument(
                "recognize takes at most 20 prompts",
            ));
        }
        if options.initial_silence.is_zero() || options.initial_silence > Duration::from_secs(300) {
            return Err(EngineError::InvalidArgument(
                "initial silence timeout must be 1 to 300 seconds",
            ));
        }
        if options.inter_tone.is_zero() || options.inter_tone > Duration::from_secs(60) {
            return Err(EngineError::InvalidArgument(
                "inter-tone timeout must be 1 to 60 seconds",
            ));
        }
        if options.max_tones == 0 || options.max_tones > limits::MAX_DTMF_TONES {
            return Err(EngineError::InvalidArgument("max tones must be 1 to 64"));
        }
        if barge_in {
            self.cancel_media(leg);
        }
        let detail = OpDetail::Recognize {
            target,
            options,
            tones: Vec::new(),
            prompting: false,
            listening: false,
            heard: None,
        };
        let operation =
            self.new_operation(ids, leg, OperationKind::Recognize, client_context, detail);
        self.enqueue_media(now, leg, operation);
        Ok(self.op_ack(operation, Vec::new()))
    }

    pub(super) fn cancel_media_processing(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.live_bot_leg(leg, "cancel media processing")?;
        self.cancel_media(leg);
        Ok(self.instant_operation(
            ids,
            leg,
            OperationKind::CancelMediaProcessing,
            client_context,
        ))
    }

    pub(super) fn subscribe_to_tone(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        source: Option<LegId>,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "subscribe to tones", LegState::is_connected)?;
        if let Some(source) = source {
            self.participant_of(leg, source)?;
        }
        if let Some(l) = self.legs.get_mut(&leg) {
            l.tone_subscription = Some(source);
        }
        self.sync_listening(leg);
        Ok(self.instant_operation(ids, leg, OperationKind::SubscribeToTone, client_context))
    }

    pub(super) fn unsubscribe_from_tone(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.live_bot_leg(leg, "unsubscribe from tones")?;
        if let Some(l) = self.legs.get_mut(&leg) {
            l.tone_subscription = None;
        }
        self.sync_listening(leg);
        Ok(self.instant_operation(ids, leg, OperationKind::UnsubscribeFromTone, client_context))
    }

    /// Sends keys into the call, or to `target` only.
    pub(super) fn send_dtmf(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        target: Option<LegId>,
        tones: Vec<Tone>,
        delay_between: Duration,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        let l = self.bot_leg_in(leg, "send DTMF", media_ready)?;
        let conversation = l.conversation;
        if tones.is_empty() || tones.len() > limits::MAX_DTMF_TONES {
            return Err(EngineError::InvalidArgument(
                "sendDtmfTones takes 1 to 64 tones",
            ));
        }
        if let Some(target) = target {
            let present = self
                .legs
                .get(&target)
                .is_some_and(|t| t.conversation == conversation && !t.state.is_terminated());
            if target == leg || !present {
                return Err(EngineError::InvalidArgument(
                    "the DTMF target is not a participant of the call",
                ));
            }
        }
        let operation = self.new_operation(
            ids,
            leg,
            OperationKind::SendDtmf,
            client_context,
            OpDetail::None,
        );
        if let Some(op) = self.operations.get_mut(&operation) {
            op.status = OperationStatus::Running;
        }
        self.act(Action::SendDtmf {
            conversation,
            leg,
            operation,
            tones,
            delay_between,
            audience: target,
        });
        Ok(self.op_ack(operation, Vec::new()))
    }

    // ---- the queue ------------------------------------------------------------------------

    fn enqueue_media(&mut self, now: Instant, leg: LegId, operation: OperationId) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        if l.media_running.is_some() {
            l.media_queue.push_back(operation);
        } else {
            self.start_media(now, leg, operation);
        }
    }

    fn start_media(&mut self, now: Instant, leg: LegId, operation: OperationId) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        l.media_running = Some(operation);
        let conversation = l.conversation;
        self.sync_listening(leg);
        let Some(op) = self.operations.get_mut(&operation) else {
            return;
        };
        op.status = OperationStatus::Running;
        let action = match &mut op.detail {
            OpDetail::Play {
                prompts,
                audience,
                looped,
            } => Action::StartPrompt {
                conversation,
                leg,
                operation,
                prompts: prompts.clone(),
                audience: audience.clone(),
                looped: *looped,
            },
            OpDetail::Record { options, .. } => Action::StartRecording {
                conversation,
                leg,
                operation,
                options: options.clone(),
            },
            OpDetail::Recognize {
                target,
                options,
                prompting,
                ..
            } => {
                if options.prompts.is_empty() {
                    if options.speech.is_some() {
                        return self.start_listening(leg, operation);
                    }
                    let at = later(now, options.initial_silence);
                    self.set_timer(leg, TimerKind::Recognize, at);
                    return;
                }
                *prompting = true;
                Action::StartPrompt {
                    conversation,
                    leg,
                    operation,
                    prompts: options.prompts.clone(),
                    audience: Audience::Legs(vec![*target]),
                    looped: false,
                }
            }
            _ => return,
        };
        self.act(action);
    }

    /// A queued media operation finished: report it and start the next one.
    pub(super) fn media_finished(
        &mut self,
        now: Instant,
        operation: OperationId,
        outcome: Outcome,
        recording: Option<String>,
    ) {
        let Some(leg) = self.operations.get(&operation).map(|op| op.leg) else {
            return;
        };
        self.complete_operation(operation, outcome, recording);
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        if l.media_running != Some(operation) {
            return;
        }
        l.media_running = None;
        let next = if media_ready(l.state) {
            l.media_queue.pop_front()
        } else {
            None
        };
        self.set_timer(leg, TimerKind::Recognize, None);
        match next {
            Some(next) => self.start_media(now, leg, next),
            None => self.sync_listening(leg),
        }
    }

    /// Tells the media plane whether bot leg `leg` listens for keys — it subscribed to tones, or
    /// a recognize is running — when that changed: detection runs only where someone listens.
    pub(super) fn sync_listening(&mut self, leg: LegId) {
        let Some(l) = self.legs.get(&leg) else {
            return;
        };
        let recognizing = l
            .media_running
            .and_then(|op| self.operations.get(&op))
            .is_some_and(|op| matches!(op.detail, OpDetail::Recognize { .. }));
        let wants = !l.state.is_terminated() && (l.tone_subscription.is_some() || recognizing);
        if wants == l.listening {
            return;
        }
        let conversation = l.conversation;
        if let Some(l) = self.legs.get_mut(&leg) {
            l.listening = wants;
        }
        self.act(if wants {
            Action::StartToneDetection { conversation, leg }
        } else {
            Action::StopToneDetection { conversation, leg }
        });
    }

    pub(super) fn stop_media_action(
        &mut self,
        conversation: ConversationId,
        operation: OperationId,
    ) {
        let prompting = matches!(
            self.operations.get(&operation).map(|op| &op.detail),
            Some(OpDetail::Recognize {
                prompting: true,
                ..
            })
        );
        if prompting {
            self.act(Action::StopPrompt {
                conversation,
                operation,
            });
            return;
        }
        match self.operations.get(&operation).map(|op| op.kind) {
            Some(OperationKind::PlayPrompt) => self.act(Action::StopPrompt {
                conversation,
                operation,
            }),
            Some(OperationKind::RecordResponse) => self.act(Action::StopRecording {
                conversation,
                operation,
            }),
            _ => {}
        }
    }

    /// Cancels the running and queued playPrompt/recordResponse operations of a leg.
    fn cancel_media(&mut self, leg: LegId) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let conversation = l.conversation;
        let running = l.media_running.take();
        let queued: Vec<OperationId> = l.media_queue.drain(..).collect();
        self.set_timer(leg, TimerKind::Recognize, None);
        self.sync_listening(leg);
        if let Some(operation) = running {
            self.stop_media_action(conversation, operation);
            self.complete_operation(operation, Outcome::Cancelled, None);
        }
        for operation in queued {
            self.complete_operation(operation, Outcome::Cancelled, None);
        }
    }

    // ---- tones ----------------------------------------------------------------------------

    /// A key pressed on `from` reaches subscribed bot legs and stops recordings with that stop tone.
    pub(super) fn deliver_tone(&mut self, now: Instant, from: LegId, tone: Tone) {
        let Some(conversation) = self.conversation_of(from) else {
            return;
        };
        let members: Vec<LegId> = self
            .conversations
            .get(&conversation)
            .map(|c| c.legs.clone())
            .unwrap_or_default();
        for leg in members.into_iter().filter(|leg| *leg != from) {
            let Some(l) = self.legs.get_mut(&leg) else {
                continue;
            };
            if !l.is_bot() || !l.state.is_connected() {
                continue;
            }
            if let Some(source) = l.tone_subscription {
                if source.is_none_or(|s| s == from) {
                    l.tone_sequence += 1;
                    let sequence_id = l.tone_sequence;
                    self.emit(Event::ToneReceived {
                        conversation,
                        leg,
                        from,
                        tone,
                        sequence_id,
                    });
                }
            }
            let Some(running) = self.legs.get(&leg).and_then(|l| l.media_running) else {
                continue;
            };
            let Some(op) = self.operations.get_mut(&running) else {
                continue;
            };
            match &mut op.detail {
                OpDetail::Record { options, stop }
                    if stop.is_none() && options.stop_tones.contains(&tone) =>
                {
                    *stop = Some(Outcome::RecordStopTone);
                    self.act(Action::StopRecording {
                        conversation,
                        operation: running,
                    });
                }
                OpDetail::Recognize { target, .. } if *target == from => {
                    self.recognize_tone(now, leg, running, tone);
                }
                _ => {}
            }
        }
    }

    /// A key from the recognize target: stop the prompt if allowed, collect, maybe finish.
    fn recognize_tone(&mut self, now: Instant, leg: LegId, operation: OperationId, tone: Tone) {
        let Some(conversation) = self.conversation_of(leg) else {
            return;
        };
        let Some(op) = self.operations.get_mut(&operation) else {
            return;
        };
        let OpDetail::Recognize {
            options,
            tones,
            prompting,
            listening,
            ..
        } = &mut op.detail
        else {
            return;
        };
        match &options.speech {
            // Speech only: keys are not an answer.
            Some(speech) if !speech.tones => return,
            // A key ends listening; collection goes on as for DTMF.
            Some(_) if *listening => {
                *listening = false;
                self.act(Action::StopListening {
                    conversation,
                    operation,
                });
                return self.recognize_tone(now, leg, operation, tone);
            }
            _ => {}
        }
        let was_prompting = *prompting;
        if *prompting && options.interrupt_prompt {
            *prompting = false;
        }
        let outcome = if options.stop_tones.contains(&tone) {
            Some(Outcome::RecognizeStopTone)
        } else {
            tones.push(tone);
            (tones.len() >= options.max_tones).then_some(Outcome::RecognizeMaxTones)
        };
        let still_prompting = *prompting;
        let inter_tone = options.inter_tone;
        if was_prompting && (!still_prompting || outcome.is_some()) {
            self.act(Action::StopPrompt {
                conversation,
                operation,
            });
        }
        match outcome {
            Some(outcome) => self.media_finished(now, operation, outcome, None),
            None if !still_prompting => {
                self.set_timer(leg, TimerKind::Recognize, later(now, inter_tone));
            }
            None => {}
        }
    }

    /// The recognize prompt ended: start waiting for keys.
    fn recognize_prompt_finished(
        &mut self,
        now: Instant,
        leg: LegId,
        operation: OperationId,
        ok: bool,
    ) {
        if !ok {
            self.media_finished(now, operation, Outcome::MediaFailed, None);
            return;
        }
        let Some(op) = self.operations.get_mut(&operation) else {
            return;
        };
        let OpDetail::Recognize {
            options,
            tones,
            prompting,
            ..
        } = &mut op.detail
        else {
            return;
        };
        if !*prompting {
            return;
        }
        *prompting = false;
        if options.speech.is_some() && tones.is_empty() {
            return self.start_listening(leg, operation);
        }
        let wait = if tones.is_empty() {
            options.initial_silence
        } else {
            options.inter_tone
        };
        self.set_timer(leg, TimerKind::Recognize, later(now, wait));
    }

    /// The running recognize waited long enough.
    pub(super) fn recognize_timeout(&mut self, now: Instant, leg: LegId) {
        let Some(operation) = self.legs.get(&leg).and_then(|l| l.media_running) else {
            return;
        };
        let outcome = match self.operations.get(&operation).map(|op| &op.detail) {
            Some(OpDetail::Recognize {
                tones,
                prompting: false,
                ..
            }) => {
                if tones.is_empty() {
                    Outcome::RecognizeInitialSilence
                } else {
                    Outcome::RecognizeInterToneTimeout
                }
            }
            _ => return,
        };
        self.media_finished(now, operation, outcome, None);
    }

    pub(super) fn media_signal(
        &mut self,
        now: Instant,
        signal: MediaSignal,
    ) -> Result<(), EngineError> {
        match signal {
            MediaSignal::PromptStarted { .. } => {}
            MediaSignal::PromptFinished { operation, ok } => {
                let recognize = self.operations.get(&operation).and_then(|op| {
                    (op.kind == OperationKind::Recognize && op.status == OperationStatus::Running)
                        .then_some(op.leg)
                });
                if let Some(leg) = recognize {
                    self.recognize_prompt_finished(now, leg, operation, ok);
                    return Ok(());
                }
                if self.operations.get(&operation).map(|op| op.kind)
                    == Some(OperationKind::Recognize)
                {
                    return Ok(());
                }
                let op = self.expect_operation(operation, OperationKind::PlayPrompt)?;
                if op == OperationStatus::Running {
                    let outcome = if ok {
                        Outcome::Success
                    } else {
                        Outcome::MediaFailed
                    };
                    self.media_finished(now, operation, outcome, None);
                }
            }
            MediaSignal::RecordingEnded {
                operation,
                reason,
                recording,
            } => {
                let op = self.expect_operation(operation, OperationKind::RecordResponse)?;
                if op == OperationStatus::Running {
                    let stop = match self.operations.get(&operation).map(|op| &op.detail) {
                        Some(OpDetail::Record { stop, .. }) => *stop,
                        _ => None,
                    };
                    let outcome = stop.unwrap_or(match reason {
                        RecordingEnd::MaxDuration => Outcome::RecordMaxDuration,
                        RecordingEnd::InitialSilence => Outcome::RecordInitialSilence,
                        RecordingEnd::MaxSilence => Outcome::RecordMaxSilence,
                        RecordingEnd::Stopped => Outcome::Cancelled,
                        RecordingEnd::Failed => Outcome::MediaFailed,
                    });
                    let recording = if outcome.status() == OperationStatus::Completed {
                        recording
                    } else {
                        None
                    };
                    self.media_finished(now, operation, outcome, recording);
                }
            }
            MediaSignal::ToneDetected { leg, tone } => {
                let l = self.live_leg(leg)?;
                if l.state.is_connected() {
                    self.deliver_tone(now, leg, tone);
                }
            }
            MediaSignal::Heard { operation, heard } => self.heard(now, operation, heard),
            MediaSignal::DtmfSent { operation } => {
                let op = self.expect_operation(operation, OperationKind::SendDtmf)?;
                if op == OperationStatus::Running {
                    self.complete_operation(operation, Outcome::Success, None);
                }
            }
        }
        Ok(())
    }

    fn expect_operation(
        &self,
        operation: OperationId,
        kind: OperationKind,
    ) -> Result<OperationStatus, EngineError> {
        match self.operations.get(&operation) {
            Some(op) if op.kind == kind => Ok(op.status),
            _ => Err(EngineError::UnknownOperation(operation)),
        }
    }
}
