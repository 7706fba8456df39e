//! Engine events seen by the runtime (offers to the doors or the built-in responder, leg states,
//! tones, operation completions) and media news from the media clock and the streaming service.

use super::views::wav_duration_ms;
use super::*;
use crate::external::ExternalEvent;
use ringside_engine::OperationId;

impl Runtime {
    /// Makes sure a leg the engine mentions has a record.
    pub(super) fn ensure_leg(&mut self, now: Instant, leg: LegId) {
        if self.legs.contains_key(&leg) {
            return;
        }
        let Some(info) = self.engine.leg(leg) else {
            return;
        };
        let kind = match info.endpoint {
            Endpoint::Bot(_) => "bot",
            Endpoint::SimulatedUser => "simulatedUser",
            Endpoint::ExternalPhone => "externalPhone",
        };
        let driver = match info.endpoint {
            Endpoint::Bot(_) => Driver::Bot {
                log: Log::new(now),
                responder: None,
            },
            // A simulated leg the runtime did not create itself (it placed no call and was not
            // rung): give it an idle endpoint so it can still be controlled and logged.
            _ => Driver::Sim(Box::new(SimEndpoint::dialing(
                now,
                String::new(),
                Timeline::default(),
            ))),
        };
        if let Some(call) = self.calls.get_mut(&info.conversation) {
            if !call.legs.contains(&leg) {
                call.legs.push(leg);
            }
        }
        self.legs.insert(
            leg,
            LegRecord {
                conversation: info.conversation,
                party: info.party,
                kind,
                direction: info.direction,
                state: info.state,
                created_unix_ms: unix_ms(),
                driver,
                recording: None,
                dialect: None,
            },
        );
    }
    /// A media command from a stream connection, or a stream event for the owning door.
    pub(super) fn stream_message(&mut self, now: Instant, message: crate::streaming::ToRuntime) {
        match message {
            crate::streaming::ToRuntime::Media(command) => self.media.send(command),
            crate::streaming::ToRuntime::Event(event) => {
                let env = DoorEnv {
                    now,
                    engine: &self.engine,
                    directory: &self.directory,
                    headers: &mut self.headers,
                };
                self.doors.stream_event(&env, &event);
                self.pump(now);
            }
        }
    }
    pub(super) fn ensure_call(&mut self, conversation: ConversationId) {
        if self.calls.contains_key(&conversation) {
            return;
        }
        let Some(info) = self.engine.conversation(conversation) else {
            return;
        };
        self.calls.insert(
            conversation,
            CallRecord {
                tenant: info.tenant,
                created_unix_ms: unix_ms(),
                created_at: crate::clock::now(),
                legs: Vec::new(),
                ended_unix_ms: None,
            },
        );
    }
    /// An engine event: the doors see it first (an offer is adopted by one of them, or left to
    /// the built-in responder), then the runtime's own records and responders.
    pub(super) fn event(&mut self, now: Instant, event: Event) {
        let mut env = DoorEnv {
            now,
            engine: &self.engine,
            directory: &self.directory,
            headers: &mut self.headers,
        };
        let (adoption, owner) = match &event {
            Event::CallOffered { .. } => match self.doors.offer_with_dialect(&mut env, &event) {
                Some((adoption, dialect)) => (Some(adoption), Some(dialect)),
                None => (None, None),
            },
            _ => (None, self.doors.event_owner(&env, &event)),
        };
        match &event {
            Event::CallOffered {
                conversation, leg, ..
            } => {
                self.offered(now, *conversation, *leg, adoption);
                self.owned_by(*leg, owner);
            }
            Event::LegStateChanged {
                conversation,
                leg,
                state,
                ..
            } => {
                self.ensure_call(*conversation);
                self.ensure_leg(now, *leg);
                self.owned_by(*leg, owner);
                self.leg_state(now, *leg, *state);
            }
            Event::ToneReceived {
                leg, from, tone, ..
            } => {
                if let Some(record) = self.legs.get_mut(leg) {
                    let from = from.to_string();
                    record.note(now, LogKind::ToneReceived { tone: *tone, from });
                }
            }
            Event::OperationCompleted {
                leg,
                operation,
                kind,
                recording,
                ..
            } => self.operation_completed(now, *leg, *operation, *kind, recording.is_some()),
            Event::LegMoved {
                conversation,
                from,
                leg,
            } => self.leg_moved(*conversation, *from, *leg),
            Event::TransferFailed { leg, cause, .. }
                if self
                    .legs
                    .get(leg)
                    .is_some_and(|r| matches!(r.driver, Driver::External { .. })) =>
            {
                self.tell_external(ExternalEvent::TransferFailed {
                    leg: *leg,
                    cause: *cause,
                });
            }
            _ => {}
        }
        let _ = self.events.send(event);
    }

