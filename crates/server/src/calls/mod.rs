//! The call runtime: one tokio task owns the sans-IO call engine, drives it on real time, carries out
//! its actions (media through the media clock, simulated endpoints through [`sim`]), runs the
//! built-in responder for bots without a webhook, and answers the REST API ([`api`]) through an
//! mpsc with oneshot replies. Engine events are also published on a broadcast channel for the Graph
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
//! recordings) for the last [`runtime::HISTORY`] conversations.

pub(crate) mod api;
pub mod behaviour;
pub(crate) mod door;
pub(crate) mod fetch;
pub(crate) mod headers;
mod media;
pub(crate) mod media_services;
pub(crate) mod media_store;
pub(crate) mod recordings;
mod responder;
pub(crate) mod routing;
mod runtime;
pub(crate) mod sim;

pub(crate) use runtime::{CallError, CallRuntime};
