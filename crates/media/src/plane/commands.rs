//! Applying [`MediaCommand`]s to the plane, one function per command family: streams, the mix and
//! its legs (connect, mute, hold), prompts, bot recordings, DTMF (detection subscriptions and
//! SendDtmf) and simulated endpoints. Outputs that commands cause wait in `pending` for the next
//! tick.

use std::sync::Arc;

use ringside_audio::{
    DtmfDetector, Prompt, RecordEnd, RecordMode, Recorder, SilencePolicy, ToneGenerator,
    SAMPLE_RATE, SILENT_FRAME,
};
use ringside_engine::{
    Audience, ConversationId, LegId, MediaSignal, OperationId, RecordOptions, RecordingEnd,
};

use super::state::{
    beep, default_hold_music, Conversation, Detect, Endpoint, KeyBatch, KeySender, KeyTag, KeysTo,
    Leg, PromptOp, RecordOp, Sequence, KEY_OFF_MS, MAX_ENDPOINT_RECORDING, TEST_TONE_HZ,
};
use super::{MediaPlane, Outbox};
use crate::command::{EndpointEvent, MediaCommand, MediaOutput};
use crate::stream::Stream;

impl MediaPlane {
    /// `StartStream`, `StopStream`, `StreamAudio`, `ClearStreamAudio`.
    pub(super) fn stream_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::StartStream {
                conversation,
                leg,
                stream,
                channel,
                rate,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if let Some(i) = c.streams.iter().position(|s| s.id == stream) {
                    c.streams.swap_remove(i);
                }
                c.streams.push(Stream::new(stream, leg, channel, rate));
            }
            MediaCommand::StopStream {
                conversation,
                stream,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if let Some(i) = c.streams.iter().position(|s| s.id == stream) {
                    let removed = c.streams.swap_remove(i);
                    self.pending.push(stream_stopped(conversation, &removed));
                }
            }
            MediaCommand::StreamAudio {
                conversation,
                stream,
                samples,
            } => {
                if let Some(s) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.streams.iter_mut().find(|s| s.id == stream))
                {
                    s.push_inbound(&samples);
                }
            }
            MediaCommand::ClearStreamAudio {
                conversation,
                stream,
            } => {
                if let Some(s) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.streams.iter_mut().find(|s| s.id == stream))
                {
                    s.clear_inbound();
                }
            }
            _ => {}
        }
    }

    /// `CreateMix`, `DestroyMix`, `ConnectMedia`, `DisconnectMedia`, `SetMuted`,
    /// `StartHoldMusic`, `StopHoldMusic`.
    pub(super) fn mix_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::CreateMix { conversation } => self.create_mix(conversation),
            MediaCommand::DestroyMix { conversation } => self.destroy_mix(conversation),
            MediaCommand::ConnectMedia { conversation, leg } => {
                if let Some(c) = self.conversation_mut(conversation) {
                    if c.leg_or_insert(leg).is_some() {
                        join_mix(c, leg, true);
                    }
                }
            }
            MediaCommand::DisconnectMedia { conversation, leg } => {
                self.disconnect(conversation, leg)
            }
            MediaCommand::SetMuted {
                conversation,
                leg,
                muted,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    l.muted = muted;
                    if let Some(m) = l.mix {
                        mixer.set_muted(m, muted);
                    }
                }
            }
            MediaCommand::SetAudioRouting {
                conversation,
                out_of_main,
                routes,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if out_of_main.is_empty() && routes.is_empty() {
                    // Back to the plain mix: every leg in it, no routes.
                    if c.routing.take().is_some() {
                        let Conversation { mixer, legs, .. } = c;
                        for mix in legs.iter().filter_map(|l| l.mix) {
                            mixer.set_in_main(mix, true);
                        }
                        mixer.set_routes(&[]);
                    }
                    return;
                }
                let routing = c.routing.get_or_insert_with(Box::default);
                routing.out_of_main = out_of_main;
                routing.routes = routes;
            }
            MediaCommand::StartHoldMusic {
                conversation,
                leg,
                music,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    let music = music.unwrap_or_else(default_hold_music);
                    l.hold = Some(Sequence::new(vec![music], true));
                    if let Some(m) = l.mix.take() {
                        mixer.remove_leg(m);
                    }
                }
            }
            MediaCommand::StopHoldMusic { conversation, leg } => {
                if let Some(c) = self.conversation_mut(conversation) {
                    join_mix(c, leg, false);
                }
            }
            _ => {}
        }
    }

    fn create_mix(&mut self, conversation: ConversationId) {
        if !self.index.contains_key(&conversation) {
            self.index.insert(conversation, self.conversations.len());
            self.conversations.push(Conversation::new(conversation));
        }
    }

    fn destroy_mix(&mut self, conversation: ConversationId) {
        let Some(i) = self.index.remove(&conversation) else {
            return;
        };
        if i >= self.conversations.len() {
            return;
        }
        let mut removed = self.conversations.swap_remove(i);
        if let Some(moved) = self.conversations.get(i) {
            self.index.insert(moved.id, i);
        }
        for leg in &mut removed.legs {
            deliver_endpoint_recording(conversation, leg, &mut self.pending);
        }
        for stream in &removed.streams {
            self.pending.push(stream_stopped(conversation, stream));
        }
    }

    fn disconnect(&mut self, conversation: ConversationId, leg: LegId) {
        let Some(c) = self.conversation_mut(conversation) else {
            return;
        };
        let Some(i) = c.leg_index(leg) else {
            return;
        };
        let mut l = c.legs.swap_remove(i);
        if let Some(m) = l.mix.take() {
            c.mixer.remove_leg(m);
        }
        c.prompts.retain(|op| op.leg != leg);
        // Keys to a leg that left are sent (to nobody); a bot that left sends none.
        let mut unheard = Vec::new();
        c.keys_to.retain(|op| {
            if op.to == leg && op.leg != leg {
                unheard.push(op.operation);
            }
            op.leg != leg && op.to != leg
        });
        for op in &mut c.prompts {
            if let Some(audience) = op.audience.as_mut() {
                audience.retain(|a| *a != leg);
            }
        }
        c.recordings.retain(|op| op.leg != leg);
        let mut k = 0;
        let mut stopped = Vec::new();
        while k < c.streams.len() {
            if c.streams
                .get(k)
                .is_some_and(|s| s.leg == leg && !s.channel.is_call_tap())
            {
                let removed = c.streams.swap_remove(k);
                stopped.push(stream_stopped(conversation, &removed));
            } else {
                k += 1;
            }
        }
        self.pending.extend(stopped);
        deliver_endpoint_recording(conversation, &mut l, &mut self.pending);
        for operation in unheard {
            self.signal(conversation, MediaSignal::DtmfSent { operation });
        }
    }

    /// `StartPrompt`, `StopPrompt`.
    pub(super) fn prompt_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::StartPrompt {
                conversation,
                leg,
                operation,
                prompts,
                audience,
                looped,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    let ok = false;
                    self.signal(conversation, MediaSignal::PromptFinished { operation, ok });
                    return;
                };
                let audience = match audience {
                    Audience::Legs(legs) if !legs.is_empty() => Some(legs),
                    _ => None,
                };
                let private = audience.as_ref().map(|_| Box::new(SILENT_FRAME));
                c.prompts.push(PromptOp {
                    operation,
                    leg,
                    audience,
                    sequence: Sequence::new(prompts, looped),
                    private,
                    started: false,
                    done: false,
                });
            }
            MediaCommand::StopPrompt {
                conversation,
                operation,
            } => {
                if let Some(c) = self.conversation_mut(conversation) {
                    c.prompts.retain(|op| op.operation != operation);
                }
            }
            _ => {}
        }
    }

    /// `StartRecording`, `StopRecording`.
    pub(super) fn recording_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::StartRecording {
                conversation,
                leg,
                operation,
                options,
                prompt,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    self.signal(
                        conversation,
                        MediaSignal::RecordingEnded {
                            operation,
                            reason: RecordingEnd::Failed,
                            recording: None,
                        },
                    );
                    return;
                };
                c.recordings
                    .push(record_op(leg, operation, &options, prompt));
            }
            MediaCommand::StopRecording {
                conversation,
                operation,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Some(i) = c.recordings.iter().position(|op| op.operation == operation) else {
                    return;
                };
                let mut op = c.recordings.swap_remove(i);
                op.recorder.stop();
                let output =
                    finish_recording(conversation, op, RecordingEnd::Stopped, &mut self.outbox);
                self.pending.push(output);
            }
            _ => {}
        }
    }

    /// `StartToneDetection`, `StopToneDetection`, `SendDtmf`.
    pub(super) fn dtmf_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::StartToneDetection { conversation, leg }
            | MediaCommand::StopToneDetection { conversation, leg } => {
                let on = matches!(command, MediaCommand::StartToneDetection { .. });
                if let Some(l) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.leg_mut(leg))
                {
                    l.subscribed = on;
                }
            }
            MediaCommand::SendDtmf {
                conversation,
                leg,
                operation,
                tones,
                delay_between,
                audience,
            } => {
                let sent = MediaSignal::DtmfSent { operation };
                let Some(c) = self.conversation_mut(conversation) else {
                    self.signal(conversation, sent);
                    return;
                };
                let present = |id: LegId| c.leg_index(id).is_some();
                if tones.is_empty() || !present(leg) || audience.is_some_and(|to| !present(to)) {
                    self.signal(conversation, sent);
                    return;
                }
                let off_ms = u32::try_from(delay_between.as_millis())
                    .unwrap_or(u32::MAX)
                    .min(10_000);
                let batch = KeyBatch {
                    tag: KeyTag::Operation(operation),
                    tones,
                    off_ms,
                    in_band: true,
                };
                match audience {
                    Some(to) => {
                        let mut sender = KeySender::new();
                        sender.push(batch);
                        c.keys_to.push(KeysTo {
                            leg,
                            to,
                            operation,
                            sender,
                            frame: Box::new(SILENT_FRAME),
                            done: false,
                        });
                    }
                    None => {
                        if let Some(l) = c.leg_mut(leg) {
                            l.keys
                                .get_or_insert_with(|| Box::new(KeySender::new()))
                                .push(batch);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `EndpointPlay`, `EndpointPress`, `EndpointTestTone`, `EndpointSilence`, `EndpointRecord`,
    /// `EndpointDetect`, `EndpointEcho`.
    pub(super) fn endpoint_command(&mut self, command: MediaCommand) {
        match command {
            MediaCommand::EndpointPlay {
                conversation,
                leg,
                prompt,
            } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.test_tone = None;
                    e.play = Some(Sequence::new(vec![prompt], false));
                }
            }
            MediaCommand::EndpointPress {
                conversation,
                leg,
                tones,
                in_band,
            } => {
                if tones.is_empty() {
                    return;
                }
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.keys.get_or_insert_with(KeySender::new).push(KeyBatch {
                        tag: KeyTag::Endpoint,
                        tones,
                        off_ms: KEY_OFF_MS,
                        in_band,
                    });
                }
            }
            MediaCommand::EndpointTestTone {
                conversation,
                leg,
                duration,
            } => {
                let samples = u64::try_from(duration.as_millis())
                    .unwrap_or(u64::MAX)
                    .saturating_mul(u64::from(SAMPLE_RATE) / 1000);
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.play = None;
                    e.test_tone = Some((ToneGenerator::test_tone(TEST_TONE_HZ), samples));
                }
            }
            MediaCommand::EndpointSilence { conversation, leg } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.play = None;
                    e.test_tone = None;
                    e.keys = None;
                }
            }
            MediaCommand::EndpointRecord {
                conversation,
                leg,
                enabled,
            } => self.endpoint_record(conversation, leg, enabled),
            MediaCommand::EndpointDetect {
                conversation,
                leg,
                enabled,
            } => self.endpoint_detect(conversation, leg, enabled),
            MediaCommand::EndpointEcho {
                conversation,
                leg,
                enabled,
            } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.echo = enabled.then(|| Box::new(SILENT_FRAME));
                }
            }
            _ => {}
        }
    }

    /// A leg's endpoint state, created (with the leg, unconnected) if needed.
    fn endpoint(&mut self, conversation: ConversationId, leg: LegId) -> Option<&mut Endpoint> {
        let l = self.conversation_mut(conversation)?.leg_or_insert(leg)?;
        Some(l.endpoint.get_or_insert_with(Box::default))
    }

    fn endpoint_record(&mut self, conversation: ConversationId, leg: LegId, enabled: bool) {
        let Some(c) = self
            .index
            .get(&conversation)
            .and_then(|&i| self.conversations.get_mut(i))
        else {
            return;
        };
        let Some(l) = c.leg_or_insert(leg) else {
            return;
        };
        if enabled {
            let e = l.endpoint.get_or_insert_with(Box::default);
            if e.record.is_none() {
                let mut policy = SilencePolicy::none();
                policy.max_duration =
                    Some(MAX_ENDPOINT_RECORDING.as_secs() * u64::from(SAMPLE_RATE));
                let mut recorder = Recorder::new(RecordMode::Mixed, policy);
                recorder.start();
                e.record = Some(recorder);
            }
        } else {
            deliver_endpoint_recording(conversation, l, &mut self.pending);
        }
    }

    fn endpoint_detect(&mut self, conversation: ConversationId, leg: LegId, enabled: bool) {
        let Some(c) = self.conversation_mut(conversation) else {
            return;
        };
        let Some(l) = c.leg_or_insert(leg) else {
            return;
        };
        let frames = l.frames;
        let e = l.endpoint.get_or_insert_with(Box::default);
        if !enabled {
            e.detect = None;
        } else if e.detect.is_none() {
            e.detect = Some(Detect {
                detector: DtmfDetector::default(),
                base_frame: frames,
                active: false,
                run: 0,
                run_start: frames,
            });
        }
    }
}

