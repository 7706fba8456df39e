//! Ringside's media plane: every conversation's audio, mixed and processed in 20 ms batches per
//! shard ([`MediaPlane`], sans-IO), and the real-time [`MediaClock`] that ticks one plane per thread.
//!
//! # Shape
//!
//! - [`MediaPlane`] is a plain state machine for the conversations of one shard: feed it
//!   [`MediaCommand`]s with [`MediaPlane::handle`], call [`MediaPlane::tick`] once per 20 ms frame
//!   and it reports [`MediaOutput`]s. It never reads a clock; tests drive it on virtual time by
//!   calling `tick` N times. Per frame it does not allocate (buffers live in the conversation and
//!   are reused); memory per two-party conversation is a few KiB (see [`MediaPlane::footprint`]).
//! - [`MediaClock`] (module [`clock`]) is the one place with real time: one std thread per shard,
//!   ticking on absolute 20 ms deadlines, with conversations assigned to shards by a hash of their
//!   id ([`shard_of`]). The server starts it once with `shards = available cores`, sends commands
//!   with [`MediaClock::send`] (or a cloned [`MediaSender`]) and receives outputs in the sink
//!   closure, on the shard threads (keep the sink short: push into a channel).
//!   [`MediaClock::start_with`] and [`ClockOptions::realtime_priority`] run the shard threads at
//!   `SCHED_FIFO` priority, which on a shared machine is what keeps p99 lateness under 2 ms.
//! - [`ManualClock`] is the same shards without threads, for tests on virtual time: the caller
//!   runs every due 5 ms sub-tick with [`ManualClock::tick_until`]`(now)` (same plane code, same
//!   phase order) and asks [`ManualClock::next_deadline`] when to call next. [`MediaDriver`]
//!   holds either clock behind one command/output surface.
//!
//! # Commands
//!
//! Engine media actions translate one to one ([`MediaCommand::from_action`] does it, resolving
//! `MediaRef`s through the server's cache): `CreateMix`, `DestroyMix`, `ConnectMedia`,
//! `DisconnectMedia`, `SetMuted`, `StartPrompt` / `StopPrompt`, `StartRecording` / `StopRecording`,
//! `StartToneDetection` / `StopToneDetection`, `SendDtmf`, `StartHoldMusic` / `StopHoldMusic`.
//! Simulated endpoints (phones, users, the echo responder) drive their own leg with
//! `EndpointPlay`, `EndpointPress` (in-band or out-of-band keys), `EndpointTestTone`,
//! `EndpointSilence`, `EndpointRecord`, `EndpointDetect` and `EndpointEcho`. Real legs (a SIP
//! gateway's calls) bring their RTP with `AttachRtp`, `UpdateRtp`, `SendRtpDtmf` and `DetachRtp`
//! (module [`rtp`]): the shard reads and writes their sockets on its clock thread, once per frame,
//! and they are mixed, prompted, recorded, streamed and DTMF-detected like every other leg;
//! RFC 4733 keys come out as [`EndpointEvent::KeyPressed`] (out-of-band), and
//! [`EndpointEvent::RtpTimeout`], [`EndpointEvent::RtpBye`] and [`EndpointEvent::RtpDetached`]
//! tell the gateway about the session; [`ClockStats::rtp`] counts packets.
//!
//! # Semantics
//!
//! - **Mix**: each connected leg hears every other connected, unmuted, not-held leg (N-1). A held
//!   leg leaves the mix and hears hold music (default [`ringside_audio::hold_music`]).
//! - **Prompts**: a bot leg's prompt with `Audience::Conversation` goes into the mix as the bot's
//!   voice (everyone but the bot hears it); with `Audience::Legs` only the listed legs hear it.
//!   `PromptStarted` with its first frame (a prompt stopped before it sounded never starts) and
//!   `PromptFinished { ok: true }` after the last prompt (looped prompts play until stopped).
//! - **Recording** (recordResponse): what the bot leg hears, after the optional prompt and beep,
//!   with the engine's `RecordOptions` (initial silence, max silence, max duration, stop tones).
//!   `RecordingEnded { recording: Some(handle) }` where the handle is the operation id as a
//!   string; the WAV waits in an outbox: [`MediaPlane::take_recording`] /
//!   [`MediaClock::take_recording`] (the clock publishes it before the sink sees the signal).
//! - **DTMF detection** runs on every mixed leg's inbound audio, always (recognize and stop tones
//!   need it even without a subscription): on what the leg's participant sends (a simulated
//!   endpoint's playback, test tone, echo and in-band keys; a bot's `SendDtmf` keys), not on the
//!   prompt files a bot plays. `ToneDetected { leg }` names the leg the key came from, and the
//!   engine decides who is told. Muted and held legs are not heard, so not detected.
//! - **SendDtmf** renders the keys in-band into the bot's voice (or, with an audience, privately
//!   into what that one leg hears, as ACS sends tones to a target participant) and reports
//!   `DtmfSent` after the last key's pause.
//! - **Endpoints**: times in [`EndpointEvent`] are the leg's media time in ms (since the plane
//!   first saw the leg). Their recordings come back as [`EndpointEvent::Recording`] when stopped,
//!   when the leg disconnects or when the mix is destroyed.
//! - Unknown conversations, legs and operations are ignored (never a panic); an operation started
//!   on an unknown conversation reports failure so the engine never waits forever.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use ringside_audio::{testsignal, Prompt};
//! use ringside_engine::{Audience, ConversationId, LegId, MediaSignal, OperationId};
//! use ringside_media::{MediaCommand, MediaOutput, MediaPlane};
//! use ringside_model::Guid;
//!
//! let (conversation, bot, phone, op) = (
//!     ConversationId(Guid::from_u128(1)),
//!     LegId(Guid::from_u128(2)),
//!     LegId(Guid::from_u128(3)),
//!     OperationId(Guid::from_u128(4)),
//! );
//! let mut plane = MediaPlane::new();
//! plane.handle(MediaCommand::CreateMix { conversation });
//! plane.handle(MediaCommand::ConnectMedia { conversation, leg: bot });
//! plane.handle(MediaCommand::ConnectMedia { conversation, leg: phone });
//! let prompt = Arc::new(Prompt::from_samples(testsignal::sine(440.0, -12.0, 16_000)));
//! plane.handle(MediaCommand::StartPrompt {
//!     conversation, leg: bot, operation: op, prompts: vec![prompt],
//!     audience: Audience::Conversation, looped: false,
//! });
//! let mut outputs = Vec::new();
//! for _ in 0..60 {
//!     plane.tick(&mut |o| outputs.push(o)); // 60 frames = 1.2 s of virtual time
//! }
//! assert!(outputs.contains(&MediaOutput::Engine {
//!     conversation,
//!     signal: MediaSignal::PromptFinished { operation: op, ok: true },
//! }));
//! ```
//!
//! - **Media streams** ([`stream`]): `StartStream` taps a bot leg: per tick, what it hears (mixed) or
//!   each other participant's voice (unmixed, up to four), at 16 kHz or 24 kHz (band-limited
//!   [`ringside_audio::StreamResampler`], 1.375 ms filter delay each way), all of one tick's frames of a shard in one [`MediaOutput::StreamFrames`]
//!   batch, each with a silent flag. `StreamAudio` queues the app's audio behind a 40 ms jitter
//!   buffer (60 s cap, oldest dropped and counted) and plays it in real time as the bot leg's
//!   voice; `ClearStreamAudio` (the app's `StopAudio`) discards the queue at once.
//!   `StopStream`, the bot leg disconnecting or the mix being destroyed report
//!   [`MediaOutput::StreamStopped`] with counters.
//!
//! # Other modules
//!
//! [`histogram`] (fixed-bucket lateness histogram), [`procfs`] (thread/process CPU time and RSS
//! from `/proc`), [`scenario`] (the load scenario shared by `benches/plane.rs` and
//! `examples/media_soak.rs`; figures in `docs/benchmarks.md`).
//!
//! # Invariant
//!
//! Depends on `std`, `ringside-model`, `ringside-audio`, `ringside-engine` and `ringside-rtp`, plus
//! (for the clock threads only) `thread-priority` for `SCHED_FIFO` and `tracing` for the warning
//! when it is not permitted: no tokio, axum, hyper, reqwest or rusqlite. The plane is sans-IO; only
//! [`clock`] touches threads, time and `/proc` (for its statistics), and only the shard's sub-tick
//! (module [`rtp`], called from both clocks) touches the RTP legs' std `UdpSocket`s.

pub mod clock;
mod command;
mod driver;
pub mod histogram;
mod manual;
mod plane;
pub mod procfs;
pub mod rtp;
pub mod rtp_types;
pub mod scenario;
mod shard;
mod stats;
pub mod stream;

pub use clock::{shard_of, ClockOptions, ClockStats, MediaClock, MediaSender, ShardStats, PHASES};
pub use command::{EndpointEvent, FromAction, MediaCommand, MediaOutput};
pub use driver::MediaDriver;
pub use histogram::Histogram;
pub use manual::ManualClock;
pub use plane::{beep, phase_of, MediaPlane, MAX_ENDPOINT_RECORDING, MAX_LEGS, TEST_TONE_HZ};
pub use rtp::{RtpCodec, RtpConfig, RtpDirection, RtpStats, RtpTransport, SrtpKeys};
pub use stats::{RtpDropped, RtpFigures};
pub use stream::{
    StreamChannel, StreamCounters, StreamFrame, StreamId, StreamRate, JITTER_FRAMES,
    MAX_QUEUED_FRAMES, MAX_RECORDING_CHANNELS, MAX_UNMIXED_CHANNELS,
};
