//! Command handlers for call control: create/place, answer, reject, redirect, transfer,
//! invite/add, cancel add, remove, mute, hold, keepAlive, hang-up and terminate.

use std::time::{Duration, Instant};

use ringside_model::{Party, TenantId};

use super::flow::{endpoint_for, Ring};
use super::timers::{later, TimerKind};
use super::{op_info, Conversation, Engine, HoldMedia, OpDetail, Operation, Pending};
use crate::command::{Ack, MediaRef, OperationKind, Target};
use crate::config::limits;
use crate::directory::{Directory, Route};
use crate::error::EngineError;
use crate::ids::{ConversationId, IdSource, LegId, OperationId};
use crate::output::{Action, Event};
use crate::reason::{EndReason, OperationStatus, Outcome, RejectReason};
use crate::state::{BotIdentity, Direction, Endpoint, LegState};

impl Engine {
    pub(super) fn new_conversation(&mut self, id: ConversationId, tenant: TenantId, group: bool) {
        self.conversations.insert(
            id,
            Conversation {
                tenant,
                group,
                legs: Vec::new(),
                roster_sequence: 0,
                held: None,
                ending: false,
            },
        );
        self.act(Action::CreateMix { conversation: id });
    }

    /// Registers an operation on a bot leg (status `notStarted`).
    pub(super) fn new_operation(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        kind: OperationKind,
        client_context: String,
        detail: OpDetail,
    ) -> OperationId {
        let id = ids.operation_id();
        self.operations.insert(
            id,
            Operation {
                leg,
                kind,
                client_context,
                status: OperationStatus::NotStarted,
                detail,
            },
        );
        if let Some(l) = self.legs.get_mut(&leg) {
            l.operations.push(id);
        }
        id
    }

    /// The ack for an operation, as it stands now.
    pub(super) fn op_ack(&self, operation: OperationId, legs: Vec<LegId>) -> Ack {
        match self.operations.get(&operation) {
            Some(op) => Ack::Operation {
                operation: op_info(operation, op),
                legs,
            },
            None => Ack::Done,
        }
    }

