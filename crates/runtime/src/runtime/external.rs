//! The runtime's side of [`crate::external`]: the attached gateway, the parties it rings instead
//! of simulated endpoints, its incoming calls, and its legs' signals and media commands.

use super::requests::{describe, engine_error};
use super::*;
use crate::external::{ExternalEvent, ExternalRequest, Reach};

/// The attached gateway.
pub(super) struct Attached {
    pub(super) reach: Arc<dyn Reach>,
    pub(super) events: mpsc::UnboundedSender<ExternalEvent>,
}

impl Runtime {
    /// Sends an event to the attached gateway (none attached, or gone: nothing to tell).
    pub(super) fn tell_external(&self, event: ExternalEvent) {
        if let Some(attached) = &self.external {
            let _ = attached.events.send(event);
        }
    }

    /// Whether the attached gateway rings `party` instead of a simulated endpoint. A party with
    /// a behaviour set is a simulated phone or user someone configured: it stays simulated.
    pub(super) fn reaches_externally(
        &self,
        conversation: ConversationId,
        party: &Party,
        caller: &Party,
    ) -> Option<TenantId> {
        let attached = self.external.as_ref()?;
        if self.behaviour_for(party).is_some() {
            return None;
        }
        let tenant = self.engine.conversation(conversation)?.tenant;
        attached
            .reach
            .reaches(tenant, party, caller)
            .then_some(tenant)
    }

    /// The engine rings a party the gateway reaches: the leg is the gateway's from now on.
    pub(super) fn ring_externally(&mut self, now: Instant, ring: ExternalRing) {
        self.ensure_call(ring.conversation);
        self.ensure_leg(now, ring.leg);
        if let Some(record) = self.legs.get_mut(&ring.leg) {
            record.driver = Driver::External {
                log: Log::new(now),
                facts: Vec::new(),
            };
            record.note(
                now,
                LogKind::Note {
                    message: format!("ringing through the gateway: {}", describe(&ring.party)),
                },
            );
        }
        self.tell_external(ExternalEvent::Ring {
            conversation: ring.conversation,
            leg: ring.leg,
            tenant: ring.tenant,
            party: ring.party,
            caller: ring.caller,
        });
    }

    /// A request from the gateway.
    pub(super) fn external_request(&mut self, now: Instant, request: ExternalRequest) {
        match request {
            ExternalRequest::Attach {
                reach,
                events,
                reply,
            } => {
                self.external = Some(Attached { reach, events });
                let _ = reply.send(Ok(()));
            }
            ExternalRequest::Dial {
                tenant,
                from,
                to,
                custom,
                reply,
            } => {
                let result = self.dial_in(now, tenant, from, to, custom);
                self.pump(now);
                let _ = reply.send(result);
            }
            ExternalRequest::Signal(signal) => {
                self.inputs.push_back(Input::Endpoint(signal));
                self.pump(now);
            }
            ExternalRequest::Media { leg, command } => {
                let external = self
                    .legs
                    .get(&leg)
                    .filter(|r| matches!(r.driver, Driver::External { .. }))
                    .map(|r| r.conversation);
                if let Some(conversation) = external {
                    self.media.send(command(conversation));
                }
            }
            ExternalRequest::Transfer { leg, target, reply } => {
                let result = self.transfer_external(now, leg, target);
                self.pump(now);
                let _ = reply.send(result);
            }
            ExternalRequest::Describe { leg, facts: new } => {
                if let Some(LegRecord {
                    driver: Driver::External { facts, .. },
                    ..
                }) = self.legs.get_mut(&leg)
                {
                    for (name, value) in new {
                        facts.retain(|(n, _)| *n != name);
                        facts.push((name, value));
                    }
                }
            }
        }
    }

    /// The gateway's leg transfers its call to `target` (the engine's blind transfer with the
    /// leg as transferor); only the gateway's own legs may.
    fn transfer_external(
        &mut self,
        now: Instant,
        leg: LegId,
        target: Party,
    ) -> Result<(), CallError> {
        let external = self
            .legs
            .get(&leg)
            .is_some_and(|r| matches!(r.driver, Driver::External { .. }));
        if !external {
            return Err(CallError::NotFound("no such gateway leg".into()));
        }
        let command = Command::Transfer {
            leg,
            target: ringside_engine::Target::party(target),
            transferee: None,
            scope: ringside_engine::TransferScope::Call,
            client_context: String::new(),
        };
        let result = self.directory.read(|d| {
            self.engine
                .handle_command(now, command, &Routing(d), &mut *self.ids)
        });
        result.map(|_| ()).map_err(engine_error)
    }

    /// An outside caller places a call; its leg is the gateway's.
    fn dial_in(
        &mut self,
        now: Instant,
        tenant: TenantId,
        from: Party,
        to: Party,
        custom: CallHeaders,
    ) -> Result<(ConversationId, LegId), CallError> {
        let result = self.directory.read(|d| {
            self.engine.handle_command(
                now,
                Command::PlaceCall {
                    tenant,
                    caller: from.clone(),
                    target: to.clone(),
                },
                &Routing(d),
                &mut *self.ids,
            )
        });
        let (conversation, leg) = match result {
            Ok(Ack::Call {
                conversation, leg, ..
            }) => (conversation, leg),
            Ok(_) => {
                return Err(CallError::Conflict(
                    "the engine did not place a call".into(),
                ))
            }
            Err(error) => return Err(engine_error(error)),
        };
        if !custom.is_empty() {
            self.headers.insert(conversation, custom);
        }
        self.ensure_call(conversation);
        self.ensure_leg(now, leg);
        if let Some(record) = self.legs.get_mut(&leg) {
            record.driver = Driver::External {
                log: Log::new(now),
                facts: Vec::new(),
            };
            record.note(
                now,
                LogKind::Note {
                    message: format!("calling {} through the gateway", describe(&to)),
                },
            );
        }
        Ok((conversation, leg))
    }
}

/// A ring the gateway takes.
pub(super) struct ExternalRing {
    pub(super) conversation: ConversationId,
    pub(super) leg: LegId,
    pub(super) tenant: TenantId,
    pub(super) party: Party,
    pub(super) caller: Party,
}
