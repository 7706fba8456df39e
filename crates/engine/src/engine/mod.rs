//! The [`Engine`]: owns every conversation, leg, operation and timer; the public driving API
//! (`handle_*` in, `poll_*` out) and read-only queries for front doors.

mod commands;
mod flow;
mod hold;
mod listen;
mod media;
mod participants;
mod timers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use ringside_model::{Party, TenantId};

use crate::command::{Ack, Command, OperationInfo, OperationKind, RecognizeOptions, RecordOptions};
use crate::config::EngineConfig;
use crate::directory::Directory;
use crate::error::EngineError;
use crate::ids::{ConversationId, IdSource, LegId, OperationId};
use crate::output::{Action, Audience, Event, Participant};
use crate::reason::{EndReason, OperationStatus, Outcome};
use crate::signal::{EndpointSignal, MediaSignal};
use crate::state::{Direction, Endpoint, LegState};

use timers::{LegTimers, TimerKind};

/// Why an offered leg is ringing: who waits for its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// A call target; `originator` placed the call.
    Call { originator: LegId },
    /// An invitee of an add operation.
    Invite {
        inviter: LegId,
        operation: OperationId,
    },
    /// A transfer target.
    Transfer {
        transferor: LegId,
        operation: OperationId,
    },
    /// A redirect target of an offered bot leg.
    Redirect { redirector: LegId },
}

#[derive(Debug)]
struct Leg {
    id: LegId,
    conversation: ConversationId,
    party: Party,
    caller: Party,
    endpoint: Endpoint,
    direction: Direction,
    state: LegState,
    muted: bool,
    media_connected: bool,
    pending: Option<Pending>,
    timers: LegTimers,
    redirect_targets: Vec<LegId>,
    transfer: Option<OperationId>,
    media_running: Option<OperationId>,
    media_queue: VecDeque<OperationId>,
    tone_subscription: Option<Option<LegId>>,
    tone_sequence: u64,
    /// The media plane was told this leg listens for keys ([`Engine::sync_listening`]).
    listening: bool,
    operations: Vec<OperationId>,
    /// The endpoint itself put the call on hold (`EndpointSignal::Hold`).
    holding: bool,
    /// What endpoint hold (its own or the other side's) makes this leg hear (`hold.rs`).
    hold_media: HoldMedia,
}

/// What an endpoint hold plays to a leg instead of the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HoldMedia {
    /// The mix.
    None,
    /// Silence: this leg holds.
    Silence,
    /// Hold music: the other side of a two-party call holds.
    Music,
}

impl Leg {
    fn is_bot(&self) -> bool {
        matches!(self.endpoint, Endpoint::Bot(_))
    }
}

#[derive(Debug)]
struct Conversation {
    tenant: TenantId,
    group: bool,
    legs: Vec<LegId>,
    roster_sequence: u64,
    held: Option<LegId>,
    ending: bool,
}

#[derive(Debug)]
enum OpDetail {
    None,
    Play {
        prompts: Vec<crate::command::MediaRef>,
        audience: Audience,
        looped: bool,
    },
    Record {
        options: RecordOptions,
        stop: Option<Outcome>,
    },
    Recognize {
        target: LegId,
        options: RecognizeOptions,
        tones: Vec<ringside_model::Tone>,
        prompting: bool,
        /// A speech recognizer runs for it (`Action::StartListening` sent, no `Heard` yet).
        listening: bool,
        /// What the recognizer heard, once it decided the outcome.
        heard: Option<crate::signal::Heard>,
    },
    Invite {
        remaining: usize,
        joined: usize,
        last_failure: Option<EndReason>,
    },
    Transfer {
        target: Option<LegId>,
        transferee: Option<LegId>,
        /// The conversation the transferee and the target move to when only the transferee
        /// leaves ([`crate::TransferScope::Participant`] in a call with others).
        split: Option<ConversationId>,
    },
}

#[derive(Debug)]
struct Operation {
    leg: LegId,
    kind: OperationKind,
    client_context: String,
    status: OperationStatus,
    detail: OpDetail,
}

