//! The engine's scenario harness: owns an engine, a fake directory and virtual time; records every
//! output. Two kinds of bot: Graph-style ones ([`GRAPH_APP`], [`OTHER_APP`]), whose offered legs the
//! harness adopts with a keep-alive requirement as the Graph door does, and an ACS-style one
//! ([`ACS_APP`]).

use std::time::{Duration, Instant};

use ringside_engine::{
    Ack, Action, BotIdentity, Command, ConversationId, Directory, EndReason, Endpoint,
    EndpointSignal, Engine, EngineError, Event, LegId, LegState, MediaSignal, OperationId, Refusal,
    Route, SequentialIds, Target,
};
use ringside_model::{AppId, Guid, InstanceId, Party, TenantId, UserId, E164};

pub const TENANT: TenantId = TenantId(Guid::from_u128(0x7e7a_0001));
/// The Graph bot.
pub const GRAPH_APP: AppId = AppId(Guid::from_u128(0xa990_0001));
/// Its resource account.
pub const GRAPH_INSTANCE: InstanceId = InstanceId(Guid::from_u128(0x1257_0001));
/// The ACS bot.
pub const ACS_APP: AppId = AppId(Guid::from_u128(0xa990_0002));
/// A second Graph bot (bot-to-bot calls, redirect to a bot).
pub const OTHER_APP: AppId = AppId(Guid::from_u128(0xa990_0003));

/// The Graph bot's resource account number.
pub const GRAPH_NUMBER: &str = "+18005550100";
/// The ACS bot's number.
pub const ACS_NUMBER: &str = "+18005550199";

/// The Graph bot placing calls (its legs must be kept alive).
pub fn graph_bot() -> BotIdentity {
    BotIdentity {
        app: GRAPH_APP,
        instance: None,
        keep_alive: true,
    }
}

/// The ACS bot placing calls.
pub fn acs_bot() -> BotIdentity {
    BotIdentity {
        app: ACS_APP,
        instance: None,
        keep_alive: false,
    }
}

/// Whether the harness adopts an offer to `bot` as the Graph door would (keep-alive required).
fn graph_style(bot: &BotIdentity) -> bool {
    bot.app == GRAPH_APP || bot.app == OTHER_APP
}

pub fn user(n: u128) -> Party {
    Party::User {
        tenant: TENANT,
        user: UserId(Guid::from_u128(0x05e7_0000 + n)),
    }
}

/// A user the directory cannot route.
pub fn ghost() -> Party {
    user(999)
}

pub fn phone(number: &str) -> Party {
    Party::Phone(E164::parse(number).expect("valid E.164 in test"))
}

pub fn app(app: AppId) -> Party {
    Party::Application { app }
}

/// Routes the fixed test tenant.
pub struct FakeDirectory;

impl Directory for FakeDirectory {
    fn route(&self, _tenant: TenantId, target: &Party) -> Route {
        match target {
            Party::Application { app }
                if *app == GRAPH_APP || *app == OTHER_APP || *app == ACS_APP =>
            {
                Route::Bot {
                    app: *app,
                    instance: None,
                }
            }
            Party::Application { .. } => Route::Unroutable,
            Party::Phone(number) if number.as_str() == GRAPH_NUMBER => Route::Bot {
                app: GRAPH_APP,
                instance: Some(GRAPH_INSTANCE),
            },
            Party::Phone(number) if number.as_str() == ACS_NUMBER => Route::Bot {
                app: ACS_APP,
                instance: None,
            },
            Party::Phone(_) => Route::ExternalPhone,
            user if *user == ghost() => Route::Unroutable,
            Party::User { .. } | Party::AcsUser(_) => Route::SimulatedUser,
            Party::ApplicationInstance { .. } => Route::Unroutable,
        }
    }
}

/// Engine + directory + ids + virtual clock + recorded outputs.
pub struct Harness {
    pub engine: Engine,
    pub ids: SequentialIds,
    pub start: Instant,
    pub now: Instant,
    /// Every event, with its virtual time since start.
    pub events: Vec<(Duration, Event)>,
    /// Every action, with its virtual time since start.
    pub actions: Vec<(Duration, Action)>,
}

impl Default for Harness {
    fn default() -> Harness {
        Harness::new(Engine::default())
    }
}

impl Harness {
    pub fn new(engine: Engine) -> Harness {
        Harness::starting_at(engine, Instant::now())
    }