    /// A leg moved into another conversation: the call records follow it.
    fn leg_moved(&mut self, into: ConversationId, from: ConversationId, leg: LegId) {
        self.ensure_call(into);
        let mut external = false;
        if let Some(record) = self.legs.get_mut(&leg) {
            record.conversation = into;
            external = matches!(record.driver, Driver::External { .. });
        }
        if external {
            self.tell_external(ExternalEvent::Moved {
                conversation: into,
                leg,
            });
        }
        if let Some(call) = self.calls.get_mut(&from) {
            call.legs.retain(|l| *l != leg);
        }
        if let Some(call) = self.calls.get_mut(&into) {
            if !call.legs.contains(&leg) {
                call.legs.push(leg);
            }
        }
    }

    /// An offered bot leg: a door delivers it (with a keep-alive requirement if it says so), or
    /// the built-in responder answers it.
    fn offered(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        leg: LegId,
        adoption: Option<crate::Adoption>,
    ) {
        if adoption.is_some_and(|a| a.keep_alive) {
            self.inputs
                .push_back(Input::Command(Command::RequireKeepAlive { leg }, Some(leg)));
        }
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        let Some(Driver::Bot { log, responder }) = self.legs.get_mut(&leg).map(|r| &mut r.driver)
        else {
            return;
        };
        if adoption.is_some() {
            // A front door delivers the call to the bot's webhook.
            log.push(
                now,
                LogKind::Responder {
                    what: "offeredToWebhook",
                },
            );
        } else {
            // No webhook behind the bot (or no door of its dialect): the built-in responder answers.
            log.push(now, LogKind::Responder { what: "offered" });
            *responder = Some(Responder::offered(now));
        }
    }

    /// An operation finished: a failed recording is discarded; the end of the built-in
    /// responder's announcement starts its echo.
    fn operation_completed(
        &mut self,
        now: Instant,
        leg: LegId,
        operation: OperationId,
        kind: OperationKind,
        recorded: bool,
    ) {
        if kind == OperationKind::RecordResponse && !recorded {
            // Cancelled or failed: nobody may download what was recorded.
            self.services.recordings.discard(&operation.to_string());
        }
        let Some(Driver::Bot {
            responder: Some(r),
            log,
        }) = self.legs.get_mut(&leg).map(|l| &mut l.driver)
        else {
            return;
        };
        if kind == OperationKind::PlayPrompt && r.operation_completed(operation).is_some() {
            log.push(
                now,
                LogKind::Responder {
                    what: "announcementFinished",
                },
            );
            self.start_echo(now, leg);
        }
    }

