//! Call flow shared by every command and signal: creating and routing legs, answer and failure
//! of offered legs (and who is waiting for them), ending legs, and what a conversation does when
//! participants leave.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ringside_model::Party;

use super::timers::{later, LegTimers, TimerKind};
use super::{Engine, HoldMedia, Leg, OpDetail, Pending};
use crate::directory::Route;
use crate::error::EngineError;
use crate::ids::{ConversationId, LegId, OperationId};
use crate::output::{Action, Event, OfferKind};
use crate::reason::{EndReason, Outcome};
use crate::state::{BotIdentity, Direction, Endpoint, LegState};

/// How an offered leg's ring timer is armed.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ring {
    /// The configured ring timeout (humans) or answer deadline (bots).
    Default,
    /// This long (humans); bots still get their answer deadline.
    After(Duration),
    /// No ring timer: a parent timer (redirect) decides.
    Parent,
}

/// The endpoint a route leads to.
pub(super) fn endpoint_for(route: Route, party: &Party) -> Endpoint {
    match route {
        Route::Bot { app, instance } => Endpoint::Bot(BotIdentity {
            app,
            instance,
            keep_alive: false,
        }),
        Route::SimulatedUser => Endpoint::SimulatedUser,
        Route::ExternalPhone | Route::Unroutable => match party {
            Party::Phone(_) => Endpoint::ExternalPhone,
            _ => Endpoint::SimulatedUser,
        },
    }
}

