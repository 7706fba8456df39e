//! The seam between the call runtime and the front doors (Graph, later ACS): door code runs
//! *inside* the runtime task through [`CallRuntime::exec`](super::CallRuntime::exec) with a
//! [`DoorCtx`], and bot-leg engine events reach the door that owns the leg through [`Doors`].
//!
//! # Running door code in the runtime
//!
//! ```ignore
//! let result = state.calls().exec(move |ctx: &mut DoorCtx<'_>| {
//!     let ack = ctx.command(Command::KeepAlive { leg })?;      // engine change
//!     ctx.doors().graph.get_mut(leg)...;                       // door table change
//!     Ok::<_, EngineError>(ack)
//! }).await?;
//! ```
//!
//! The closure runs on the runtime task, so the door's table and the engine change together and
//! no other request interleaves. [`DoorCtx::command`] applies a command at once and returns its
//! [`Ack`]; the outputs it produces (events, actions) are drained **after the closure returns**,
//! in engine order. So a door records what the `Ack` created (a new call's id, its callbackUri,
//! an operation answered as already completed) before any event about it is rendered.
//!
//! # How events reach a door
//!
//! While the runtime drains engine events it calls [`Doors::offer`] for each
//! [`Event::CallOffered`]: a door adopts the offered bot leg (returns `true`) when the bot is of
//! its dialect and reachable (a webhook); otherwise the built-in responder answers. Every other
//! event goes to [`Doors::event`], and each door renders the events of the bot legs it adopted
//! (or created) into the notification outbox. A door sees each event with a [`DoorEnv`]: `now`,
//! read access to the engine and to the directory.

use std::time::Instant;

use ringside_engine::{
    Ack, Command, ConversationId, ConversationInfo, Engine, EngineError, Event, LegId, LegInfo,
    OperationId, OperationInfo, Participant,
};
use ringside_store::DirectoryStore;

use crate::graph::calls::GraphCalls;

/// Every front door's call state, owned by the runtime task.
pub(crate) struct Doors {
    /// The Graph `/communications/calls` door.
    pub(crate) graph: GraphCalls,
    /// The ACS Call Automation door's call connections.
    pub(crate) acs: crate::acs::calls::AcsCalls,
    /// Live meeting conversations by meeting id (`graph::meetings`), shared by every door and
    /// the simulated users that join meetings. An entry whose conversation has ended is stale:
    /// the next join opens a new conversation.
    pub(crate) meetings: std::collections::HashMap<String, ConversationId>,
    /// The WebSocket transport for Graph app-hosted media (`None`: app-hosted calls get no
    /// media connection, as in unit tests).
    pub(crate) raw_media: Option<super::raw_media::RawMedia>,
}

impl Doors {
    /// Offers a call to the doors; `true` when one adopted the bot leg.
    pub(crate) fn offer(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        self.graph.offer(env, event) || self.acs.offer(env, event)
    }

    /// Hands a media stream's event to the door that started it (runs in the runtime task).
    /// Graph app-hosted media has nothing to notify (the call goes on without media); the ACS
    /// door renders MediaStreamingStarted/Stopped/Failed from these.
    pub(crate) fn stream_event(
        &mut self,
        env: &DoorEnv<'_>,
        event: &crate::streaming::StreamEvent,
    ) {
        if event.owner == crate::streaming::StreamOwner::Acs {
            self.acs.stream_event(env, event);
        }
        if let crate::streaming::StreamEventKind::Failed { reason, .. } = &event.kind {
            tracing::info!(stream = event.stream.0, owner = ?event.owner, %reason, "media stream failed");
        }
    }

    /// Hands a (non-offer) engine event to the doors; `true` when a door owns its bot leg.
    pub(crate) fn event(&mut self, env: &DoorEnv<'_>, event: &Event) -> bool {
        // Both see every event: a conversation can hold a Graph bot and an ACS connection.
        let graph = self.graph.event(env, event);
        let acs = self.acs.event(env, event);
        graph || acs
    }
}

