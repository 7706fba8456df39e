//! Engine actions carried out (ringing simulated endpoints, media commands) and the simulated
//! endpoints' outputs turned into engine inputs and media commands.

use super::listen;
use super::*;

impl Runtime {
    pub(super) fn resolve(&self, media: &MediaRef) -> Option<Arc<ringside_audio::Prompt>> {
        if media.uri == responder::ANNOUNCEMENT_URI {
            return Some(responder::announcement());
        }
        self.media_store
            .resolve(media)
            .or_else(|| self.services.fetcher.cache().get(media))
    }
    /// Carries out an engine action: rings or disconnects a simulated endpoint, or hands media
    /// to the media clock (a prompt that cannot be resolved fails at once).
    pub(super) fn action(&mut self, now: Instant, action: Action) {
        match action {
            Action::RingEndpoint {
                conversation,
                leg,
                party,
                caller,
            } => {
                if let Some(tenant) = self.reaches_externally(conversation, &party, &caller) {
                    let ring = external::ExternalRing {
                        conversation,
                        leg,
                        tenant,
                        party,
                        caller,
                    };
                    self.ring_externally(now, ring);
                    return;
                }
                self.ring(now, conversation, leg, &party);
                // Nobody listening (no softphone registered) costs nothing more.
                let _ = self.rings.send(Rung {
                    conversation,
                    leg,
                    party,
                    caller,
                });
            }
            Action::DisconnectEndpoint {
                conversation,
                leg,
                reason,
            } if self
                .legs
                .get(&leg)
                .is_some_and(|r| matches!(r.driver, Driver::External { .. })) =>
            {
                self.tell_external(crate::external::ExternalEvent::State {
                    conversation,
                    leg,
                    state: LegState::Terminated(reason),
                    reason: Some(reason),
                });
            }
            Action::DisconnectEndpoint { leg, .. } => {
                if let Some(LegRecord {
                    driver: Driver::Sim(sim),
                    ..
                }) = self.legs.get_mut(&leg)
                {
                    sim.ended(now);
                    self.dirty.insert(leg);
                }
            }
            Action::StartRecording {
                leg,
                operation,
                options,
                ..
            } if options
                .prompt
                .as_ref()
                .is_some_and(|prompt| self.resolve(prompt).is_none()) =>
            {
                // A recordResponse whose prompt cannot be played fails (Graph: playPromptFailed)
                // rather than recording without it.
                self.note(
                    now,
                    leg,
                    "a recording's prompt is neither an upload nor a fetched prompt: the recording fails"
                        .to_string(),
                );
                self.inputs
                    .push_back(Input::Media(MediaSignal::RecordingEnded {
                        operation,
                        reason: ringside_engine::RecordingEnd::Failed,
                        recording: None,
                    }));
            }
            Action::StartListening {
                conversation,
                leg,
                target,
                operation,
                speech,
                initial_silence,
            } => {
                let spec = listen::ListenSpec {
                    conversation,
                    leg,
                    target,
                    operation,
                    speech,
                    initial_silence,
                };
                self.start_listening(now, spec);
            }
            Action::StopListening { operation, .. } => self.listeners.stop(operation),
            other => self.media_action(now, other),
        }
    }

    /// Starts a recognizer (the doors asked for speech only where the engine loaded); without
    /// one the recognize fails rather than waiting for silence.
    fn start_listening(&mut self, now: Instant, spec: listen::ListenSpec) {
        let Some(engine) = self.services.recognition.loaded() else {
            self.note(
                now,
                spec.leg,
                "no speech recognizer is installed".to_string(),
            );
            self.inputs.push_back(Input::Media(MediaSignal::Heard {
                operation: spec.operation,
                heard: ringside_engine::Heard::Failed,
            }));
            return;
        };
        let loopback = self.loopback.clone();
        self.listeners
            .start(engine, &self.services.streams, spec, loopback);
    }

