//! The seam between the call runtime and the front doors: the [`Door`] trait every door
//! implements, the [`DoorEnv`] a door sees while it renders, and the [`DoorCtx`] its request code
//! gets inside the runtime task through [`CallRuntime::exec`](super::CallRuntime::exec).
//!
//! # Running door code in the runtime
//!
//! ```ignore
//! let result = state.calls().exec(move |ctx: &mut DoorCtx<'_, GraphCalls>| {
//!     let ack = ctx.command(Command::KeepAlive { leg })?;      // engine change
//!     ctx.door().get_mut(leg)...;                              // this door's table
//!     Ok::<_, EngineError>(ack)
//! }).await?;
//! ```
//!
//! The closure runs on the runtime task with the door it names (by type), so the door's table and
//! the engine change together and no other request interleaves. [`DoorCtx::command`] applies a
//! command at once and returns its [`Ack`]; the outputs it produces (events, actions) are drained
//! **after the closure returns**, in engine order. So a door records what the `Ack` created (a new
//! call's id, its callbackUri, an operation answered as already completed) before any event about
//! it is rendered.
//!
//! # How events reach a door
//!
//! While the runtime drains engine events it offers each [`Event::CallOffered`] to the doors in
//! the order they were registered ([`Door::offer`]): the first that adopts the offered bot leg
//! (returns an [`Adoption`]: the bot is of its dialect and reachable) owns it; otherwise the built-in
//! responder answers. Every other event goes to every door ([`Door::event`]): each renders the
//! events of the bot legs it adopted or created. Media-stream events and media signals (a key
//! detected in a call) reach every door too ([`Door::stream_event`], [`Door::media_signal`]).
//! Doors never see each other.

use std::any::Any;
use std::collections::HashMap;
use std::time::Instant;

use ringside_engine::{
    Ack, Command, ConversationId, ConversationInfo, Engine, EngineError, Event, LegId, LegInfo,
    MediaSignal, OperationId, OperationInfo, Participant,
};
use ringside_model::TenantId;
use ringside_store::DirectoryStore;

use crate::headers::CallHeaders;
use crate::streaming::StreamEvent;

/// What a door says when it adopts an offered bot leg.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Adoption {
    /// The bot must keep its leg alive ([`Command::RequireKeepAlive`]).
    pub keep_alive: bool,
}