impl Engine {
    /// Inserts a leg into a conversation (no events).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_leg(
        &mut self,
        conversation: ConversationId,
        id: LegId,
        party: Party,
        caller: Party,
        endpoint: Endpoint,
        direction: Direction,
        state: LegState,
        pending: Option<Pending>,
    ) {
        self.legs.insert(
            id,
            Leg {
                id,
                conversation,
                party,
                caller,
                endpoint,
                direction,
                state,
                muted: false,
                media_connected: false,
                pending,
                timers: LegTimers::default(),
                redirect_targets: Vec::new(),
                transfer: None,
                media_running: None,
                media_queue: VecDeque::new(),
                tone_subscription: None,
                tone_sequence: 0,
                listening: false,
                operations: Vec::new(),
                holding: false,
                hold_media: HoldMedia::None,
            },
        );
        if let Some(c) = self.conversations.get_mut(&conversation) {
            c.legs.push(id);
        }
    }

    /// Arms the keepAlive timer of a bot leg that must be kept alive.
    pub(super) fn arm_keep_alive(&mut self, now: Instant, leg: LegId) {
        let kept = self
            .legs
            .get(&leg)
            .and_then(|l| l.endpoint.bot())
            .is_some_and(|bot| bot.keep_alive);
        if kept {
            let at = later(now, self.config.keep_alive_interval);
            self.set_timer(leg, TimerKind::KeepAlive, at);
        }
    }

    /// Creates an offered leg for a routed party: rings a simulated endpoint or offers the call
    /// to a bot. Returns true when the route is `Unroutable`; the caller must then fail the leg
    /// with [`EndReason::Unreachable`] once its own setup is done.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn offer_leg(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        id: LegId,
        party: Party,
        route: Route,
        caller: Party,
        pending: Pending,
        ring: Ring,
    ) -> bool {
        let endpoint = endpoint_for(route, &party);
        self.insert_leg(
            conversation,
            id,
            party.clone(),
            caller.clone(),
            endpoint,
            Direction::Incoming,
            LegState::Incoming,
            Some(pending),
        );
        if route == Route::Unroutable {
            return true;
        }
        match endpoint {
            Endpoint::Bot(bot) => {
                let deadline = later(now, self.config.bot_answer_deadline);
                self.set_timer(id, TimerKind::Ring, deadline);
                let deadline = deadline.unwrap_or(now);
                self.arm_keep_alive(now, id);
                let tenant = self.conversations.get(&conversation).map(|c| c.tenant);
                let kind = match pending {
                    Pending::Call { .. } => OfferKind::Call,
                    Pending::Invite { .. } => OfferKind::Invite,
                    Pending::Transfer { .. } => OfferKind::Transfer,
                    Pending::Redirect { .. } => OfferKind::Redirect,
                };
                if let Some(tenant) = tenant {
                    self.emit(Event::CallOffered {
                        conversation,
                        leg: id,
                        tenant,
                        caller,
                        callee: party,
                        bot,
                        kind,
                        deadline,
                    });
                }
            }
            Endpoint::SimulatedUser | Endpoint::ExternalPhone => {
                let after = match ring {
                    Ring::Default => Some(self.config.ring_timeout),
                    Ring::After(duration) => Some(duration),
                    Ring::Parent => None,
                };
                if let Some(after) = after {
                    self.set_timer(id, TimerKind::Ring, later(now, after));
                }
                self.act(Action::RingEndpoint {
                    conversation,
                    leg: id,
                    party,
                    caller,
                });
            }
        }
        false
    }

    /// Connects a leg: `established`, media on, roster changed.
    pub(super) fn establish(&mut self, leg: LegId) {
        self.set_state(leg, LegState::Established);
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let conversation = l.conversation;
        if !l.media_connected {
            l.media_connected = true;
            self.act(Action::ConnectMedia { conversation, leg });
        }
        self.mark_roster(conversation);
        self.refresh_endpoint_holds(conversation);
    }

    /// An offered leg was answered (bot command or endpoint signal).
    pub(super) fn answered(&mut self, now: Instant, leg: LegId) {
        self.set_timer(leg, TimerKind::Ring, None);
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let pending = l.pending.take();
        if l.is_bot() {
            self.set_state(leg, LegState::Establishing);
        }
        self.establish(leg);
        self.resolve_answer(now, leg, pending);
    }

    /// Tells whoever waited for `leg` that it answered.
    fn resolve_answer(&mut self, now: Instant, leg: LegId, pending: Option<Pending>) {
        match pending {
            Some(Pending::Call { originator })
                if self.state_of(originator) == Some(LegState::Establishing) =>
            {
                self.establish(originator);
            }
            Some(Pending::Invite { inviter, operation }) if self.op_is_open(operation) => {
                if let (Some(conversation), Some(party)) = (
                    self.conversation_of(leg),
                    self.legs.get(&leg).map(|l| l.party.clone()),
                ) {
                    self.emit(Event::ParticipantAdded {
                        conversation,
                        leg: inviter,
                        operation,
                        participant: leg,
                        party,
                    });
                }
                self.invite_resolved(operation, None);
            }
            Some(Pending::Transfer {
                transferor,
                operation,
            }) => {
                self.transfer_accepted(now, transferor, operation, leg);
            }
            Some(Pending::Redirect { redirector }) => {
                let others = self
                    .legs
                    .get_mut(&redirector)
                    .map(|r| std::mem::take(&mut r.redirect_targets))
                    .unwrap_or_default();
                for other in others.into_iter().filter(|other| *other != leg) {
                    self.cancel_offer(now, other, EndReason::AnsweredElsewhere);
                }
                let inherited = self
                    .legs
                    .get_mut(&redirector)
                    .and_then(|r| r.pending.take());
                self.terminate(now, redirector, EndReason::Redirected, false);
                self.resolve_answer(now, leg, inherited);
            }
            None | Some(Pending::Call { .. }) | Some(Pending::Invite { .. }) => {}
        }
    }

    /// An offered leg failed (refused, timed out, rejected, unroutable, cancelled): end it and
    /// tell whoever waited for it.
    pub(super) fn offer_failed(
        &mut self,
        now: Instant,
        leg: LegId,
        reason: EndReason,
        notify: bool,
    ) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        if l.state.is_terminated() {
            return;
        }
        let pending = l.pending.take();
        let conversation = l.conversation;
        self.terminate(now, leg, reason, notify);
        let seen = reason.as_seen_by_caller();
        match pending {
            None => {}
            Some(Pending::Call { originator }) => {
                let ending = self
                    .conversations
                    .get(&conversation)
                    .is_none_or(|c| c.ending);
                let Some(state) = self.state_of(originator).filter(|_| !ending) else {
                    return;
                };
                let waiting_for_others = self.conversation_legs(conversation).any(|other| {
                    other.state.is_offered()
                        && matches!(other.pending, Some(Pending::Call { originator: o }) if o == originator)
                });
                if state == LegState::Establishing && !waiting_for_others {
                    self.end_leg(now, originator, seen, true);
                } else if state.is_connected() && !self.others_alive(conversation, originator) {
                    self.end_leg(now, originator, EndReason::NobodyJoined, true);
                }
            }
            Some(Pending::Invite { inviter, operation }) if self.op_is_open(operation) => {
                let party = self.legs.get(&leg).map(|l| l.party.clone());
                if let Some(party) = party {
                    self.emit(Event::ParticipantAddFailed {
                        conversation,
                        leg: inviter,
                        operation,
                        participant: leg,
                        party,
                        cause: seen,
                    });
                }
                self.invite_resolved(operation, Some(seen));
            }
            Some(Pending::Invite { .. }) => {}
            Some(Pending::Transfer {
                transferor,
                operation,
            }) => {
                self.transfer_failed(transferor, operation, seen);
            }
            Some(Pending::Redirect { redirector }) => {
                let Some(r) = self.legs.get_mut(&redirector) else {
                    return;
                };
                r.redirect_targets.retain(|target| *target != leg);
                if r.redirect_targets.is_empty() && r.state == LegState::Redirecting {
                    self.set_timer(redirector, TimerKind::Redirect, None);
                    self.offer_failed(now, redirector, seen, false);
                }
            }
        }
        self.settle_group_after_offer(now, conversation);
    }

    /// A group call whose last pending offer failed while one participant waited alone ends.
    fn settle_group_after_offer(&mut self, now: Instant, conversation: ConversationId) {
        let Some(c) = self.conversations.get(&conversation) else {
            return;
        };
        if !c.group || c.ending {
            return;
        }
        let mut connected = Vec::new();
        let mut offered = false;
        for l in self.conversation_legs(conversation) {
            if l.state.is_connected() {
                connected.push(l.id);
            }
            offered |= l.state.is_offered() || l.state == LegState::Establishing;
        }
        if let ([last], false) = (connected.as_slice(), offered) {
            self.end_leg(now, *last, EndReason::AllOthersLeft, true);
        }
    }

    /// True when a leg other than `except` in the conversation is not yet terminated.
    fn others_alive(&self, conversation: ConversationId, except: LegId) -> bool {
        self.conversations.get(&conversation).is_some_and(|c| {
            c.legs
                .iter()
                .filter(|leg| **leg != except)
                .any(|leg| self.legs.get(leg).is_some_and(|l| !l.state.is_terminated()))
        })
    }

    /// Withdraws an offer without telling the one who made it (the parent decided).
    pub(super) fn cancel_offer(&mut self, now: Instant, leg: LegId, reason: EndReason) {
        if let Some(l) = self.legs.get_mut(&leg) {
            l.pending = None;
        }
        self.offer_failed(now, leg, reason, true);
    }

    /// Ends a leg in any state, then lets its conversation react.
    pub(super) fn end_leg(&mut self, now: Instant, leg: LegId, reason: EndReason, notify: bool) {
        let Some(l) = self.legs.get(&leg) else { return };
        let state = l.state;
        let conversation = l.conversation;
        if state.is_terminated() {
            return;
        }
        if state.is_offered() {
            self.offer_failed(now, leg, reason, notify);
            return;
        }
        // Targets this leg was calling are cancelled.
        let targets: Vec<LegId> = self
            .conversation_legs(conversation)
            .filter(|other| {
                other.state.is_offered()
                    && matches!(other.pending, Some(Pending::Call { originator }) if originator == leg)
            })
            .map(|other| other.id)
            .collect();
        for target in targets {
            self.cancel_offer(now, target, EndReason::Cancelled);
        }
        self.terminate(now, leg, reason, notify);
        if state.is_connected() {
            self.settle(now, conversation);
            self.refresh_endpoint_holds(conversation);
        }
    }

    /// Low-level end of one leg: timers, operations, media, hold music, state, endpoint.
    pub(super) fn terminate(&mut self, now: Instant, leg: LegId, reason: EndReason, notify: bool) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        if l.state.is_terminated() {
            return;
        }
        let conversation = l.conversation;
        let was_connected = l.state.is_connected();
        let is_bot = l.is_bot();
        // Terminated from here on, so that whatever the cleanup below sets off (a cancelled
        // transfer target, a failed invitation) sees this leg as gone; the event follows the
        // cleanup's own events.
        l.state = LegState::Terminated(reason);
        let redirect_targets = std::mem::take(&mut l.redirect_targets);
        let transfer = l.transfer.take();
        l.tone_subscription = None;
        self.clear_timers(leg);
        for target in redirect_targets {
            self.cancel_offer(now, target, EndReason::Cancelled);
        }
        if let Some(operation) = transfer {
            if let Some(target) = self.transfer_target(operation) {
                self.cancel_offer(now, target, EndReason::Cancelled);
            }
        }
        self.abort_operations(leg);
        self.sync_listening(leg);
        if let Some(c) = self.conversations.get_mut(&conversation) {
            if c.held == Some(leg) {
                c.held = None;
                self.act(Action::StopHoldMusic { conversation, leg });
            }
        }
        self.set_hold_media(conversation, leg, HoldMedia::None);
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Terminated(reason),
            transfer_failed: None,
        });
        self.touched.insert(conversation);
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        if l.media_connected {
            l.media_connected = false;
            self.act(Action::DisconnectMedia { conversation, leg });
        }
        if notify && !is_bot {
            self.act(Action::DisconnectEndpoint {
                conversation,
                leg,
                reason,
            });
        }
        if was_connected {
            self.mark_roster(conversation);
        }
    }

    /// After a connected leg left: a two-party call ends for the other side; a group call ends
    /// when one participant is left alone with nobody ringing.
    fn settle(&mut self, now: Instant, conversation: ConversationId) {
        let Some(c) = self.conversations.get(&conversation) else {
            return;
        };
        if c.ending {
            return;
        }
        let group = c.group;
        let live: Vec<(LegId, LegState)> = c
            .legs
            .iter()
            .filter_map(|leg| self.legs.get(leg))
            .filter(|l| !l.state.is_terminated())
            .map(|l| (l.id, l.state))
            .collect();
        let connected: Vec<LegId> = live
            .iter()
            .filter(|(_, s)| s.is_connected())
            .map(|(id, _)| *id)
            .collect();
        match connected.as_slice() {
            [] => {
                for (leg, _) in live {
                    self.end_leg(now, leg, EndReason::Cancelled, true);
                }
            }
            [last] => {
                let last = *last;
                let ringing = live.iter().any(|(id, s)| *id != last && s.is_offered());
                if !group {
                    self.end_leg(now, last, EndReason::RemoteHungUp, true);
                } else if !ringing {
                    self.end_leg(now, last, EndReason::AllOthersLeft, true);
                }
            }
            _ => {}
        }
    }

    // ---- transfer and invite outcomes -----------------------------------------------------

    pub(super) fn transfer_target(&self, operation: OperationId) -> Option<LegId> {
        match self.operations.get(&operation).map(|op| &op.detail) {
            Some(OpDetail::Transfer { target, .. }) => *target,
            _ => None,
        }
    }

    pub(super) fn transfer_accepted(
        &mut self,
        now: Instant,
        transferor: LegId,
        operation: OperationId,
        target: LegId,
    ) {
        let (transferee, split) = match self.operations.get(&operation).map(|op| &op.detail) {
            Some(OpDetail::Transfer {
                transferee, split, ..
            }) => (*transferee, *split),
            _ => (None, None),
        };
        if let (Some(split), Some(transferee)) = (split, transferee) {
            let moved = TransferMove {
                transferor,
                operation,
                target,
                transferee,
                split,
            };
            return self.participant_transferred(now, moved);
        }
        if self.state_of(transferor) != Some(LegState::Transferring) {
            return;
        }
        if let Some(l) = self.legs.get_mut(&transferor) {
            l.transfer = None;
        }
        self.set_state(transferor, LegState::TransferAccepted);
        if let Some(conversation) = self.conversation_of(transferor) {
            self.emit(Event::TransferAccepted {
                conversation,
                leg: transferor,
                operation,
                target,
                transferee,
            });
        }
        self.complete_operation(operation, Outcome::Success, None);
        self.end_leg(now, transferor, EndReason::Transferred, false);
    }

    /// The target of a transfer that moves only the transferee answered: the transferee leaves
    /// the transferor's call for the target's, and the transferor stays with the others.
    fn participant_transferred(&mut self, now: Instant, moved: TransferMove) {
        let Some(from) = self.conversation_of(moved.transferor) else {
            return;
        };
        let still_there = self
            .legs
            .get(&moved.transferee)
            .is_some_and(|l| l.state.is_connected() && l.conversation == from);
        if !still_there {
            self.end_leg(now, moved.target, EndReason::Cancelled, true);
            self.transfer_failed(moved.transferor, moved.operation, EndReason::Cancelled);
            return;
        }
        self.move_leg(moved.transferee, moved.split);
        if self.op_is_open(moved.operation) {
            self.emit(Event::TransferAccepted {
                conversation: from,
                leg: moved.transferor,
                operation: moved.operation,
                target: moved.target,
                transferee: Some(moved.transferee),
            });
        }
        self.complete_operation(moved.operation, Outcome::Success, None);
        self.settle(now, from);
    }

    pub(super) fn transfer_failed(
        &mut self,
        transferor: LegId,
        operation: OperationId,
        cause: EndReason,
    ) {
        if self.is_split_transfer(operation) {
            if let (true, Some(conversation)) =
                (self.op_is_open(operation), self.conversation_of(transferor))
            {
                self.emit(Event::TransferFailed {
                    conversation,
                    leg: transferor,
                    operation,
                    cause,
                });
            }
            return self.complete_operation(operation, Outcome::Participant(cause), None);
        }
        let Some(l) = self.legs.get_mut(&transferor) else {
            return;
        };
        if l.state != LegState::Transferring {
            return;
        }
        l.transfer = None;
        l.state = LegState::Established;
        let conversation = l.conversation;
        self.emit(Event::LegStateChanged {
            conversation,
            leg: transferor,
            state: LegState::Established,
            transfer_failed: Some(cause),
        });
        self.emit(Event::TransferFailed {
            conversation,
            leg: transferor,
            operation,
            cause,
        });
        self.complete_operation(operation, Outcome::Participant(cause), None);
    }

    fn is_split_transfer(&self, operation: OperationId) -> bool {
        matches!(
            self.operations.get(&operation).map(|op| &op.detail),
            Some(OpDetail::Transfer { split: Some(_), .. })
        )
    }

    fn invite_resolved(&mut self, operation: OperationId, failure: Option<EndReason>) {
        let Some(op) = self.operations.get_mut(&operation) else {
            return;
        };
        let OpDetail::Invite {
            remaining,
            joined,
            last_failure,
        } = &mut op.detail
        else {
            return;
        };
        *remaining = remaining.saturating_sub(1);
        match failure {
            None => *joined += 1,
            Some(cause) => *last_failure = Some(cause),
        }
        if *remaining == 0 {
            let outcome = if *joined > 0 {
                Outcome::Success
            } else {
                Outcome::Participant(last_failure.unwrap_or(EndReason::Cancelled))
            };
            self.complete_operation(operation, outcome, None);
        }
    }

    // ---- replaces (consultative transfer, invite with replacesCallId) ----------------------

    /// Finds the leg that `party` has in the call of bot leg `replaced`, to take it over into
    /// `into`. Checks everything before anything changes.
    pub(super) fn find_replacement(
        &self,
        into: ConversationId,
        replaced: LegId,
        party: &Party,
    ) -> Result<LegId, EngineError> {
        let bot = self.live_bot_leg(replaced, "replace the call of")?;
        if !bot.state.is_connected() {
            return Err(EngineError::InvalidState {
                leg: replaced,
                state: bot.state,
                action: "replace the call of",
            });
        }
        if bot.conversation == into {
            return Err(EngineError::InvalidArgument(
                "the replaced call is this call",
            ));
        }
        let candidates: Vec<&Leg> = self
            .conversations
            .get(&bot.conversation)
            .map(|c| c.legs.iter().filter_map(|leg| self.legs.get(leg)).collect())
            .unwrap_or_default();
        let others: Vec<&Leg> = candidates
            .into_iter()
            .filter(|l| l.id != replaced && l.state.is_connected())
            .collect();
        if let Some(found) = others.iter().find(|l| l.party == *party) {
            return Ok(found.id);
        }
        match others.as_slice() {
            [only] => Ok(only.id),
            _ => Err(EngineError::InvalidArgument(
                "the replaced call has no such participant",
            )),
        }
    }

    /// Moves a connected leg into another conversation and ends the bot leg it left behind.
    pub(super) fn take_over(
        &mut self,
        now: Instant,
        leg: LegId,
        into: ConversationId,
        replaced: LegId,
    ) {
        self.move_leg(leg, into);
        self.end_leg(now, replaced, EndReason::Replaced, false);
    }

    /// Moves a connected leg, media and all, from its conversation into `into`.
    fn move_leg(&mut self, leg: LegId, into: ConversationId) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let from = l.conversation;
        l.pending = None;
        l.conversation = into;
        let was_connected_media = l.media_connected;
        let on_hold = l.state == LegState::OnHold;
        l.holding = false;
        self.set_hold_media(from, leg, HoldMedia::None);
        if let Some(c) = self.conversations.get_mut(&from) {
            c.legs.retain(|other| *other != leg);
            if c.held == Some(leg) {
                c.held = None;
                self.act(Action::StopHoldMusic {
                    conversation: from,
                    leg,
                });
            }
        }
        if was_connected_media {
            self.act(Action::DisconnectMedia {
                conversation: from,
                leg,
            });
        }
        if let Some(c) = self.conversations.get_mut(&into) {
            c.legs.push(leg);
        }
        if on_hold {
            self.set_state(leg, LegState::Established);
        }
        if let Some(l) = self.legs.get_mut(&leg) {
            l.media_connected = true;
        }
        self.act(Action::ConnectMedia {
            conversation: into,
            leg,
        });
        self.emit(Event::LegMoved {
            conversation: into,
            from,
            leg,
        });
        self.mark_roster(from);
        self.mark_roster(into);
        self.refresh_endpoint_holds(from);
    }

    /// Marks the call a group call (invite/add).
    pub(super) fn make_group(&mut self, conversation: ConversationId) {
        if let Some(c) = self.conversations.get_mut(&conversation) {
            c.group = true;
        }
    }

    pub(super) fn op_is_open(&self, operation: OperationId) -> bool {
        self.operations
            .get(&operation)
            .is_some_and(|op| !op.status.is_final())
    }

    /// Finishes an operation and emits its completion event.
    pub(super) fn complete_operation(
        &mut self,
        operation: OperationId,
        outcome: Outcome,
        recording: Option<String>,
    ) {
        let Some(op) = self.operations.get_mut(&operation) else {
            return;
        };
        if op.status.is_final() {
            return;
        }
        op.status = outcome.status();
        let (leg, kind, client_context, status) =
            (op.leg, op.kind, op.client_context.clone(), op.status);
        let (tones, heard, listening) = match &mut op.detail {
            OpDetail::Recognize {
                tones,
                heard,
                listening,
                ..
            } => (tones.clone(), heard.clone(), std::mem::take(listening)),
            _ => (Vec::new(), None, false),
        };
        let Some(conversation) = self.conversation_of(leg) else {
            return;
        };
        if listening {
            self.act(Action::StopListening {
                conversation,
                operation,
            });
        }
        self.emit(Event::OperationCompleted {
            conversation,
            leg,
            operation,
            kind,
            client_context,
            status,
            outcome,
            recording,
            tones,
            heard,
        });
    }

    /// Fails every open operation of an ending leg, stopping running media.
    fn abort_operations(&mut self, leg: LegId) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let conversation = l.conversation;
        let running = l.media_running.take();
        l.media_queue.clear();
        let operations = l.operations.clone();
        if let Some(operation) = running {
            self.stop_media_action(conversation, operation);
        }
        // Invitations belong to the conversation and keep ringing, but their operation ends
        // here: nothing more is reported to a leg that has ended.
        for operation in operations {
            self.complete_operation(operation, Outcome::CallEnded, None);
        }
    }
}

/// A transfer whose target answered, moving only the transferee.
struct TransferMove {
    transferor: LegId,
    operation: OperationId,
    target: LegId,
    transferee: LegId,
    split: ConversationId,
}