    /// A simulated endpoint rings, with its behaviour (or the default answer delay).
    fn ring(&mut self, now: Instant, conversation: ConversationId, leg: LegId, party: &Party) {
        self.ensure_call(conversation);
        let default = match party {
            Party::Phone(number) if self.directory.read(|d| d.route_number(number).is_none()) => {
                PHONE_ANSWER_AFTER
            }
            Party::Phone(_) | Party::User { .. } | Party::AcsUser(_) => USER_ANSWER_AFTER,
            _ => PHONE_ANSWER_AFTER,
        };
        let behaviour = self.behaviour_for(party).unwrap_or_default();
        let sim = SimEndpoint::ringing(now, behaviour.answer_or(default), behaviour.timeline);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            record.driver = Driver::Sim(Box::new(sim));
        }
        self.dirty.insert(leg);
    }

    /// Any other action: a media command for the clock, or a failure signal for the engine when
    /// a prompt cannot be resolved.
    fn media_action(&mut self, now: Instant, action: Action) {
        let destroyed = match &action {
            Action::DestroyMix { conversation } => Some(*conversation),
            _ => None,
        };
        match MediaCommand::from_action(&action, |media| self.resolve(media)) {
            FromAction::Command(command) => self.media.send(command),
            FromAction::Signal { signal, .. } => {
                if let Action::StartPrompt { leg, .. } = &action {
                    self.note(
                        now,
                        *leg,
                        "a prompt names media that is neither an upload nor a fetched prompt: the \
                         prompt fails"
                            .to_string(),
                    );
                }
                self.inputs.push_back(Input::Media(signal));
            }
            FromAction::NotMedia => {}
        }
        if let Some(conversation) = destroyed {
            self.conversation_ended(conversation);
        }
    }
    pub(super) fn behaviour_for(&self, party: &Party) -> Option<Behaviour> {
        if let Some(behaviour) = self.behaviours.get(party) {
            return Some(behaviour);
        }
        // A number assigned to a user answers like that user.
        if let Party::Phone(number) = party {
            let owner = self.directory.read(|d| match d.route_number(number) {
                Some((tenant, ringside_directory::Account::User(u))) => {
                    Some(Party::User { tenant, user: u.id })
                }
                _ => None,
            });
            return owner.and_then(|p| self.behaviours.get(&p));
        }
        None
    }
    /// Carries out a leg driver's outputs.
    pub(super) fn drive(&mut self, now: Instant, leg: LegId) {
        loop {
            let Some(record) = self.legs.get_mut(&leg) else {
                return;
            };
            let conversation = record.conversation;
            let Driver::Sim(sim) = &mut record.driver else {
                return;
            };
            let Some(output) = sim.poll_output() else {
                return;
            };
            match output {
                SimOutput::Answer => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Answered { leg })),
                SimOutput::Refuse(refusal) => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Refused { leg, refusal })),
                SimOutput::HangUp => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::HungUp { leg })),
                SimOutput::Press { tones, in_band } => {
                    self.media.send(MediaCommand::EndpointPress {
                        conversation,
                        leg,
                        tones,
                        in_band,
                    })
                }
                SimOutput::Play { media } => match self.media_store.prompt(&media) {
                    Some(Ok(prompt)) => self.media.send(MediaCommand::EndpointPlay {
                        conversation,
                        leg,
                        prompt,
                    }),
                    Some(Err(error)) => {
                        self.note(now, leg, format!("media {media} cannot be played: {error}"))
                    }
                    None => self.note(now, leg, format!("media {media} does not exist")),
                },
                SimOutput::Tone { duration } => self.media.send(MediaCommand::EndpointTestTone {
                    conversation,
                    leg,
                    duration,
                }),
                SimOutput::StopAudio => self
                    .media
                    .send(MediaCommand::EndpointSilence { conversation, leg }),
                SimOutput::Hold(held) => self
                    .inputs
                    .push_back(Input::Endpoint(EndpointSignal::Hold { leg, held })),
                SimOutput::Listen => self.media.send(MediaCommand::EndpointDetect {
                    conversation,
                    leg,
                    enabled: true,
                }),
                SimOutput::StartRecording => self.media.send(MediaCommand::EndpointRecord {
                    conversation,
                    leg,
                    enabled: true,
                }),
                SimOutput::StopRecording => self.media.send(MediaCommand::EndpointRecord {
                    conversation,
                    leg,
                    enabled: false,
                }),
            }
        }
    }

    // ---- media news -----------------------------------------------------------------------
}