/// A read-only view of a leg, for front doors' GET endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegInfo {
    /// The leg.
    pub id: LegId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who is at its end.
    pub party: Party,
    /// Who called it (for offered legs) or itself (for legs that placed the call).
    pub caller: Party,
    /// What kind of endpoint.
    pub endpoint: Endpoint,
    /// Seen from its endpoint.
    pub direction: Direction,
    /// Current state.
    pub state: LegState,
    /// Server-muted.
    pub muted: bool,
}

/// A read-only view of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationInfo {
    /// The conversation.
    pub id: ConversationId,
    /// Tenant it routes in.
    pub tenant: TenantId,
    /// Group (rather than two-party) call.
    pub group: bool,
    /// Every leg, in creation order, including ended ones.
    pub legs: Vec<LegId>,
    /// The last roster sequence number emitted.
    pub roster_sequence: u64,
}

/// The sans-IO call engine. See the crate docs for the driving contract.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    conversations: BTreeMap<ConversationId, Conversation>,
    legs: BTreeMap<LegId, Leg>,
    operations: BTreeMap<OperationId, Operation>,
    timers: BTreeSet<(Instant, LegId, TimerKind)>,
    events: VecDeque<Event>,
    actions: VecDeque<Action>,
    dirty_rosters: BTreeSet<ConversationId>,
    /// Conversations in which a leg ended since the last `finish`: candidates for release.
    touched: BTreeSet<ConversationId>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(EngineConfig::default())
    }
}

