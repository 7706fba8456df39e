//! Requests to the runtime task: simulated calls and meeting joins, call listings, controls of
//! simulated legs (answering and declining a ringing one included), media statistics, and door code ([`Request::Exec`]).

use super::views::log_view;
use super::*;

impl Runtime {
    pub(super) fn request(&mut self, now: Instant, request: Request) {
        match request {
            Request::Dial {
                from,
                to,
                tenant,
                timeline,
                custom,
                reply,
            } => {
                let _ = reply.send(self.dial_view(now, from, to, tenant, timeline, custom));
            }
            Request::JoinMeeting {
                meeting,
                tenant,
                who,
                timeline,
                reply,
            } => {
                let _ = reply.send(self.join_view(now, meeting, tenant, who, timeline));
            }
            Request::List { reply } => {
                let _ = reply.send(Ok(self.live_calls_view()));
            }
            Request::Count { reply } => {
                let live = self
                    .calls
                    .values()
                    .filter(|call| call.ended_unix_ms.is_none())
                    .count();
                let _ = reply.send(Ok(live as u64));
            }
            Request::Get {
                conversation,
                reply,
            } => {
                let _ = reply.send(self.call_view(conversation).ok_or_else(|| {
                    CallError::NotFound(format!("No call has the id {conversation}."))
                }));
            }
            Request::Press {
                conversation,
                leg,
                tones,
                in_band,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| {
                    sim.press_now(now, tones, in_band)
                });
                let _ = reply.send(result);
            }
            Request::Play {
                conversation,
                leg,
                media,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| sim.play_now(now, media));
                let _ = reply.send(result);
            }
            Request::HangUp {
                conversation,
                leg,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| sim.hang_up_now(now));
                let _ = reply.send(result);
            }
            Request::Hold {
                conversation,
                leg,
                duration,
                reply,
            } => {
                let result =
                    self.control(now, conversation, leg, |sim| sim.hold_now(now, duration));
                let _ = reply.send(result);
            }
            Request::Resume {
                conversation,
                leg,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| sim.resume_now(now));
                let _ = reply.send(result);
            }
            Request::Answer {
                conversation,
                leg,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| sim.answer_now(now));
                let _ = reply.send(result);
            }
            Request::Decline {
                conversation,
                leg,
                busy,
                reply,
            } => {
                let result = self.control(now, conversation, leg, |sim| sim.decline_now(now, busy));
                let _ = reply.send(result);
            }
            Request::Recording {
                conversation,
                leg,
                reply,
            } => {
                let _ = reply.send(self.recording_of(conversation, leg));
            }
            Request::Log {
                conversation,
                leg,
                reply,
            } => {
                let result = self
                    .leg_of(conversation, leg)
                    .map(|record| log_view(leg, record));
                let _ = reply.send(result);
            }
            Request::Census { reply } => {
                let _ = reply.send(Ok(self.census()));
            }
            Request::MediaStats { reset, reply } => {
                let stats = self.media.stats();
                if reset {
                    self.media.reset_stats();
                }
                let _ = reply.send(Ok(stats));
            }
            Request::Exec(job) => self.run_door_job(now, job),
            Request::External(request) => self.external_request(now, request),
        }
    }

    /// A simulated endpoint dials; the call's view with the caller's and the target's legs.
    fn dial_view(
        &mut self,
        now: Instant,
        from: NamedEndpoint,
        to: NamedEndpoint,
        tenant: TenantId,
        timeline: Timeline,
        custom: CallHeaders,
    ) -> Result<Value, CallError> {
        let result = self.dial(now, from, to, tenant, timeline);
        if let Ok((conversation, ..)) = &result {
            if !custom.is_empty() {
                self.headers.insert(*conversation, custom);
            }
        }
        self.pump(now);
        let (conversation, leg, target) = result?;
        Ok(self.call_view_with(
            conversation,
            [
                ("callId", conversation.to_string()),
                ("legId", leg.to_string()),
                ("targetLegId", target.to_string()),
            ],
        ))
    }

    /// A simulated endpoint joins a meeting; the call's view with its leg.
    fn join_view(
        &mut self,
        now: Instant,
        meeting: String,
        tenant: TenantId,
        who: NamedEndpoint,
        timeline: Timeline,
    ) -> Result<Value, CallError> {
        let result = self.join_meeting(now, &meeting, tenant, who, timeline);
        self.pump(now);
        let (conversation, leg) = result?;
        Ok(self.call_view_with(
            conversation,
            [
                ("callId", conversation.to_string()),
                ("legId", leg.to_string()),
                ("meetingId", meeting),
            ],
        ))
    }

    /// Applies a control to a simulated leg and runs what it causes.
    fn control(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        leg: LegId,
        act: impl FnOnce(&mut SimEndpoint) -> Result<(), SimRefusal>,
    ) -> Result<(), CallError> {
        let result = self
            .sim_of(conversation, leg)
            .and_then(|sim| act(sim).map_err(refusal));
        self.dirty.insert(leg);
        self.pump(now);
        result
    }

    /// A leg's recording, once it has ended.
    fn recording_of(
        &self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<Arc<Vec<u8>>, CallError> {
        self.leg_of(conversation, leg).and_then(|record| {
            record.recording.clone().ok_or_else(|| {
                CallError::NotFound(format!(
                    "Leg {leg} has no recording (yet): it is available once the leg has \
                     ended, for legs that record."
                ))
            })
        })
    }

    /// Runs door code with the runtime's state, then everything its commands caused.
    fn run_door_job(&mut self, now: Instant, job: DoorJob) {
        let shared = Shared {
            now,
            engine: &mut self.engine,
            directory: &self.directory,
            named: &mut self.named,
            headers: &mut self.headers,
            ids: &mut *self.ids,
        };
        let doors = &mut self.doors;
        // A bug in door code must not take every call down with the runtime task: the request
        // fails (its reply is dropped: 503) and the runtime goes on.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(shared, doors)));
        if ran.is_err() {
            tracing::error!("a door handler panicked inside the call runtime");
        }
        self.pump(now);
    }

    pub(super) fn dial(
        &mut self,
        now: Instant,
        from: NamedEndpoint,
        to: NamedEndpoint,
        tenant: TenantId,
        timeline: Timeline,
    ) -> Result<(ConversationId, LegId, LegId), CallError> {
        let shown_to = describe(&to.party);
        let result = self.directory.read(|d| {
            self.engine.handle_command(
                now,
                Command::PlaceCall {
                    tenant,
                    caller: from.party.clone(),
                    target: to.party.clone(),
                },
                &Routing(d),
                &mut *self.ids,
            )
        });
        let (conversation, leg, target) = match result {
            Ok(Ack::Call {
                conversation,
                leg,
                targets,
            }) => (conversation, leg, targets.first().copied()),
            Ok(_) => {
                return Err(CallError::Conflict(
                    "the engine did not place a call".into(),
                ))
            }
            Err(error) => return Err(engine_error(error)),
        };
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            // Its first state change is still queued in the engine: it lands in this log.
            record.driver = Driver::Sim(Box::new(SimEndpoint::dialing(now, shown_to, timeline)));
        }
        self.dirty.insert(leg);
        let target = target.ok_or_else(|| CallError::Conflict("no target leg".into()))?;
        Ok((conversation, leg, target))
    }
    /// A simulated endpoint joins a meeting's conversation (opened if the meeting has none live).
    pub(super) fn join_meeting(
        &mut self,
        now: Instant,
        meeting: &str,
        tenant: TenantId,
        who: NamedEndpoint,
        timeline: Timeline,
    ) -> Result<(ConversationId, LegId), CallError> {
        let live = self
            .named
            .get(meeting)
            .copied()
            .filter(|c| self.engine.conversation(*c).is_some());
        let conversation = match live {
            Some(conversation) => conversation,
            None => {
                let opened = self.directory.read(|d| {
                    self.engine.handle_command(
                        now,
                        Command::OpenConversation { tenant },
                        &Routing(d),
                        &mut *self.ids,
                    )
                });
                let Ok(Ack::Opened { conversation }) = opened else {
                    return Err(CallError::Conflict(
                        "the meeting could not be opened".into(),
                    ));
                };
                self.named.insert(meeting.to_string(), conversation);
                conversation
            }
        };
        let result = self.directory.read(|d| {
            self.engine.handle_command(
                now,
                Command::EndpointJoin {
                    conversation,
                    party: who.party.clone(),
                },
                &Routing(d),
                &mut *self.ids,
            )
        });
        let leg = match result {
            Ok(Ack::Call { leg, .. }) => leg,
            Ok(_) => return Err(CallError::Conflict("the engine did not join".into())),
            Err(error) => return Err(engine_error(error)),
        };
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            record.driver = Driver::Sim(Box::new(SimEndpoint::dialing(
                now,
                format!("meeting {meeting}"),
                timeline,
            )));
        }
        self.dirty.insert(leg);
        Ok((conversation, leg))
    }
    pub(super) fn leg_of(
        &self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<&LegRecord, CallError> {
        match self.legs.get(&leg) {
            Some(record) if record.conversation == conversation => Ok(record),
            _ => Err(CallError::NotFound(format!(
                "Call {conversation} has no leg {leg}."
            ))),
        }
    }
    pub(super) fn sim_of(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Result<&mut SimEndpoint, CallError> {
        match self.legs.get_mut(&leg) {
            Some(record) if record.conversation == conversation => match &mut record.driver {
                Driver::Sim(sim) => Ok(sim),
                Driver::Bot { .. } => Err(CallError::BadRequest(format!(
                    "Leg {leg} is a bot's leg; only simulated users and phones can be controlled here."
                ))),
                Driver::External { .. } => Err(CallError::BadRequest(format!(
                    "Leg {leg} is a phone outside Ringside (SIP); only simulated users and phones \
                     can be controlled here."
                ))),
            },
            _ => Err(CallError::NotFound(format!(
                "Call {conversation} has no leg {leg}."
            ))),
        }
    }
}

pub(super) fn refusal(refusal: SimRefusal) -> CallError {
    match refusal {
        SimRefusal::NotConnected => {
            CallError::Conflict("The leg is not connected yet.".to_string())
        }
        SimRefusal::Ended => CallError::Conflict("The leg has ended.".to_string()),
        SimRefusal::NotRinging => CallError::Conflict("The leg is not ringing.".to_string()),
    }
}

pub(super) fn engine_error(error: EngineError) -> CallError {
    let message = format!("{error}.");
    match error {
        EngineError::UnknownConversation(_)
        | EngineError::UnknownLeg(_)
        | EngineError::UnknownOperation(_)
        | EngineError::LegTerminated(_) => CallError::NotFound(message),
        EngineError::InvalidState { .. } | EngineError::Conflict(_) => CallError::Conflict(message),
        _ => CallError::BadRequest(message),
    }
}

/// How a party is shown in a dialling log line.
pub(super) fn describe(party: &Party) -> String {
    match party {
        Party::Phone(number) => number.as_str().to_string(),
        Party::User { user, .. } => user.to_string(),
        Party::Application { app } => app.to_string(),
        Party::ApplicationInstance { instance, .. } => instance.to_string(),
        Party::AcsUser(id) => id.clone(),
    }
}