    /// An operation that completes at once (mute, hold, subscribe, cancel, remove).
    pub(super) fn instant_operation(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        kind: OperationKind,
        client_context: String,
    ) -> Ack {
        let operation = self.new_operation(ids, leg, kind, client_context, OpDetail::None);
        self.complete_operation(operation, Outcome::Success, None);
        self.op_ack(operation, Vec::new())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn create_call(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        tenant: TenantId,
        bot: BotIdentity,
        source: Party,
        targets: Vec<Target>,
        group: bool,
        ring_timeout: Option<Duration>,
    ) -> Result<Ack, EngineError> {
        if targets.is_empty() {
            return Err(EngineError::InvalidArgument(
                "a call needs at least one target",
            ));
        }
        if targets.len() > limits::MAX_CALL_TARGETS {
            return Err(EngineError::InvalidArgument("a call has at most 5 targets"));
        }
        if targets.iter().any(|t| t.replaces.is_some()) {
            return Err(EngineError::InvalidArgument(
                "replacesCallId is not allowed on a new call",
            ));
        }
        if ring_timeout.is_some_and(|d| d.is_zero() || d > limits::MAX_RING_TIMEOUT) {
            return Err(EngineError::InvalidArgument(
                "ring timeout must be 1 to 600 seconds",
            ));
        }
        let group = group || targets.len() > 1;
        let conversation = ids.conversation_id();
        let leg = ids.leg_id();
        self.new_conversation(conversation, tenant, group);
        self.insert_leg(
            conversation,
            leg,
            source.clone(),
            source.clone(),
            Endpoint::Bot(bot),
            Direction::Outgoing,
            LegState::Establishing,
            None,
        );
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Establishing,
            transfer_failed: None,
        });
        self.arm_keep_alive(now, leg);
        if group {
            self.establish(leg);
        }
        let ring = ring_timeout.map_or(Ring::Default, Ring::After);
        let mut created = Vec::new();
        let mut unroutable = Vec::new();
        for target in targets {
            let id = ids.leg_id();
            let route = directory.route(tenant, &target.party);
            let pending = Pending::Call { originator: leg };
            if self.offer_leg(
                now,
                conversation,
                id,
                target.party,
                route,
                source.clone(),
                pending,
                ring,
            ) {
                unroutable.push(id);
            }
            created.push(id);
        }
        for id in unroutable {
            self.offer_failed(now, id, EndReason::Unreachable, false);
        }
        Ok(Ack::Call {
            conversation,
            leg,
            targets: created,
        })
    }

    pub(super) fn join(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        conversation: ConversationId,
        bot: BotIdentity,
        source: Party,
    ) -> Result<Ack, EngineError> {
        let c = self
            .conversations
            .get(&conversation)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        if c.ending {
            return Err(EngineError::UnknownConversation(conversation));
        }
        let leg = ids.leg_id();
        self.make_group(conversation);
        self.insert_leg(
            conversation,
            leg,
            source.clone(),
            source,
            Endpoint::Bot(bot),
            Direction::Outgoing,
            LegState::Establishing,
            None,
        );
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Establishing,
            transfer_failed: None,
        });
        self.arm_keep_alive(now, leg);
        self.establish(leg);
        Ok(Ack::Call {
            conversation,
            leg,
            targets: Vec::new(),
        })
    }

    pub(super) fn endpoint_join(
        &mut self,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        conversation: ConversationId,
        party: Party,
    ) -> Result<Ack, EngineError> {
        let c = self
            .conversations
            .get(&conversation)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        if c.ending {
            return Err(EngineError::UnknownConversation(conversation));
        }
        let route = directory.route(c.tenant, &party);
        if matches!(route, Route::Bot { .. }) {
            return Err(EngineError::InvalidArgument("bots join with Join"));
        }
        if matches!(route, Route::Unroutable) {
            return Err(EngineError::InvalidArgument(
                "the party is not a known user or a phone number",
            ));
        }
        let leg = ids.leg_id();
        self.make_group(conversation);
        let endpoint = endpoint_for(route, &party);
        self.insert_leg(
            conversation,
            leg,
            party.clone(),
            party,
            endpoint,
            Direction::Outgoing,
            LegState::Establishing,
            None,
        );
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Establishing,
            transfer_failed: None,
        });
        self.establish(leg);
        Ok(Ack::Call {
            conversation,
            leg,
            targets: Vec::new(),
        })
    }

    pub(super) fn place_call(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        tenant: TenantId,
        caller: Party,
        target: Party,
    ) -> Result<Ack, EngineError> {
        let caller_route = directory.route(tenant, &caller);
        if matches!(caller_route, Route::Bot { .. }) {
            return Err(EngineError::InvalidArgument(
                "bots place calls with CreateCall",
            ));
        }
        let conversation = ids.conversation_id();
        let leg = ids.leg_id();
        let target_leg = ids.leg_id();
        self.new_conversation(conversation, tenant, false);
        let endpoint = endpoint_for(caller_route, &caller);
        self.insert_leg(
            conversation,
            leg,
            caller.clone(),
            caller.clone(),
            endpoint,
            Direction::Outgoing,
            LegState::Establishing,
            None,
        );
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Establishing,
            transfer_failed: None,
        });
        let route = directory.route(tenant, &target);
        let pending = Pending::Call { originator: leg };
        if self.offer_leg(
            now,
            conversation,
            target_leg,
            target,
            route,
            caller,
            pending,
            Ring::Default,
        ) {
            self.offer_failed(now, target_leg, EndReason::Unreachable, false);
        }
        Ok(Ack::Call {
            conversation,
            leg,
            targets: vec![target_leg],
        })
    }

    pub(super) fn answer(&mut self, now: Instant, leg: LegId) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "answer", |s| s == LegState::Incoming)?;
        self.answered(now, leg);
        Ok(Ack::Done)
    }

    pub(super) fn reject(
        &mut self,
        now: Instant,
        leg: LegId,
        reason: RejectReason,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "reject", |s| s == LegState::Incoming)?;
        self.offer_failed(now, leg, EndReason::Rejected(reason), false);
        Ok(Ack::Done)
    }

    pub(super) fn redirect(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        leg: LegId,
        targets: Vec<Party>,
        timeout: Option<Duration>,
    ) -> Result<Ack, EngineError> {
        let l = self.bot_leg_in(leg, "redirect", |s| s == LegState::Incoming)?;
        let (conversation, caller) = (l.conversation, l.caller.clone());
        if targets.is_empty() {
            return Err(EngineError::InvalidArgument(
                "redirect needs at least one target",
            ));
        }
        if targets.len() > limits::MAX_REDIRECT_TARGETS {
            return Err(EngineError::InvalidArgument(
                "redirect has at most 25 targets",
            ));
        }
        let (min, max) = limits::REDIRECT_TIMEOUT;
        if timeout.is_some_and(|t| t < min || t > max) {
            return Err(EngineError::InvalidArgument(
                "redirect timeout must be 15 to 90 seconds",
            ));
        }
        let timeout = timeout.unwrap_or(if targets.len() == 1 {
            self.config.redirect_timeout_single
        } else {
            self.config.redirect_timeout_multiple
        });
        let tenant = self
            .conversations
            .get(&conversation)
            .map(|c| c.tenant)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        self.set_timer(leg, TimerKind::Ring, None);
        self.set_state(leg, LegState::Redirecting);
        self.set_timer(leg, TimerKind::Redirect, later(now, timeout));
        let mut created = Vec::new();
        let mut unroutable = Vec::new();
        for party in targets {
            let id = ids.leg_id();
            let route = directory.route(tenant, &party);
            let pending = Pending::Redirect { redirector: leg };
            if self.offer_leg(
                now,
                conversation,
                id,
                party,
                route,
                caller.clone(),
                pending,
                Ring::Parent,
            ) {
                unroutable.push(id);
            }
            created.push(id);
        }
        if let Some(l) = self.legs.get_mut(&leg) {
            l.redirect_targets = created;
        }
        for id in unroutable {
            self.offer_failed(now, id, EndReason::Unreachable, false);
        }
        Ok(Ack::Done)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn transfer(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        leg: LegId,
        target: Target,
        transferee: Option<LegId>,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        let l = self.bot_leg_in(leg, "transfer", |s| s == LegState::Established)?;
        let conversation = l.conversation;
        let others: Vec<LegId> = self
            .conversations
            .get(&conversation)
            .map(|c| {
                c.legs
                    .iter()
                    .filter(|other| **other != leg)
                    .filter(|other| self.legs.get(other).is_some_and(|o| o.state.is_connected()))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        let transferee = match transferee {
            Some(id) => {
                self.participant_of(leg, id)?;
                if id == leg || !others.contains(&id) {
                    return Err(EngineError::InvalidArgument(
                        "the transferee must be another connected participant",
                    ));
                }
                Some(id)
            }
            None => match others.as_slice() {
                [only] => Some(*only),
                [] => return Err(EngineError::InvalidArgument("there is nobody to transfer")),
                _ => {
                    return Err(EngineError::InvalidArgument(
                        "a transferee is required in a group call",
                    ))
                }
            },
        };
        let replacement = match target.replaces {
            Some(replaced) => Some((
                replaced,
                self.find_replacement(conversation, replaced, &target.party)?,
            )),
            None => None,
        };
        let tenant = self
            .conversations
            .get(&conversation)
            .map(|c| c.tenant)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        let operation = self.new_operation(
            ids,
            leg,
            OperationKind::Transfer,
            client_context,
            OpDetail::Transfer {
                target: None,
                transferee,
            },
        );
        if let Some(op) = self.operations.get_mut(&operation) {
            op.status = OperationStatus::Running;
        }
        self.set_state(leg, LegState::Transferring);
        if let Some(l) = self.legs.get_mut(&leg) {
            l.transfer = Some(operation);
        }
        match replacement {
            Some((replaced, moved)) => {
                if let Some(OpDetail::Transfer { target, .. }) =
                    self.operations.get_mut(&operation).map(|op| &mut op.detail)
                {
                    *target = Some(moved);
                }
                self.take_over(now, moved, conversation, replaced);
                self.transfer_accepted(now, leg, operation, moved);
                Ok(self.op_ack(operation, vec![moved]))
            }
            None => {
                let id = ids.leg_id();
                if let Some(OpDetail::Transfer { target: t, .. }) =
                    self.operations.get_mut(&operation).map(|op| &mut op.detail)
                {
                    *t = Some(id);
                }
                let caller = transferee
                    .and_then(|t| self.legs.get(&t))
                    .map(|t| t.party.clone())
                    .unwrap_or(target.party.clone());
                let route = directory.route(tenant, &target.party);
                let pending = Pending::Transfer {
                    transferor: leg,
                    operation,
                };
                if self.offer_leg(
                    now,
                    conversation,
                    id,
                    target.party,
                    route,
                    caller,
                    pending,
                    Ring::Default,
                ) {
                    self.offer_failed(now, id, EndReason::Unreachable, false);
                }
                Ok(self.op_ack(operation, vec![id]))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_participants(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        leg: LegId,
        targets: Vec<Target>,
        timeout: Option<Duration>,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        let l = self.bot_leg_in(leg, "add participants", |s| s == LegState::Established)?;
        let (conversation, caller) = (l.conversation, l.party.clone());
        if targets.is_empty() {
            return Err(EngineError::InvalidArgument(
                "invite needs at least one participant",
            ));
        }
        if targets.len() > limits::MAX_INVITEES {
            return Err(EngineError::InvalidArgument(
                "invite has at most 5 participants",
            ));
        }
        if timeout.is_some_and(|t| t.is_zero() || t > limits::MAX_INVITATION_TIMEOUT) {
            return Err(EngineError::InvalidArgument(
                "invitation timeout must be 1 to 180 seconds",
            ));
        }
        let replacement = match targets
            .first()
            .and_then(|t| t.replaces.map(|r| (r, t.party.clone())))
        {
            Some((replaced, party)) => {
                if targets.len() != 1 {
                    return Err(EngineError::InvalidArgument(
                        "an invite with replacesCallId has exactly one participant",
                    ));
                }
                Some((
                    replaced,
                    self.find_replacement(conversation, replaced, &party)?,
                ))
            }
            None if targets.iter().any(|t| t.replaces.is_some()) => {
                return Err(EngineError::InvalidArgument(
                    "an invite with replacesCallId has exactly one participant",
                ));
            }
            None => None,
        };
        let tenant = self
            .conversations
            .get(&conversation)
            .map(|c| c.tenant)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        self.make_group(conversation);
        let detail = OpDetail::Invite {
            remaining: targets.len(),
            joined: 0,
            last_failure: None,
        };
        let operation = self.new_operation(
            ids,
            leg,
            OperationKind::AddParticipants,
            client_context,
            detail,
        );
        if let Some(op) = self.operations.get_mut(&operation) {
            op.status = OperationStatus::Running;
        }
        if let Some((replaced, moved)) = replacement {
            self.take_over(now, moved, conversation, replaced);
            if let Some(party) = self.legs.get(&moved).map(|l| l.party.clone()) {
                self.emit(Event::ParticipantAdded {
                    conversation,
                    leg,
                    operation,
                    participant: moved,
                    party,
                });
            }
            self.complete_operation(operation, Outcome::Success, None);
            return Ok(self.op_ack(operation, vec![moved]));
        }
        let ring = Ring::After(timeout.unwrap_or(self.config.invitation_timeout));
        let mut created = Vec::new();
        let mut unroutable = Vec::new();
        for target in targets {
            let id = ids.leg_id();
            let route = directory.route(tenant, &target.party);
            let pending = Pending::Invite {
                inviter: leg,
                operation,
            };
            if self.offer_leg(
                now,
                conversation,
                id,
                target.party,
                route,
                caller.clone(),
                pending,
                ring,
            ) {
                unroutable.push(id);
            }
            created.push(id);
        }
        // The ack reflects the operation before unroutable invitees fail.
        let ack = self.op_ack(operation, created);
        for id in unroutable {
            self.offer_failed(now, id, EndReason::Unreachable, false);
        }
        Ok(ack)
    }

    pub(super) fn cancel_add(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        leg: LegId,
        operation: OperationId,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.live_bot_leg(leg, "cancel add participant")?;
        let op = self
            .operations
            .get(&operation)
            .ok_or(EngineError::UnknownOperation(operation))?;
        if op.kind != OperationKind::AddParticipants || op.leg != leg {
            return Err(EngineError::UnknownOperation(operation));
        }
        if op.status.is_final() {
            return Err(EngineError::Conflict(
                "the invitation has already completed",
            ));
        }
        let conversation = self
            .conversation_of(leg)
            .ok_or(EngineError::UnknownLeg(leg))?;
        let ringing: Vec<LegId> = self
            .conversation_legs(conversation)
            .filter(|l| l.state.is_offered())
            .filter(|l| matches!(l.pending, Some(Pending::Invite { operation: o, .. }) if o == operation))
            .map(|l| l.id)
            .collect();
        let ack = self.instant_operation(
            ids,
            leg,
            OperationKind::CancelAddParticipants,
            client_context,
        );
        for invitee in ringing {
            self.offer_failed(now, invitee, EndReason::Cancelled, true);
        }
        Ok(ack)
    }

    pub(super) fn remove_participant(
        &mut self,
        now: Instant,
        ids: &mut dyn IdSource,
        leg: LegId,
        participant: LegId,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "remove participants", LegState::is_connected)?;
        let p = self.participant_of(leg, participant)?;
        if participant == leg {
            return Err(EngineError::InvalidArgument(
                "use hang-up to leave the call",
            ));
        }
        let (conversation, party, offered) =
            (p.conversation, p.party.clone(), p.state.is_offered());
        let operation = self.new_operation(
            ids,
            leg,
            OperationKind::RemoveParticipant,
            client_context,
            OpDetail::None,
        );
        // Reported first: removing the last other party of a two-party call ends the bot's leg.
        self.emit(Event::ParticipantRemoved {
            conversation,
            leg,
            operation,
            participant,
            party,
        });
        self.complete_operation(operation, Outcome::Success, None);
        let ack = self.op_ack(operation, Vec::new());
        if offered {
            self.offer_failed(now, participant, EndReason::Cancelled, true);
        } else {
            self.end_leg(now, participant, EndReason::Removed, true);
        }
        Ok(ack)
    }

    pub(super) fn set_mute(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        participant: LegId,
        muted: bool,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        let action = if muted { "mute" } else { "unmute" };
        self.bot_leg_in(leg, action, LegState::is_connected)?;
        let p = self.participant_of(leg, participant)?;
        if !p.state.is_connected() {
            return Err(EngineError::InvalidState {
                leg: participant,
                state: p.state,
                action,
            });
        }
        let conversation = p.conversation;
        let changed = p.muted != muted;
        if let Some(p) = self.legs.get_mut(&participant) {
            p.muted = muted;
        }
        if changed {
            self.act(Action::SetMuted {
                conversation,
                leg: participant,
                muted,
            });
            self.mark_roster(conversation);
        }
        let kind = if muted {
            OperationKind::Mute
        } else {
            OperationKind::Unmute
        };
        Ok(self.instant_operation(ids, leg, kind, client_context))
    }

    pub(super) fn hold(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        participant: LegId,
        music: Option<MediaRef>,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "hold", LegState::is_connected)?;
        let p = self.participant_of(leg, participant)?;
        if p.state != LegState::Established {
            return Err(EngineError::InvalidState {
                leg: participant,
                state: p.state,
                action: "hold",
            });
        }
        let conversation = p.conversation;
        let held = self.conversations.get(&conversation).and_then(|c| c.held);
        if held.is_some() {
            return Err(EngineError::Conflict(
                "another participant is already on hold",
            ));
        }
        if let Some(c) = self.conversations.get_mut(&conversation) {
            c.held = Some(participant);
        }
        // Music the other side's own hold was playing gives way to the bot's.
        self.set_hold_media(conversation, participant, HoldMedia::None);
        self.set_state(participant, LegState::OnHold);
        self.act(Action::StartHoldMusic {
            conversation,
            leg: participant,
            music,
        });
        self.mark_roster(conversation);
        Ok(self.instant_operation(ids, leg, OperationKind::Hold, client_context))
    }

    pub(super) fn unhold(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        participant: LegId,
        client_context: String,
    ) -> Result<Ack, EngineError> {
        self.bot_leg_in(leg, "unhold", LegState::is_connected)?;
        let p = self.participant_of(leg, participant)?;
        let bot_held = self
            .conversations
            .get(&p.conversation)
            .is_some_and(|c| c.held == Some(participant));
        if p.state != LegState::OnHold || !bot_held {
            // A participant that put the call on hold itself is not the bot's to resume.
            return Err(EngineError::InvalidState {
                leg: participant,
                state: p.state,
                action: "unhold",
            });
        }
        let conversation = p.conversation;
        if let Some(c) = self.conversations.get_mut(&conversation) {
            c.held = None;
        }
        self.set_state(participant, LegState::Established);
        self.act(Action::StopHoldMusic {
            conversation,
            leg: participant,
        });
        self.mark_roster(conversation);
        self.refresh_endpoint_holds(conversation);
        Ok(self.instant_operation(ids, leg, OperationKind::Unhold, client_context))
    }

    pub(super) fn keep_alive(&mut self, now: Instant, leg: LegId) -> Result<Ack, EngineError> {
        let l = self.live_bot_leg(leg, "keep alive")?;
        if !l.endpoint.bot().is_some_and(|bot| bot.keep_alive) {
            return Err(EngineError::NotSupported(
                "this call leg is not kept alive by keep-alive requests",
            ));
        }
        self.arm_keep_alive(now, leg);
        Ok(Ack::Done)
    }

    pub(super) fn require_keep_alive(
        &mut self,
        now: Instant,
        leg: LegId,
    ) -> Result<Ack, EngineError> {
        self.live_bot_leg(leg, "require keep-alive on")?;
        if let Some(Endpoint::Bot(bot)) = self.legs.get_mut(&leg).map(|l| &mut l.endpoint) {
            bot.keep_alive = true;
        }
        self.arm_keep_alive(now, leg);
        Ok(Ack::Done)
    }

    pub(super) fn hang_up(&mut self, now: Instant, leg: LegId) -> Result<Ack, EngineError> {
        let l = self.live_bot_leg(leg, "hang up")?;
        let state = l.state;
        if state == LegState::Incoming {
            // Hanging up an unanswered offer is a reject.
            self.offer_failed(now, leg, EndReason::Rejected(RejectReason::None), false);
            return Ok(Ack::Done);
        }
        self.announce_terminating(leg);
        self.end_leg(now, leg, EndReason::HungUp, false);
        Ok(Ack::Done)
    }

    pub(super) fn terminate_all(&mut self, now: Instant, leg: LegId) -> Result<Ack, EngineError> {
        let l = self.live_bot_leg(leg, "terminate")?;
        let (conversation, state) = (l.conversation, l.state);
        if state.is_offered() {
            return Err(EngineError::InvalidState {
                leg,
                state,
                action: "terminate",
            });
        }
        self.announce_terminating(leg);
        if let Some(c) = self.conversations.get_mut(&conversation) {
            c.ending = true;
        }
        let others: Vec<LegId> = self
            .conversations
            .get(&conversation)
            .map(|c| c.legs.clone())
            .unwrap_or_default();
        for other in others.into_iter().filter(|other| *other != leg) {
            let reason = if self.state_of(other).is_some_and(LegState::is_offered) {
                EndReason::Cancelled
            } else {
                EndReason::EndedByOther
            };
            self.end_leg(now, other, reason, true);
        }
        self.end_leg(now, leg, EndReason::TerminatedByApp, false);
        Ok(Ack::Done)
    }
}