    /// A harness whose virtual clock starts at `start` (two runs can then be compared exactly).
    pub fn starting_at(engine: Engine, start: Instant) -> Harness {
        Harness {
            engine,
            ids: SequentialIds::new(),
            start,
            now: start,
            events: Vec::new(),
            actions: Vec::new(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn drain(&mut self) {
        let at = self.elapsed();
        let mut adopted = Vec::new();
        while let Some(event) = self.engine.poll_event() {
            if let Event::CallOffered { leg, bot, .. } = &event {
                if graph_style(bot) {
                    adopted.push(*leg);
                }
            }
            self.events.push((at, event));
        }
        while let Some(action) = self.engine.poll_action() {
            self.actions.push((at, action));
        }
        // As the Graph door does when it adopts an offer: the bot must keep the leg alive.
        for leg in adopted {
            let _ = self.engine.handle_command(
                self.now,
                Command::RequireKeepAlive { leg },
                &FakeDirectory,
                &mut self.ids,
            );
        }
    }

    pub fn cmd(&mut self, command: Command) -> Result<Ack, EngineError> {
        let result = self
            .engine
            .handle_command(self.now, command, &FakeDirectory, &mut self.ids);
        self.drain();
        result
    }

    pub fn endpoint(&mut self, signal: EndpointSignal) -> Result<(), EngineError> {
        let result = self.engine.handle_endpoint(self.now, signal);
        self.drain();
        result
    }

    pub fn media(&mut self, signal: MediaSignal) -> Result<(), EngineError> {
        let result = self.engine.handle_media(self.now, signal);
        self.drain();
        result
    }

    /// Jumps virtual time through every timeout up to `now + by`.
    pub fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        while let Some(at) = self.engine.poll_timeout() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.engine.handle_timeout(self.now);
            self.drain();
        }
        self.now = until;
    }

    /// Jumps to the next timeout and fires it; returns how far time moved.
    pub fn next_timeout(&mut self) -> Option<Duration> {
        let at = self.engine.poll_timeout()?;
        let moved = at.saturating_duration_since(self.now);
        self.now = self.now.max(at);
        self.engine.handle_timeout(self.now);
        self.drain();
        Some(moved)
    }

    // ---- scenario helpers -------------------------------------------------------------------

    /// A Graph bot calls `target`; returns (conversation, bot leg, target leg).
    pub fn bot_calls(&mut self, bot: BotIdentity, target: Party) -> (ConversationId, LegId, LegId) {
        let source = app(bot.app);
        let ack = self
            .cmd(Command::CreateCall {
                tenant: TENANT,
                bot,
                source,
                targets: vec![Target::party(target)],
                group: false,
                ring_timeout: None,
            })
            .expect("create call");
        match ack {
            Ack::Call {
                conversation,
                leg,
                targets,
            } => (conversation, leg, targets[0]),
            other => panic!("unexpected ack {other:?}"),
        }
    }

    /// A bot calls several targets (group call); returns (conversation, bot leg, target legs).
    pub fn bot_calls_group(
        &mut self,
        bot: BotIdentity,
        targets: Vec<Party>,
    ) -> (ConversationId, LegId, Vec<LegId>) {
        let ack = self
            .cmd(Command::CreateCall {
                tenant: TENANT,
                bot,
                source: app(bot.app),
                targets: targets.into_iter().map(Target::party).collect(),
                group: true,
                ring_timeout: None,
            })
            .expect("create group call");
        match ack {
            Ack::Call {
                conversation,
                leg,
                targets,
            } => (conversation, leg, targets),
            other => panic!("unexpected ack {other:?}"),
        }
    }

    /// A simulated caller dials `target`; returns (conversation, caller leg, target leg).
    pub fn dial(&mut self, caller: Party, target: Party) -> (ConversationId, LegId, LegId) {
        match self
            .cmd(Command::PlaceCall {
                tenant: TENANT,
                caller,
                target,
            })
            .expect("place call")
        {
            Ack::Call {
                conversation,
                leg,
                targets,
            } => (conversation, leg, targets[0]),
            other => panic!("unexpected ack {other:?}"),
        }
    }

    /// A phone calls the Graph bot's number and the bot answers; returns (conversation, caller, bot leg).
    pub fn answered_incoming(&mut self) -> (ConversationId, LegId, LegId) {
        let (conversation, caller, bot) = self.dial(phone("+14255550123"), phone(GRAPH_NUMBER));
        self.cmd(Command::Answer { leg: bot }).expect("answer");
        assert_eq!(self.state(bot), Some(LegState::Established));
        (conversation, caller, bot)
    }

    /// The bot calls a user who answers; returns (conversation, bot leg, user leg).
    pub fn answered_outgoing(
        &mut self,
        bot: BotIdentity,
        target: Party,
    ) -> (ConversationId, LegId, LegId) {
        let (conversation, bot_leg, target_leg) = self.bot_calls(bot, target);
        self.answer(target_leg);
        assert_eq!(self.state(bot_leg), Some(LegState::Established));
        (conversation, bot_leg, target_leg)
    }

    pub fn answer(&mut self, leg: LegId) {
        self.endpoint(EndpointSignal::Answered { leg })
            .expect("endpoint answers");
    }

    pub fn refuse(&mut self, leg: LegId, refusal: Refusal) {
        self.endpoint(EndpointSignal::Refused { leg, refusal })
            .expect("endpoint refuses");
    }

    pub fn hang_up(&mut self, leg: LegId) {
        self.endpoint(EndpointSignal::HungUp { leg })
            .expect("endpoint hangs up");
    }

    // ---- queries ------------------------------------------------------------------------------

    /// Current state, or the last recorded one once the conversation has been released.
    pub fn state(&self, leg: LegId) -> Option<LegState> {
        self.engine
            .leg(leg)
            .map(|l| l.state)
            .or_else(|| self.states(leg).last().copied())
    }

    /// Every state change recorded for a leg, in order.
    pub fn states(&self, leg: LegId) -> Vec<LegState> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::LegStateChanged { leg: l, state, .. } if *l == leg => Some(*state),
                _ => None,
            })
            .collect()
    }

    /// When (virtual time) a leg reached `terminated`, and why.
    pub fn ended(&self, leg: LegId) -> Option<(Duration, EndReason)> {
        self.events.iter().find_map(|(at, e)| match e {
            Event::LegStateChanged {
                leg: l,
                state: LegState::Terminated(reason),
                ..
            } if *l == leg => Some((*at, *reason)),
            _ => None,
        })
    }

    /// The reason the shell was told to disconnect a simulated endpoint.
    pub fn disconnected(&self, leg: LegId) -> Option<EndReason> {
        self.actions.iter().find_map(|(_, a)| match a {
            Action::DisconnectEndpoint { leg: l, reason, .. } if *l == leg => Some(*reason),
            _ => None,
        })
    }

    /// Legs the shell was told to ring, in order.
    pub fn rung(&self) -> Vec<LegId> {
        self.actions
            .iter()
            .filter_map(|(_, a)| match a {
                Action::RingEndpoint { leg, .. } => Some(*leg),
                _ => None,
            })
            .collect()
    }

    /// Bot legs a call was offered to, in order.
    pub fn offered(&self) -> Vec<(LegId, Duration)> {
        self.events
            .iter()
            .filter_map(|(at, e)| match e {
                Event::CallOffered { leg, .. } => Some((*leg, *at)),
                _ => None,
            })
            .collect()
    }

    /// The completion events of an operation.
    pub fn completions(&self, operation: OperationId) -> Vec<Event> {
        self.events
            .iter()
            .filter(|(_, e)| matches!(e, Event::OperationCompleted { operation: o, .. } if *o == operation))
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// Roster events of a conversation: (sequence, participant legs).
    pub fn rosters(&self, conversation: ConversationId) -> Vec<(u64, Vec<LegId>)> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::RosterChanged {
                    conversation: c,
                    sequence,
                    participants,
                } if *c == conversation => {
                    Some((*sequence, participants.iter().map(|p| p.leg).collect()))
                }
                _ => None,
            })
            .collect()
    }

    pub fn endpoint_kind(&self, leg: LegId) -> Option<Endpoint> {
        self.engine.leg(leg).map(|l| l.endpoint)
    }
}

/// The operation id of an ack.
pub fn op(ack: &Ack) -> OperationId {
    ack.operation().expect("operation ack").id
}

pub const SECOND: Duration = Duration::from_secs(1);
pub const MINUTE: Duration = Duration::from_secs(60);