/// Puts a leg into the mix: on connect (marking it connected), or when it comes off hold (if it
/// is connected). A held leg stays out of the mix.
fn join_mix(c: &mut Conversation, leg: LegId, connect: bool) {
    let Conversation { mixer, legs, .. } = c;
    let Some(l) = legs.iter_mut().find(|l| l.id == leg) else {
        return;
    };
    if connect {
        l.connected = true;
    } else {
        l.hold = None;
    }
    if l.connected && l.mix.is_none() && l.hold.is_none() {
        let m = mixer.add_leg();
        mixer.set_muted(m, l.muted);
        l.mix = Some(m);
    }
}

pub(super) fn stream_stopped(conversation: ConversationId, stream: &Stream) -> MediaOutput {
    MediaOutput::StreamStopped {
        conversation,
        stream: stream.id,
        counters: stream.counters,
    }
}

fn record_op(
    leg: LegId,
    operation: OperationId,
    options: &RecordOptions,
    prompt: Option<Arc<Prompt>>,
) -> RecordOp {
    let policy = SilencePolicy::record_response(
        options.initial_silence_secs,
        options.max_silence_secs,
        options.max_duration_secs,
        &options.stop_tones,
    );
    let mut preamble: Vec<Arc<Prompt>> = prompt.into_iter().collect();
    if options.play_beep {
        preamble.push(beep());
    }
    let mut recorder = Recorder::new(RecordMode::Mixed, policy);
    let preamble = if preamble.is_empty() {
        recorder.start();
        None
    } else {
        Some(Sequence::new(preamble, false))
    };
    RecordOp {
        operation,
        leg,
        preamble,
        recorder,
    }
}