    pub(super) fn leg_state(&mut self, now: Instant, leg: LegId, state: LegState) {
        let mut announce = false;
        let Some(record) = self.legs.get_mut(&leg) else {
            return;
        };
        let before = record.state;
        if state != LegState::Terminating {
            record.state = state;
        }
        if state == LegState::Established
            && matches!(before, LegState::Incoming | LegState::Establishing)
            && matches!(record.driver, Driver::Bot { .. })
        {
            let dialect = record.dialect.unwrap_or(crate::metrics::NO_DIALECT);
            let direction = record.direction;
            if let Some(call) = self.calls.get(&record.conversation) {
                let seconds = now.saturating_duration_since(call.created_at).as_secs_f64();
                self.metrics.set_up(dialect, direction, seconds);
            }
        }
        let reason = state.end_reason().map(reason_name);
        record.note(
            now,
            LogKind::State {
                state: state.name(),
                reason,
            },
        );
        match &mut record.driver {
            Driver::Sim(sim) => {
                if state == LegState::Established {
                    sim.connected(now);
                } else if state.is_terminated() {
                    sim.ended(now);
                }
                self.dirty.insert(leg);
            }
            Driver::External { .. } => {
                let conversation = record.conversation;
                self.tell_external(ExternalEvent::State {
                    conversation,
                    leg,
                    state,
                    reason: state.end_reason(),
                });
            }
            Driver::Bot { responder, log } => {
                if let Some(r) = responder {
                    if state == LegState::Established {
                        announce = r.established().is_some();
                        if announce {
                            log.push(now, LogKind::Responder { what: "announcing" });
                        }
                    } else if state.is_terminated() {
                        r.ended();
                    }
                }
            }
        }
        if announce {
            self.inputs.push_back(Input::Command(
                Command::SubscribeToTone {
                    leg,
                    source: None,
                    client_context: responder::CONTEXT.to_string(),
                },
                Some(leg),
            ));
            self.inputs.push_back(Input::Command(
                Command::PlayPrompt {
                    leg,
                    prompts: vec![MediaRef::uri(responder::ANNOUNCEMENT_URI)],
                    audience: Vec::new(),
                    looped: false,
                    barge_in: false,
                    client_context: responder::CONTEXT.to_string(),
                },
                Some(leg),
            ));
        }
    }
    pub(super) fn start_echo(&mut self, now: Instant, leg: LegId) {
        let Some(record) = self.legs.get_mut(&leg) else {
            return;
        };
        record.note(now, LogKind::Responder { what: "echoing" });
        let conversation = record.conversation;
        self.media.send(MediaCommand::EndpointEcho {
            conversation,
            leg,
            enabled: true,
        });
    }
    pub(super) fn conversation_ended(&mut self, conversation: ConversationId) {
        self.headers.remove(&conversation);
        let Some(call) = self.calls.get_mut(&conversation) else {
            return;
        };
        if call.ended_unix_ms.is_some() {
            return;
        }
        call.ended_unix_ms = Some(unix_ms());
        self.history.push_back(conversation);
        while self.history.len() > HISTORY {
            let Some(old) = self.history.pop_front() else {
                break;
            };
            if let Some(call) = self.calls.remove(&old) {
                for leg in call.legs {
                    self.legs.remove(&leg);
                    self.dirty.remove(&leg);
                }
            }
        }
    }
    pub(super) fn media_news(&mut self, now: Instant, output: MediaOutput) {
        match output {
            MediaOutput::Engine {
                conversation,
                signal,
            } => {
                let env = DoorEnv {
                    now,
                    engine: &self.engine,
                    directory: &self.directory,
                    headers: &mut self.headers,
                };
                self.doors.media_signal(&env, conversation, &signal);
                if let MediaSignal::RecordingEnded {
                    recording: Some(handle),
                    operation,
                    ..
                } = &signal
                {
                    if let Some(wav) = self.media.take_recording(handle) {
                        let origin = crate::recordings::Origin {
                            call: Some(conversation.to_string()),
                            leg: self
                                .engine
                                .operation(*operation)
                                .map(|op| op.leg.to_string()),
                        };
                        // Written off the task; the engine hears of the end once it is stored.
                        self.store_recording(handle.clone(), wav, origin, signal);
                        return;
                    }
                }
                self.inputs.push_back(Input::Media(signal));
            }
            MediaOutput::Endpoint { leg, event, .. } => {
                // Keys pressed out of band (RFC 4733) go to the engine like a simulated
                // endpoint's; the rest of an external leg's media news is the gateway's.
                let external = self
                    .legs
                    .get(&leg)
                    .is_some_and(|r| matches!(r.driver, Driver::External { .. }));
                if external && !matches!(event, EndpointEvent::KeyPressed { .. }) {
                    self.tell_external(ExternalEvent::Media { leg, event });
                    self.pump(now);
                    return;
                }
                let Some(record) = self.legs.get_mut(&leg) else {
                    return;
                };
                let kind = match event {
                    EndpointEvent::ToneHeard { tone, .. } => Some(LogKind::ToneDetected { tone }),
                    EndpointEvent::AudioStarted { .. } => Some(LogKind::AudioStarted),
                    EndpointEvent::AudioStopped { .. } => Some(LogKind::AudioStopped),
                    EndpointEvent::PlayFinished => Some(LogKind::PlayFinished),
                    EndpointEvent::KeyPressed {
                        tone,
                        in_band: false,
                        ..
                    } => {
                        self.inputs
                            .push_back(Input::Endpoint(EndpointSignal::Digits {
                                leg,
                                tones: vec![tone],
                            }));
                        None
                    }
                    EndpointEvent::KeyPressed { .. } | EndpointEvent::PressFinished => None,
                    // RTP news reaches the gateway above; a leg that is not the gateway's has
                    // no RTP to report on.
                    EndpointEvent::RtpTimeout { .. }
                    | EndpointEvent::RtpBye
                    | EndpointEvent::RtpDetached { .. } => None,
                    EndpointEvent::Recording { wav } => {
                        let duration_ms = wav_duration_ms(&wav);
                        let bytes = wav.len();
                        record.recording = Some(Arc::new(wav));
                        Some(LogKind::RecordingSaved { duration_ms, bytes })
                    }
                };
                if let Some(kind) = kind {
                    record.note(now, kind);
                }
            }
            // Frames are routed on the shard (see `start`); a stop tells the connection.
            MediaOutput::StreamFrames(frames) => self.services.streams.route(frames),
            MediaOutput::StreamStopped {
                stream, counters, ..
            } => self.services.streams.plane_stopped(stream, counters),
        }
        self.pump(now);
    }
    /// Moves a bot's recordResponse WAV from the media clock into the recording store, where the
    /// door that renders the operation's completion finds its ticket.
    fn store_recording(
        &mut self,
        handle: String,
        wav: Vec<u8>,
        origin: crate::recordings::Origin,
        signal: MediaSignal,
    ) {
        let store = self.services.recordings.clone();
        let loopback = self.loopback.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = store.put_from(&handle, &wav, origin) {
                tracing::warn!(%error, "a recordResponse recording could not be stored");
            }
            let _ = loopback.send(Msg::Stored(signal));
        });
    }

    // ---- requests -------------------------------------------------------------------------
}
