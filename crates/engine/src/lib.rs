//! Sans-IO call engine: conversations, legs, routing, operations and timers on explicit time.
//!
//! One [`Engine`] owns every conversation. A **conversation** (Graph `callChainId`, ACS
//! `serverCallId`) holds **legs**, one per endpoint — a bot, a directory user, a phone number, an
//! ACS identity — and one media mix. A Graph `call` and an ACS `callConnection` are a bot's leg.
//! The engine knows nothing of JSON, HTTP, sockets or clocks.
//!
//! # Driving contract
//!
//! The shell (the server) owns the engine and repeats, on one task:
//!
//! 1. **Mutate** with exactly one input, always passing the current time:
//!    - [`Engine::handle_command`] — a front door's request or a simulated endpoint dialling,
//!      with a [`Directory`] (pure routing lookup) and an [`IdSource`] (ids for anything created);
//!    - [`Engine::handle_endpoint`] — a simulated user/phone answered, refused, hung up, pressed keys;
//!    - [`Engine::handle_media`] — the audio engine finished a prompt, ended a recording, heard a tone;
//!    - [`Engine::handle_timeout`] — the deadline from `poll_timeout` has passed.
//!
//!    Every `handle_*` first fires timers due at `now`, so a late timer never lets a stale
//!    command through. Refused inputs return an [`EngineError`] and change nothing.
//! 2. **Drain** the outputs until they return `None`: [`Engine::poll_event`] (render as Graph
//!    notifications / ACS CloudEvents into the outbox, for bot legs of that dialect) and
//!    [`Engine::poll_action`] (tell the media clock and the simulated endpoints what to do).
//! 3. **Sleep** until [`Engine::poll_timeout`] or the next input, whichever comes first.
//!
//! Nothing inside reads a clock, draws randomness or invents ids, so tests jump virtual time to
//! `poll_timeout()`: a 45-minute keepAlive expiry is a microsecond test.
//!
//! # Semantics in brief
//!
//! - Routing: each new leg's party is routed once with [`Directory::route`] → [`Route`]; bots are
//!   offered the call ([`Event::CallOffered`], answer deadline 15 s), simulated endpoints are rung
//!   ([`Action::RingEndpoint`], ring timeout 60 s), unroutable targets fail with
//!   [`EndReason::Unreachable`].
//! - Leg states ([`LegState`]) and reasons ([`EndReason`], [`Outcome`], [`TransferFailure`]) are
//!   neutral; each front door maps them to its own wire values (Graph `callState`/`resultInfo`,
//!   ACS `callConnectionState`/`resultInformation`).
//! - Two-party calls end for the other side when one side leaves; group calls (several targets,
//!   an invite, or a bot joining with [`Command::Join`]) continue until one participant is left
//!   alone with nobody ringing. Nothing is reported to a bot leg after its `terminated` event.
//! - Operations (media and participant) carry an id, a client context and a status, and end with
//!   exactly one [`Event::OperationCompleted`].
//! - playPrompt, recordResponse and (ACS) DTMF recognize share one queue per bot leg;
//!   cancelMediaProcessing fails the running and queued ones with `400/8508`; subscribeToTone
//!   and sendDtmf run beside the queue. The recognize timers (initial silence, inter-key)
//!   are engine timers; recording silence limits are the audio engine's.
//! - A bot leg that must be kept alive ([`BotIdentity::keep_alive`]: Graph's calls) ends 45 min
//!   after its last keep-alive.
//! - Redirect keeps the bot's leg `redirecting` while the targets ring (first answer wins); the
//!   redirect timeout (15–90 s) ends it with [`EndReason::RedirectTimeout`].
//! - Transfer: `transferring` → `transferAccepted` → `terminated` ([`EndReason::Transferred`]),
//!   or back to `established` with [`Event::LegStateChanged::transfer_failed`] set. A target
//!   with `replaces` (consultative transfer, invite with `replacesCallId`) moves the other call's
//!   participant in and ends that call with [`EndReason::Replaced`].
//!
//! # Outputs at a glance
//!
//! Events: [`Event::CallOffered`], [`Event::LegStateChanged`], [`Event::RosterChanged`],
//! [`Event::OperationCompleted`], [`Event::ToneReceived`], [`Event::TransferAccepted`],
//! [`Event::TransferFailed`], [`Event::ParticipantAdded`], [`Event::ParticipantAddFailed`],
//! [`Event::ParticipantRemoved`].
//!
//! Actions: mix lifecycle ([`Action::CreateMix`], [`Action::DestroyMix`]), simulated endpoints
//! ([`Action::RingEndpoint`], [`Action::DisconnectEndpoint`]), leg media
//! ([`Action::ConnectMedia`], [`Action::DisconnectMedia`], [`Action::SetMuted`]), prompts and
//! recordings ([`Action::StartPrompt`], [`Action::StopPrompt`], [`Action::StartRecording`],
//! [`Action::StopRecording`]), DTMF ([`Action::StartToneDetection`],
//! [`Action::StopToneDetection`], [`Action::SendDtmf`]) and hold music
//! ([`Action::StartHoldMusic`], [`Action::StopHoldMusic`]).
//!
//! Offering a call to a bot is an event, not an action: everything addressed to a bot goes
//! through the notification outbox; actions are only for the media clock and the simulated
//! endpoints.

mod command;
mod config;
mod directory;
mod engine;
mod error;
mod ids;
mod output;
mod reason;
mod signal;
mod state;

pub use command::{
    Ack, Command, MediaRef, OperationInfo, OperationKind, RecognizeOptions, RecordOptions,
    SpeechChoice, SpeechOptions, Target, TransferScope,
};
pub use config::{limits, EngineConfig};
pub use directory::{Directory, Route};
pub use engine::{ConversationInfo, Engine, LegInfo};
pub use error::EngineError;
pub use ids::{ConversationId, IdSource, LegId, OperationId, SequentialIds};
pub use output::{Action, Audience, Event, OfferKind, Participant};
pub use reason::{EndReason, OperationStatus, Outcome, RejectReason, TransferFailure};
pub use signal::{EndpointSignal, Heard, MediaSignal, RecordingEnd, Refusal};
pub use state::{BotIdentity, Direction, Endpoint, LegState};