pub(super) fn recording_end(end: RecordEnd) -> RecordingEnd {
    match end {
        RecordEnd::InitialSilence => RecordingEnd::InitialSilence,
        RecordEnd::MaxSilence => RecordingEnd::MaxSilence,
        RecordEnd::MaxDuration => RecordingEnd::MaxDuration,
        RecordEnd::StopTone(_) | RecordEnd::Stopped => RecordingEnd::Stopped,
    }
}

/// Encodes a finished bot recording into the outbox and builds its RecordingEnded.
pub(super) fn finish_recording(
    conversation: ConversationId,
    op: RecordOp,
    reason: RecordingEnd,
    outbox: &mut Outbox,
) -> MediaOutput {
    let handle = op.operation.to_string();
    let (reason, recording) = match op.recorder.to_wav() {
        Ok(wav) => {
            outbox.put(handle.clone(), wav);
            (reason, Some(handle))
        }
        Err(_) => (RecordingEnd::Failed, None),
    };
    MediaOutput::Engine {
        conversation,
        signal: MediaSignal::RecordingEnded {
            operation: op.operation,
            reason,
            recording,
        },
    }
}

fn deliver_endpoint_recording(
    conversation: ConversationId,
    leg: &mut Leg,
    pending: &mut Vec<MediaOutput>,
) {
    let Some(recorder) = leg.endpoint.as_mut().and_then(|e| e.record.take()) else {
        return;
    };
    let wav = recorder.to_wav().unwrap_or_default();
    pending.push(MediaOutput::Endpoint {
        conversation,
        leg: leg.id,
        event: EndpointEvent::Recording { wav },
    });
}
