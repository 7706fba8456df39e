//! Ringside's call runtime: one tokio task owns the sans-IO call engine, drives it on real time, carries out
//! its actions (media through the media clock, simulated endpoints through [`sim`]), runs the
//! built-in responder for bots without a webhook, and answers requests (the platform API's, the doors') through an mpsc with oneshot
//! replies. Engine events are also published on a broadcast channel for the Graph
//! and ACS doors.
//!
//! Front doors plug in through [`door`]: their code runs inside the runtime task and they render
//! the events of the bot legs they own.
//!
//! Built-in responder: a call offered to a bot that no door adopts (no calling webhook, or no door
//! of its dialect yet) is answered after 500 ms by Ringside itself: it plays a
//! short generated announcement (three rising beeps and a burst of speech-like test signal, about
//! 2.3 s; no TTS), listens for DTMF from the start (each key lands in the bot leg's log as
//! `toneReceived`), and once the announcement has finished echoes back whatever it hears.
//!
//! A connected simulated endpoint without `hangupAfter` hangs up after one hour
//! ([`sim::SAFETY_HANGUP`]), so no conversation lasts for ever.
//!
//! Behaviours set with `PUT /ringside/v1/phones/{endpoint}/behaviour` live in memory only: a restart
//! forgets them (uploaded media persists in `<data-dir>/media`). Ended calls stay visible (logs,
//! recordings) for the last [`HISTORY`] conversations.
//!
//! What else lives here: the media services the doors share ([`services`]: the prompt fetcher,
//! uploaded media, recordResponse recordings, the media streaming service), the notification
//! outbox ([`outbox`]), the routing of dialled parties over the directory ([`routing`]) and the
//! signalling headers calls carry ([`headers`]). No HTTP server framework: the doors and the
//! platform API that serve HTTP build on this crate.

pub mod behaviour;
pub mod call_records;
pub mod clock;
pub mod cluster;
pub mod codes;
pub mod config;
pub mod door;
pub mod eventgrid;
pub mod external;
pub mod fetch;
pub mod files;
pub mod headers;
pub mod ids;
mod media;
pub mod media_store;
pub mod metrics;
pub mod node;
pub mod outbox;
pub mod recordings;
mod reply;
mod responder;
pub mod routing;
mod runtime;
pub mod services;
mod sim;
pub mod speech;
pub mod streaming;

pub use door::{Adoption, Door, DoorCtx, DoorEnv, Doors};
pub use media::MediaMode;
pub use node::{Node, NodeParts};
/// Live transcription (`runtime/transcribe.rs`).
pub use runtime::transcribe as transcription;
pub use runtime::{
    reason_name, Behaviours, CallError, CallRuntime, Reply, Request, Rung, RuntimeOptions, HISTORY,
    REQUEST_QUEUE,
};
