//! Command handlers that act on the other participants of a bot's call: transfer, invite/add,
//! cancel add, remove, mute/unmute and hold/unhold.

use std::time::{Duration, Instant};

use super::commands::Offers;
use super::flow::Ring;
use super::{Engine, HoldMedia, OpDetail, Pending};
use crate::command::{Ack, MediaRef, OperationKind, Target, TransferScope};
use crate::config::limits;
use crate::directory::Directory;
use crate::error::EngineError;
use crate::ids::{ConversationId, IdSource, LegId, OperationId};
use crate::output::{Action, Event};
use crate::reason::{EndReason, Outcome};
use crate::state::LegState;

/// A transfer command's arguments besides the transferor leg.
pub(super) struct TransferRequest {
    pub(super) target: Target,
    pub(super) transferee: Option<LegId>,
    pub(super) scope: TransferScope,
    pub(super) client_context: String,
}

impl Engine {
    pub(super) fn transfer(
        &mut self,
        now: Instant,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
        leg: LegId,
        request: TransferRequest,
    ) -> Result<Ack, EngineError> {
        let l = self.live_leg(leg)?;
        if l.state != LegState::Established {
            return Err(EngineError::InvalidState {
                leg,
                state: l.state,
                action: "transfer",
            });
        }
        let conversation = l.conversation;
        let transferee = self.choose_transferee(conversation, leg, request.transferee)?;
        let target = request.target;
        let replacement = match target.replaces {
            Some(replaced) => Some((
                replaced,
                self.find_replacement(conversation, replaced, &target.party)?,
            )),
            None => None,
        };
        let tenant = self.tenant_of(conversation)?;
        let split = match (request.scope, transferee, &replacement) {
            (TransferScope::Participant, Some(_), None)
                if self.connected_others(conversation, leg).len() > 1 =>
            {
                let split = ids.conversation_id();
                self.new_conversation(split, tenant, false);
                Some(split)
            }
            _ => None,
        };
        let operation = self.start_transfer(ids, leg, transferee, split, request.client_context);
        if let Some((replaced, moved)) = replacement {
            self.set_transfer_target(operation, moved);
            self.take_over(now, moved, conversation, replaced);
            self.transfer_accepted(now, leg, operation, moved);
            return Ok(self.op_ack(operation, vec![moved]));
        }
        let id = ids.leg_id();
        self.set_transfer_target(operation, id);
        let caller = transferee
            .and_then(|t| self.legs.get(&t))
            .map(|t| t.party.clone())
            .unwrap_or(target.party.clone());
        let route = directory.route(tenant, &target.party);
        let pending = Pending::Transfer {
            transferor: leg,
            operation,
        };
        let into = split.unwrap_or(conversation);
        if self.offer_leg(
            now,
            into,
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

    /// The connected participants of `conversation` other than `leg`.
    fn connected_others(&self, conversation: ConversationId, leg: LegId) -> Vec<LegId> {
        self.conversations
            .get(&conversation)
            .map(|c| {
                c.legs
                    .iter()
                    .filter(|other| **other != leg)
                    .filter(|other| self.legs.get(other).is_some_and(|o| o.state.is_connected()))
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Who a transfer by bot leg `leg` moves: the named participant, which must be another
    /// connected one, or else the only other connected participant.
    fn choose_transferee(
        &self,
        conversation: ConversationId,
        leg: LegId,
        transferee: Option<LegId>,
    ) -> Result<Option<LegId>, EngineError> {
        let others = self.connected_others(conversation, leg);
        match transferee {
            Some(id) => {
                self.participant_of(leg, id)?;
                if id == leg || !others.contains(&id) {
                    return Err(EngineError::InvalidArgument(
                        "the transferee must be another connected participant",
                    ));
                }
                Ok(Some(id))
            }
            None => match others.as_slice() {
                [only] => Ok(Some(*only)),
                [] => Err(EngineError::InvalidArgument("there is nobody to transfer")),
                _ => Err(EngineError::InvalidArgument(
                    "a transferee is required in a group call",
                )),
            },
        }
    }

    /// Registers the running transfer operation and, unless only the transferee leaves (`split`),
    /// puts the transferor in `transferring`.
    fn start_transfer(
        &mut self,
        ids: &mut dyn IdSource,
        leg: LegId,
        transferee: Option<LegId>,
        split: Option<ConversationId>,
        client_context: String,
    ) -> OperationId {
        let operation = self.running_operation(
            ids,
            leg,
            OperationKind::Transfer,
            client_context,
            OpDetail::Transfer {
                target: None,
                transferee,
                split,
            },
        );
        if split.is_some() {
            return operation;
        }
        self.set_state(leg, LegState::Transferring);
        if let Some(l) = self.legs.get_mut(&leg) {
            l.transfer = Some(operation);
        }
        operation
    }

    /// Records the leg a transfer operation moves the call to.
    fn set_transfer_target(&mut self, operation: OperationId, leg: LegId) {
        if let Some(OpDetail::Transfer { target, .. }) =
            self.operations.get_mut(&operation).map(|op| &mut op.detail)
        {
            *target = Some(leg);
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
        check_invitees(&targets, timeout)?;
        let replacement = self.invite_replacement(conversation, &targets)?;
        let tenant = self.tenant_of(conversation)?;
        self.make_group(conversation);
        let detail = OpDetail::Invite {
            remaining: targets.len(),
            joined: 0,
            last_failure: None,
        };
        let operation = self.running_operation(
            ids,
            leg,
            OperationKind::AddParticipants,
            client_context,
            detail,
        );
        if let Some((replaced, moved)) = replacement {
            return Ok(self.invite_by_replacement(
                now,
                leg,
                operation,
                conversation,
                replaced,
                moved,
            ));
        }
        let offers = Offers {
            conversation,
            tenant,
            caller: &caller,
            pending: Pending::Invite {
                inviter: leg,
                operation,
            },
            ring: Ring::After(timeout.unwrap_or(self.config.invitation_timeout)),
        };
        let parties = targets.into_iter().map(|target| target.party);
        let (created, unroutable) = self.offer_each(now, directory, ids, &offers, parties);
        // The ack reflects the operation before unroutable invitees fail.
        let ack = self.op_ack(operation, created);
        self.fail_unroutable(now, unroutable);
        Ok(ack)
    }

    /// The `(replaced bot leg, leg to take over)` of an invite with `replacesCallId`, which must
    /// have exactly one participant.
    fn invite_replacement(
        &self,
        conversation: ConversationId,
        targets: &[Target],
    ) -> Result<Option<(LegId, LegId)>, EngineError> {
        match targets
            .first()
            .and_then(|t| t.replaces.map(|r| (r, t.party.clone())))
        {
            Some((replaced, party)) => {
                if targets.len() != 1 {
                    return Err(EngineError::InvalidArgument(
                        "an invite with replacesCallId has exactly one participant",
                    ));
                }
                Ok(Some((
                    replaced,
                    self.find_replacement(conversation, replaced, &party)?,
                )))
            }
            None if targets.iter().any(|t| t.replaces.is_some()) => {
                Err(EngineError::InvalidArgument(
                    "an invite with replacesCallId has exactly one participant",
                ))
            }
            None => Ok(None),
        }
    }

    /// Completes an invite with `replacesCallId`: `moved` leaves the replaced call for the
    /// inviter's and is reported added at once.
    fn invite_by_replacement(
        &mut self,
        now: Instant,
        leg: LegId,
        operation: OperationId,
        conversation: ConversationId,
        replaced: LegId,
        moved: LegId,
    ) -> Ack {
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
        self.op_ack(operation, vec![moved])
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
}

/// Checks an invite's size and timeout before anything changes.
fn check_invitees(targets: &[Target], timeout: Option<Duration>) -> Result<(), EngineError> {
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
    Ok(())
}