/// A front door: one wire dialect's view of the calls whose bot legs it owns.
pub trait Door: Send + 'static {
    /// A call is offered to a bot: `Some` when this door adopts the bot leg (it will render the
    /// leg's events); `None` leaves it to the next door, and in the end to the built-in responder.
    fn offer(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> Option<Adoption>;

    /// Any other engine event; `true` when it concerned a leg this door owns.
    fn event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool;

    /// A media stream's event (connected, failed, stopped); each door picks its own streams.
    fn stream_event(&mut self, _env: &DoorEnv<'_>, _event: &StreamEvent) {}

    /// A media signal of a conversation, as the media plane reported it, before the engine sees it.
    fn media_signal(
        &mut self,
        _env: &DoorEnv<'_>,
        _conversation: ConversationId,
        _signal: &MediaSignal,
    ) {
    }

    /// `self`, for [`CallRuntime::exec`](super::CallRuntime::exec) to find a door by its type.
    fn as_any(&mut self) -> &mut dyn Any;
}

/// The registered doors, in offer order, each with the dialect it is known by in metrics
/// (`graph`, `acs`; see [`crate::metrics`]).
#[derive(Default)]
pub struct Doors(Vec<(Box<dyn Door>, &'static str)>);

/// The dialect of a door registered with [`Doors::with`].
pub const OTHER_DIALECT: &str = "other";

impl Doors {
    /// Registers a door after the ones already there (its dialect is [`OTHER_DIALECT`]).
    pub fn with(self, door: impl Door) -> Doors {
        self.with_dialect(OTHER_DIALECT, door)
    }

    /// Registers a door after the ones already there, with the dialect its calls are counted
    /// under (a short snake-case name: it becomes a metric label).
    pub fn with_dialect(mut self, dialect: &'static str, door: impl Door) -> Doors {
        self.0.push((Box::new(door), dialect));
        self
    }

    /// The registered doors' dialects, in offer order.
    pub fn dialects(&self) -> Vec<&'static str> {
        self.0.iter().map(|(_, dialect)| *dialect).collect()
    }

    /// The door of type `D`, if registered.
    pub fn get_mut<D: Door>(&mut self) -> Option<&mut D> {
        self.0
            .iter_mut()
            .find_map(|(d, _)| d.as_any().downcast_mut::<D>())
    }

    /// Offers a call to the doors in order; what the door that adopted the bot leg said.
    pub fn offer(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> Option<Adoption> {
        self.offer_with_dialect(env, event)
            .map(|(adoption, _)| adoption)
    }

    /// Offers a call to the doors in order; what the door that adopted the bot leg said, and its
    /// dialect.
    pub fn offer_with_dialect(
        &mut self,
        env: &mut DoorEnv<'_>,
        event: &Event,
    ) -> Option<(Adoption, &'static str)> {
        self.0
            .iter_mut()
            .find_map(|(door, dialect)| door.offer(env, event).map(|adoption| (adoption, *dialect)))
    }

    /// Hands a (non-offer) engine event to every door; `true` when one owns its bot leg.
    pub fn event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        self.event_owner(env, event).is_some()
    }

    /// Hands a (non-offer) engine event to every door; the dialect of the first that owns its
    /// bot leg.
    pub fn event_owner(&mut self, env: &DoorEnv<'_>, event: &Event) -> Option<&'static str> {
        // Every door sees every event: a conversation can hold a Graph bot and an ACS connection.
        let mut owner = None;
        for (door, dialect) in &mut self.0 {
            if door.event(env, event) && owner.is_none() {
                owner = Some(*dialect);
            }
        }
        owner
    }

    /// Hands a media stream's event to every door.
    pub fn stream_event(&mut self, env: &DoorEnv<'_>, event: &StreamEvent) {
        if let crate::streaming::StreamEventKind::Failed { reason, .. } = &event.kind {
            tracing::info!(stream = event.stream.0, owner = event.owner, %reason, "media stream failed");
        }
        for (door, _) in &mut self.0 {
            door.stream_event(env, event);
        }
    }

    /// Hands a media signal to every door.
    pub fn media_signal(
        &mut self,
        env: &DoorEnv<'_>,
        conversation: ConversationId,
        signal: &MediaSignal,
    ) {
        for (door, _) in &mut self.0 {
            door.media_signal(env, conversation, signal);
        }
    }
}

/// What a door sees while it renders an event.
#[allow(dead_code)] // `now` is for doors with timers of their own.
pub struct DoorEnv<'a> {
    /// The time of the input that produced the event.
    pub now: Instant,
    /// The engine (read-only). A conversation that ended may already be released.
    pub engine: &'a Engine,
    /// The directory (display names, webhooks).
    pub directory: &'a DirectoryStore,
    /// Signalling headers of calls being placed, by conversation.
    pub headers: &'a mut HashMap<ConversationId, CallHeaders>,
}

impl DoorEnv<'_> {
    /// The headers the latest call placed in `conversation` (a dial, createCall, an added
    /// participant or a transfer target) was placed with; empty when none.
    pub fn call_headers(&self, conversation: ConversationId) -> CallHeaders {
        self.headers.get(&conversation).cloned().unwrap_or_default()
    }
}

/// The runtime's state that door code may touch, apart from the doors themselves.
pub struct Shared<'a> {
    pub now: Instant,
    pub engine: &'a mut Engine,
    pub directory: &'a DirectoryStore,
    /// Live conversations opened for a name (a meeting id), shared by every door and the
    /// simulated users that join them. An entry whose conversation has ended is stale: the next
    /// join opens a new conversation.
    pub named: &'a mut HashMap<String, ConversationId>,
    pub headers: &'a mut HashMap<ConversationId, CallHeaders>,
    pub ids: &'a mut dyn ringside_engine::IdSource,
}

