//! Command handlers for call control: create/place/join, answer, reject, redirect, keepAlive,
//! hang-up and terminate, and the helpers every command handler shares (operations, offering
//! legs). Commands on the other participants (transfer, add, remove, mute, hold) are in
//! `participants.rs`.

use std::time::{Duration, Instant};

use ringside_model::{Party, TenantId};

use super::flow::{endpoint_for, Ring};
use super::timers::{later, TimerKind};
use super::{op_info, Conversation, Engine, OpDetail, Operation, Pending};
use crate::command::{Ack, OperationKind, Target};
use crate::config::limits;
use crate::directory::{Directory, Route};
use crate::error::EngineError;
use crate::ids::{ConversationId, IdSource, LegId, OperationId};
use crate::output::{Action, Event};
use crate::reason::{EndReason, OperationStatus, Outcome, RejectReason};
use crate::state::{BotIdentity, Direction, Endpoint, LegState};

/// What the legs offered in one batch share: their conversation and tenant, who calls them, who
/// waits for their answer and how they ring.
pub(super) struct Offers<'a> {
    pub(super) conversation: ConversationId,
    pub(super) tenant: TenantId,
    pub(super) caller: &'a Party,
    pub(super) pending: Pending,
    pub(super) ring: Ring,
}

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

    /// Opens an empty group conversation (no legs yet).
    pub(super) fn open_conversation(&mut self, ids: &mut dyn IdSource, tenant: TenantId) -> Ack {
        let conversation = ids.conversation_id();
        self.new_conversation(conversation, tenant, true);
        Ack::Opened { conversation }
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

    /// Registers an operation on a bot leg and starts it at once (status `running`).
    pub(super) fn running_operation(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        kind: OperationKind,
        client_context: String,
        detail: OpDetail,
    ) -> OperationId {
        let operation = self.new_operation(ids, leg, kind, client_context, detail);
        if let Some(op) = self.operations.get_mut(&operation) {
            op.status = OperationStatus::Running;
        }
        operation
    }

    /// The tenant a conversation belongs to.
    pub(super) fn tenant_of(&self, conversation: ConversationId) -> Result<TenantId, EngineError> {
        self.conversations
            .get(&conversation)
            .map(|c| c.tenant)
            .ok_or(EngineError::UnknownConversation(conversation))
    }

    /// Inserts an outgoing leg in `establishing` and reports its state.
    fn open_outgoing_leg(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
        party: &Party,
        endpoint: Endpoint,
    ) {
        self.insert_leg(
            conversation,
            leg,
            party.clone(),
            party.clone(),
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
    }

    /// Offers a leg to each party in turn (a fresh leg id, its route, the offer). Returns the legs
    /// created and, among them, those that could not be routed: the caller fails these with
    /// [`Engine::fail_unroutable`] once its own setup is done.
    pub(super) fn offer_each(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        offers: &Offers<'_>,
        parties: impl IntoIterator<Item = Party>,
    ) -> (Vec<LegId>, Vec<LegId>) {
        let mut created = Vec::new();
        let mut unroutable = Vec::new();
        for party in parties {
            let id = ids.leg_id();
            let route = directory.route(offers.tenant, &party);
            if self.offer_leg(
                now,
                offers.conversation,
                id,
                party,
                route,
                offers.caller.clone(),
                offers.pending,
                offers.ring,
            ) {
                unroutable.push(id);
            }
            created.push(id);
        }
        (created, unroutable)
    }

    /// Fails offered legs that had no route.
    pub(super) fn fail_unroutable(&mut self, now: Instant, unroutable: Vec<LegId>) {
        for id in unroutable {
            self.offer_failed(now, id, EndReason::Unreachable, false);
        }
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
        check_new_call(&targets, ring_timeout)?;
        let group = group || targets.len() > 1;
        let conversation = ids.conversation_id();
        let leg = ids.leg_id();
        self.new_conversation(conversation, tenant, group);
        self.open_outgoing_leg(conversation, leg, &source, Endpoint::Bot(bot));
        self.arm_keep_alive(now, leg);
        if group {
            self.establish(leg);
        }
        let offers = Offers {
            conversation,
            tenant,
            caller: &source,
            pending: Pending::Call { originator: leg },
            ring: ring_timeout.map_or(Ring::Default, Ring::After),
        };
        let parties = targets.into_iter().map(|target| target.party);
        let (created, unroutable) = self.offer_each(now, directory, ids, &offers, parties);
        self.fail_unroutable(now, unroutable);
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
        self.open_outgoing_leg(conversation, leg, &source, Endpoint::Bot(bot));
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
        self.open_outgoing_leg(conversation, leg, &party, endpoint);
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
        self.open_outgoing_leg(conversation, leg, &caller, endpoint);
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
        let tenant = self.tenant_of(conversation)?;
        self.set_timer(leg, TimerKind::Ring, None);
        self.set_state(leg, LegState::Redirecting);
        self.set_timer(leg, TimerKind::Redirect, later(now, timeout));
        let offers = Offers {
            conversation,
            tenant,
            caller: &caller,
            pending: Pending::Redirect { redirector: leg },
            ring: Ring::Parent,
        };
        let (created, unroutable) = self.offer_each(now, directory, ids, &offers, targets);
        if let Some(l) = self.legs.get_mut(&leg) {
            l.redirect_targets = created;
        }
        self.fail_unroutable(now, unroutable);
        Ok(Ack::Done)
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

    pub(super) fn set_audio_routing(
        &mut self,
        leg: LegId,
        out_of_main: Vec<LegId>,
        routes: Vec<(LegId, LegId)>,
    ) -> Result<Ack, EngineError> {
        let conversation = self.live_bot_leg(leg, "route audio on")?.conversation;
        for &other in out_of_main
            .iter()
            .chain(routes.iter().flat_map(|(s, r)| [s, r]))
        {
            if other != leg {
                self.participant_of(leg, other)?;
            }
        }
        self.act(Action::SetAudioRouting {
            conversation,
            out_of_main,
            routes,
        });
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

/// Checks a new call's targets and ring timeout before anything changes.
fn check_new_call(targets: &[Target], ring_timeout: Option<Duration>) -> Result<(), EngineError> {
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
    Ok(())
}