/// What a door sees while it renders an event.
#[allow(dead_code)] // `now` is for doors with their own timers (ACS).
pub(crate) struct DoorEnv<'a> {
    /// The time of the input that produced the event.
    pub(crate) now: Instant,
    /// The engine (read-only). A conversation that ended may already be released.
    pub(crate) engine: &'a Engine,
    /// The directory (display names, webhooks).
    pub(crate) directory: &'a DirectoryStore,
}

/// What door code running in the runtime can do. Built by the runtime for one
/// [`CallRuntime::exec`](super::CallRuntime::exec) closure.
pub(crate) struct DoorCtx<'a> {
    pub(super) now: Instant,
    pub(super) engine: &'a mut Engine,
    pub(super) directory: &'a DirectoryStore,
    pub(super) doors: &'a mut Doors,
}

// Part of the seam for every door; not every accessor is used by the Graph door yet.
#[allow(dead_code)]
impl DoorCtx<'_> {
    /// The time of this request.
    pub(crate) fn now(&self) -> Instant {
        self.now
    }

    /// Applies a command to the engine (routing over the directory, random ids). Its events and
    /// actions are drained after the closure returns.
    pub(crate) fn command(&mut self, command: Command) -> Result<Ack, EngineError> {
        let now = self.now;
        let engine = &mut *self.engine;
        self.directory.read(|d| {
            engine.handle_command(
                now,
                command,
                &super::routing::Routing(d),
                &mut super::routing::RandomIds,
            )
        })
    }

    /// A leg, while its conversation lasts.
    pub(crate) fn leg(&self, leg: LegId) -> Option<LegInfo> {
        self.engine.leg(leg)
    }

    /// A conversation, while it lasts.
    pub(crate) fn conversation(&self, conversation: ConversationId) -> Option<ConversationInfo> {
        self.engine.conversation(conversation)
    }

    /// The connected participants of a conversation.
    pub(crate) fn participants(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<Participant>, EngineError> {
        self.engine.participants(conversation)
    }

    /// An operation, while its conversation lasts.
    pub(crate) fn operation(&self, operation: OperationId) -> Option<OperationInfo> {
        self.engine.operation(operation)
    }

    /// The engine, read-only.
    pub(crate) fn engine(&self) -> &Engine {
        self.engine
    }

    /// The directory.
    pub(crate) fn directory(&self) -> &DirectoryStore {
        self.directory
    }

    /// Every door's state.
    /// The live conversation of a meeting, opening one in `tenant` when it has none (or only an
    /// ended one).
    pub(crate) fn meeting_conversation(
        &mut self,
        meeting: &str,
        tenant: ringside_model::TenantId,
    ) -> Result<ConversationId, EngineError> {
        if let Some(conversation) = self.doors.meetings.get(meeting) {
            if self.engine.conversation(*conversation).is_some() {
                return Ok(*conversation);
            }
        }
        let Ack::Opened { conversation } = self.command(Command::OpenConversation { tenant })?
        else {
            return Err(EngineError::InvalidArgument(
                "the engine opened no conversation",
            ));
        };
        self.doors
            .meetings
            .insert(meeting.to_string(), conversation);
        Ok(conversation)
    }

    pub(crate) fn doors(&mut self) -> &mut Doors {
        self.doors
    }

    /// The Graph door's state.
    pub(crate) fn graph(&mut self) -> &mut GraphCalls {
        &mut self.doors.graph
    }

    /// The Graph door's state and an environment for rendering, together.
    pub(crate) fn graph_env(&mut self) -> (&mut GraphCalls, DoorEnv<'_>) {
        (
            &mut self.doors.graph,
            DoorEnv {
                now: self.now,
                engine: self.engine,
                directory: self.directory,
            },
        )
    }
}

/// A boxed door closure as carried by the runtime's mailbox.
pub(crate) type DoorJob = Box<dyn FnOnce(&mut DoorCtx<'_>) + Send>;