impl Engine {
    /// An empty engine.
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            config,
            conversations: BTreeMap::new(),
            legs: BTreeMap::new(),
            operations: BTreeMap::new(),
            timers: BTreeSet::new(),
            events: VecDeque::new(),
            actions: VecDeque::new(),
            dirty_rosters: BTreeSet::new(),
            touched: BTreeSet::new(),
        }
    }

    /// The timer settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Applies a command from a front door or the endpoint runtime. Timers due at `now` fire
    /// first. A refused command (`Err`) changes nothing.
    pub fn handle_command(
        &mut self,
        now: Instant,
        command: Command,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
    ) -> Result<Ack, EngineError> {
        self.handle_timeout(now);
        let result = self.command(now, command, directory, ids);
        self.finish();
        result
    }

    /// Applies what a simulated user or phone did. Timers due at `now` fire first.
    pub fn handle_endpoint(
        &mut self,
        now: Instant,
        signal: EndpointSignal,
    ) -> Result<(), EngineError> {
        self.handle_timeout(now);
        let result = self.endpoint_signal(now, signal);
        self.finish();
        result
    }

    /// Applies what the audio engine reported. Timers due at `now` fire first. Signals for
    /// operations that already finished (a cancelled recording's late end) are ignored.
    pub fn handle_media(&mut self, now: Instant, signal: MediaSignal) -> Result<(), EngineError> {
        self.handle_timeout(now);
        let result = self.media_signal(now, signal);
        self.finish();
        result
    }

    /// Fires every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.run_timers(now);
        self.finish();
    }

    /// The next bot-facing event, in order.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next thing the IO shell must do, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Engine::handle_timeout) must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// A leg, while its conversation lasts.
    pub fn leg(&self, id: LegId) -> Option<LegInfo> {
        self.legs.get(&id).map(|leg| LegInfo {
            id: leg.id,
            conversation: leg.conversation,
            party: leg.party.clone(),
            caller: leg.caller.clone(),
            endpoint: leg.endpoint,
            direction: leg.direction,
            state: leg.state,
            muted: leg.muted,
        })
    }

    /// A conversation, while it lasts.
    pub fn conversation(&self, id: ConversationId) -> Option<ConversationInfo> {
        self.conversations
            .get(&id)
            .map(|conversation| ConversationInfo {
                id,
                tenant: conversation.tenant,
                group: conversation.group,
                legs: conversation.legs.clone(),
                roster_sequence: conversation.roster_sequence,
            })
    }

    /// The connected participants of a conversation, in join order.
    pub fn participants(&self, id: ConversationId) -> Result<Vec<Participant>, EngineError> {
        if !self.conversations.contains_key(&id) {
            return Err(EngineError::UnknownConversation(id));
        }
        Ok(self.roster(id))
    }

    /// The live (not terminated) bot legs of a conversation: who a roster change is rendered for.
    pub fn bot_legs(&self, id: ConversationId) -> Vec<(LegId, crate::state::BotIdentity)> {
        self.conversation_legs(id)
            .filter(|leg| !leg.state.is_terminated())
            .filter_map(|leg| leg.endpoint.bot().map(|bot| (leg.id, bot)))
            .collect()
    }

    /// An operation, while its leg's conversation lasts.
    pub fn operation(&self, id: OperationId) -> Option<OperationInfo> {
        self.operations.get(&id).map(|op| op_info(id, op))
    }

    /// Live conversations.
    pub fn conversation_count(&self) -> usize {
        self.conversations.len()
    }

    /// Legs of live conversations (ended legs included until their conversation is released).
    pub fn leg_count(&self) -> usize {
        self.legs.len()
    }

    // ---- shared helpers -------------------------------------------------------------------

    fn emit(&mut self, event: Event) {
        self.events.push_back(event);
    }

    fn act(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    fn state_of(&self, leg: LegId) -> Option<LegState> {
        self.legs.get(&leg).map(|l| l.state)
    }

    fn conversation_of(&self, leg: LegId) -> Option<ConversationId> {
        self.legs.get(&leg).map(|l| l.conversation)
    }

    /// Sets a leg's state and emits the change.
    fn set_state(&mut self, leg: LegId, state: LegState) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        l.state = state;
        let conversation = l.conversation;
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state,
            transfer_failed: None,
        });
    }

    /// Emits `terminating` for a leg its owner is hanging up. The leg keeps its state until
    /// `terminated` a moment later, so the conversation still sees what it was (connected or not).
    fn announce_terminating(&mut self, leg: LegId) {
        let Some(conversation) = self.conversation_of(leg) else {
            return;
        };
        self.emit(Event::LegStateChanged {
            conversation,
            leg,
            state: LegState::Terminating,
            transfer_failed: None,
        });
    }

    fn mark_roster(&mut self, conversation: ConversationId) {
        self.dirty_rosters.insert(conversation);
    }

    /// The legs of a conversation, in join order.
    fn conversation_legs(&self, id: ConversationId) -> impl Iterator<Item = &Leg> {
        self.conversations
            .get(&id)
            .into_iter()
            .flat_map(|c| c.legs.iter())
            .filter_map(|leg| self.legs.get(leg))
    }

    fn roster(&self, id: ConversationId) -> Vec<Participant> {
        let Some(conversation) = self.conversations.get(&id) else {
            return Vec::new();
        };
        conversation
            .legs
            .iter()
            .filter_map(|leg| self.legs.get(leg))
            .filter(|leg| leg.state.is_connected())
            .map(|leg| Participant {
                leg: leg.id,
                party: leg.party.clone(),
                endpoint: leg.endpoint,
                muted: leg.muted,
                on_hold: leg.state == LegState::OnHold,
            })
            .collect()
    }

    /// A live leg, or why not.
    fn live_leg(&self, id: LegId) -> Result<&Leg, EngineError> {
        let leg = self.legs.get(&id).ok_or(EngineError::UnknownLeg(id))?;
        if leg.state.is_terminated() {
            return Err(EngineError::LegTerminated(id));
        }
        Ok(leg)
    }

    /// A live bot leg, or why not.
    fn live_bot_leg(&self, id: LegId, action: &'static str) -> Result<&Leg, EngineError> {
        let leg = self.live_leg(id)?;
        if !leg.is_bot() {
            return Err(EngineError::WrongEndpoint { leg: id, action });
        }
        Ok(leg)
    }

    /// A live bot leg in one of the accepted states.
    fn bot_leg_in(
        &self,
        id: LegId,
        action: &'static str,
        ok: fn(LegState) -> bool,
    ) -> Result<&Leg, EngineError> {
        let leg = self.live_bot_leg(id, action)?;
        if !ok(leg.state) {
            return Err(EngineError::InvalidState {
                leg: id,
                state: leg.state,
                action,
            });
        }
        Ok(leg)
    }

    /// A live participant in the same conversation as `leg`.
    fn participant_of(&self, leg: LegId, participant: LegId) -> Result<&Leg, EngineError> {
        let conversation = self
            .legs
            .get(&leg)
            .ok_or(EngineError::UnknownLeg(leg))?
            .conversation;
        let other = self.live_leg(participant)?;
        if other.conversation != conversation {
            return Err(EngineError::NotInConversation { leg, participant });
        }
        Ok(other)
    }

    /// End-of-input housekeeping: release finished conversations, then emit pending rosters.
    fn finish(&mut self) {
        let touched = std::mem::take(&mut self.touched);
        let finished: Vec<ConversationId> = touched
            .into_iter()
            .filter(|id| {
                self.conversations.get(id).is_some_and(|c| {
                    c.legs
                        .iter()
                        .all(|leg| self.legs.get(leg).is_none_or(|l| l.state.is_terminated()))
                })
            })
            .collect();
        for id in finished {
            self.release(id);
        }
        let dirty = std::mem::take(&mut self.dirty_rosters);
        for id in dirty {
            let participants = self.roster(id);
            let Some(conversation) = self.conversations.get_mut(&id) else {
                continue;
            };
            conversation.roster_sequence += 1;
            let sequence = conversation.roster_sequence;
            self.emit(Event::RosterChanged {
                conversation: id,
                sequence,
                participants,
            });
        }
    }

    fn release(&mut self, id: ConversationId) {
        let Some(conversation) = self.conversations.remove(&id) else {
            return;
        };
        for leg in conversation.legs {
            self.clear_timers(leg);
            if let Some(removed) = self.legs.remove(&leg) {
                for op in removed.operations {
                    self.operations.remove(&op);
                }
            }
        }
        self.dirty_rosters.remove(&id);
        self.act(Action::DestroyMix { conversation: id });
    }

    fn command(
        &mut self,
        now: Instant,
        command: Command,
        directory: &dyn Directory,
        ids: &mut dyn IdSource,
    ) -> Result<Ack, EngineError> {
        match command {
            Command::CreateCall {
                tenant,
                bot,
                source,
                targets,
                group,
                ring_timeout,
            } => self.create_call(
                now,
                directory,
                ids,
                tenant,
                bot,
                source,
                targets,
                group,
                ring_timeout,
            ),
            Command::Join {
                conversation,
                bot,
                source,
            } => self.join(now, ids, conversation, bot, source),
            Command::OpenConversation { tenant } => Ok(self.open_conversation(ids, tenant)),
            Command::EndpointJoin {
                conversation,
                party,
            } => self.endpoint_join(directory, ids, conversation, party),
            Command::PlaceCall {
                tenant,
                caller,
                target,
            } => self.place_call(now, directory, ids, tenant, caller, target),
            Command::Answer { leg } => self.answer(now, leg),
            Command::Reject { leg, reason } => self.reject(now, leg, reason),
            Command::Redirect {
                leg,
                targets,
                timeout,
            } => self.redirect(now, directory, ids, leg, targets, timeout),
            Command::Transfer {
                leg,
                target,
                transferee,
                scope,
                client_context,
            } => {
                let request = participants::TransferRequest {
                    target,
                    transferee,
                    scope,
                    client_context,
                };
                self.transfer(now, directory, ids, leg, request)
            }
            Command::AddParticipants {
                leg,
                targets,
                timeout,
                client_context,
            } => self.add_participants(now, directory, ids, leg, targets, timeout, client_context),
            Command::CancelAddParticipants {
                leg,
                operation,
                client_context,
            } => self.cancel_add(now, ids, leg, operation, client_context),
            Command::RemoveParticipant {
                leg,
                participant,
                client_context,
            } => self.remove_participant(now, ids, leg, participant, client_context),
            Command::Mute {
                leg,
                participant,
                client_context,
            } => self.set_mute(ids, leg, participant, true, client_context),
            Command::Unmute {
                leg,
                participant,
                client_context,
            } => self.set_mute(ids, leg, participant, false, client_context),
            Command::Hold {
                leg,
                participant,
                music,
                client_context,
            } => self.hold(ids, leg, participant, music, client_context),
            Command::Unhold {
                leg,
                participant,
                client_context,
            } => self.unhold(ids, leg, participant, client_context),
            Command::KeepAlive { leg } => self.keep_alive(now, leg),
            Command::RequireKeepAlive { leg } => self.require_keep_alive(now, leg),
            Command::SetAudioRouting {
                leg,
                out_of_main,
                routes,
            } => self.set_audio_routing(leg, out_of_main, routes),
            Command::PlayPrompt {
                leg,
                prompts,
                audience,
                looped,
                barge_in,
                client_context,
            } => self.play_prompt(
                now,
                ids,
                leg,
                prompts,
                audience,
                looped,
                barge_in,
                client_context,
            ),
            Command::RecordResponse {
                leg,
                options,
                client_context,
            } => self.record_response(now, ids, leg, options, client_context),
            Command::Recognize {
                leg,
                target,
                options,
                barge_in,
                client_context,
            } => self.recognize(now, ids, leg, target, options, barge_in, client_context),
            Command::CancelMediaProcessing {
                leg,
                client_context,
            } => self.cancel_media_processing(ids, leg, client_context),
            Command::SubscribeToTone {
                leg,
                source,
                client_context,
            } => self.subscribe_to_tone(ids, leg, source, client_context),
            Command::UnsubscribeFromTone {
                leg,
                client_context,
            } => self.unsubscribe_from_tone(ids, leg, client_context),
            Command::SendDtmf {
                leg,
                tones,
                delay_between,
                client_context,
            } => self.send_dtmf(ids, leg, None, tones, delay_between, client_context),
            Command::SendDtmfTo {
                leg,
                target,
                tones,
                delay_between,
                client_context,
            } => self.send_dtmf(ids, leg, Some(target), tones, delay_between, client_context),
            Command::HangUp { leg } => self.hang_up(now, leg),
            Command::Terminate { leg } => self.terminate_all(now, leg),
        }
    }

    fn endpoint_signal(&mut self, now: Instant, signal: EndpointSignal) -> Result<(), EngineError> {
        use crate::signal::Refusal;
        match signal {
            EndpointSignal::Answered { leg } => {
                let l = self.endpoint_leg(leg, "answer as an endpoint")?;
                if l.state != LegState::Incoming {
                    return Err(EngineError::InvalidState {
                        leg,
                        state: l.state,
                        action: "answer",
                    });
                }
                self.answered(now, leg);
            }
            EndpointSignal::Refused { leg, refusal } => {
                let l = self.endpoint_leg(leg, "refuse as an endpoint")?;
                if l.state != LegState::Incoming {
                    return Err(EngineError::InvalidState {
                        leg,
                        state: l.state,
                        action: "refuse",
                    });
                }
                let reason = match refusal {
                    Refusal::Declined => EndReason::Declined,
                    Refusal::Busy => EndReason::Busy,
                    Refusal::Unavailable => EndReason::Unavailable,
                };
                self.offer_failed(now, leg, reason, false);
            }
            EndpointSignal::HungUp { leg } => {
                let l = self.endpoint_leg(leg, "hang up as an endpoint")?;
                let reason = if l.state.is_offered() {
                    EndReason::Declined
                } else {
                    EndReason::HungUp
                };
                self.end_leg(now, leg, reason, false);
            }
            EndpointSignal::Hold { leg, held } => return self.endpoint_hold(now, leg, held),
            EndpointSignal::Digits { leg, tones } => {
                let l = self.endpoint_leg(leg, "send digits as an endpoint")?;
                if !l.state.is_connected() {
                    return Err(EngineError::InvalidState {
                        leg,
                        state: l.state,
                        action: "send digits",
                    });
                }
                for tone in tones {
                    self.deliver_tone(now, leg, tone);
                }
            }
        }
        Ok(())
    }

    /// A live non-bot leg (simulated users and phones signal; bots command).
    fn endpoint_leg(&self, id: LegId, action: &'static str) -> Result<&Leg, EngineError> {
        let leg = self.live_leg(id)?;
        if leg.is_bot() {
            return Err(EngineError::WrongEndpoint { leg: id, action });
        }
        Ok(leg)
    }
}

fn op_info(id: OperationId, op: &Operation) -> OperationInfo {
    OperationInfo {
        id,
        leg: op.leg,
        kind: op.kind,
        client_context: op.client_context.clone(),
        status: op.status,
    }
}