/// What door code running in the runtime can do, with the door `D` it runs for. Built by the
/// runtime for one [`CallRuntime::exec`](super::CallRuntime::exec) closure.
pub struct DoorCtx<'a, D> {
    pub(super) shared: Shared<'a>,
    pub(super) door: &'a mut D,
}

// Part of the seam for every door; not every accessor is used by today's doors.
#[allow(dead_code)]
impl<D> DoorCtx<'_, D> {
    /// The time of this request.
    pub fn now(&self) -> Instant {
        self.shared.now
    }

    /// Applies a command to the engine (routing over the directory). Its events and actions are
    /// drained after the closure returns.
    pub fn command(&mut self, command: Command) -> Result<Ack, EngineError> {
        let Shared {
            now,
            engine,
            directory,
            ids,
            ..
        } = &mut self.shared;
        directory.read(|d| engine.handle_command(*now, command, &crate::routing::Routing(d), *ids))
    }

    /// A leg, while its conversation lasts.
    pub fn leg(&self, leg: LegId) -> Option<LegInfo> {
        self.shared.engine.leg(leg)
    }

    /// A conversation, while it lasts.
    pub fn conversation(&self, conversation: ConversationId) -> Option<ConversationInfo> {
        self.shared.engine.conversation(conversation)
    }

    /// The connected participants of a conversation.
    pub fn participants(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<Participant>, EngineError> {
        self.shared.engine.participants(conversation)
    }

    /// An operation, while its conversation lasts.
    pub fn operation(&self, operation: OperationId) -> Option<OperationInfo> {
        self.shared.engine.operation(operation)
    }

    /// The engine, read-only.
    pub fn engine(&self) -> &Engine {
        self.shared.engine
    }

    /// The directory.
    pub fn directory(&self) -> &DirectoryStore {
        self.shared.directory
    }

    /// The live conversation opened for `name` (a meeting), opening one in `tenant` when it has
    /// none (or only an ended one).
    pub fn named_conversation(
        &mut self,
        name: &str,
        tenant: TenantId,
    ) -> Result<ConversationId, EngineError> {
        if let Some(conversation) = self.shared.named.get(name) {
            if self.shared.engine.conversation(*conversation).is_some() {
                return Ok(*conversation);
            }
        }
        let Ack::Opened { conversation } = self.command(Command::OpenConversation { tenant })?
        else {
            return Err(EngineError::InvalidArgument(
                "the engine opened no conversation",
            ));
        };
        self.shared.named.insert(name.to_string(), conversation);
        Ok(conversation)
    }

    /// Records the signalling headers the calls just placed in `conversation` carry (they reach
    /// the door that is offered each of them, e.g. as an ACS IncomingCall's `customContext`); a
    /// placement without headers clears those of an earlier one.
    pub fn set_call_headers(&mut self, conversation: ConversationId, headers: CallHeaders) {
        if headers.is_empty() {
            self.shared.headers.remove(&conversation);
        } else {
            self.shared.headers.insert(conversation, headers);
        }
    }

    /// This door's state.
    pub fn door(&mut self) -> &mut D {
        self.door
    }

    /// This door's state and an environment for rendering, together.
    pub fn door_env(&mut self) -> (&mut D, DoorEnv<'_>) {
        (
            &mut *self.door,
            DoorEnv {
                now: self.shared.now,
                engine: self.shared.engine,
                directory: self.shared.directory,
                headers: &mut *self.shared.headers,
            },
        )
    }
}

/// A boxed door closure as carried by the runtime's mailbox: it finds its door in [`Doors`].
pub type DoorJob = Box<dyn for<'a> FnOnce(Shared<'a>, &'a mut Doors) + Send>;
