//! The media plane's vocabulary: [`MediaCommand`] in, [`MediaOutput`] / [`EndpointEvent`] out, and
//! the translation of the engine's media [`Action`]s into commands ([`MediaCommand::from_action`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ringside_audio::Prompt;
use ringside_engine::{
    Action, Audience, ConversationId, LegId, MediaRef, MediaSignal, OperationId, RecordOptions,
};
use ringside_model::Tone;

use crate::rtp_types::{RtpDirection, RtpStats, RtpTransport, SrtpKeys};
use crate::stream::{StreamChannel, StreamCounters, StreamFrame, StreamId, StreamRate};

/// What a leg that put the call on hold hears: one silent frame, looped (shared).
fn hold_silence() -> Arc<Prompt> {
    static SILENCE: std::sync::OnceLock<Arc<Prompt>> = std::sync::OnceLock::new();
    SILENCE
        .get_or_init(|| {
            Arc::new(Prompt::from_samples(vec![
                0i16;
                ringside_audio::FRAME_SAMPLES
            ]))
        })
        .clone()
}

/// Everything the media plane can be asked to do. The first group mirrors the engine's media
/// [`Action`]s with prompts already resolved to decoded audio; the `Endpoint*` group is the
/// simulated-endpoint runtime driving a simulated phone's (or user's) leg.
///
/// Commands naming an unknown conversation, leg or operation are ignored.
#[derive(Clone, Debug)]
pub enum MediaCommand {
    /// Create the conversation's mix (idempotent).
    CreateMix {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Release the conversation and everything in it. Running endpoint recordings are delivered
    /// ([`EndpointEvent::Recording`]); running prompts, bot recordings and DTMF are dropped without
    /// signals (the engine has already finished their operations).
    DestroyMix {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Connect a leg's audio to the mix (creates the leg if needed).
    ConnectMedia {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// Disconnect a leg and forget it: its endpoint recording is delivered, its prompts, bot
    /// recordings and DTMF are dropped without signals.
    DisconnectMedia {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// Drop (or stop dropping) a leg's inbound audio. A muted leg still hears the others.
    SetMuted {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Muted or not.
        muted: bool,
    },
    /// A bot leg plays prompts (in order, optionally looped) to its audience; reports
    /// [`MediaSignal::PromptFinished`] `{ ok: true }` when the last one has played (never for a looped
    /// one, which plays until [`MediaCommand::StopPrompt`]).
    StartPrompt {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg that plays.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Decoded prompts, in order.
        prompts: Vec<Arc<Prompt>>,
        /// Who hears it: everyone but the bot (through the mix), or only the listed legs.
        audience: Audience,
        /// Repeat the whole list until stopped.
        looped: bool,
    },
    /// Stop a prompt early (no signal).
    StopPrompt {
        /// The conversation.
        conversation: ConversationId,
        /// The operation.
        operation: OperationId,
    },
    /// Record what a bot leg hears with Graph recordResponse semantics: play `prompt` (if any) and
    /// a beep (if `options.play_beep`) to the conversation, then record with the initial-silence,
    /// max-silence, max-duration limits and stop tones of `options`. Reports
    /// [`MediaSignal::RecordingEnded`] whose `recording` handle is the operation id as a string; the
    /// WAV bytes wait in the outbox ([`crate::MediaPlane::take_recording`],
    /// [`crate::MediaClock::take_recording`]).
    StartRecording {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Limits, stop tones, beep.
        options: RecordOptions,
        /// `options.prompt`, resolved (`None` if there is none or it could not be loaded).
        prompt: Option<Arc<Prompt>>,
    },
    /// Stop a recording; it still reports RecordingEnded (`Stopped`) with its handle.
    StopRecording {
        /// The conversation.
        conversation: ConversationId,
        /// The operation.
        operation: OperationId,
    },
    /// A bot leg subscribes to tones. DTMF is detected on every connected leg's inbound audio at
    /// all times (so recognize and stop tones work without a subscription; prompt files a bot
    /// plays are not scanned); this only records the subscription for introspection
    /// ([`crate::MediaPlane::is_subscribed`]).
    StartToneDetection {
        /// The conversation.
        conversation: ConversationId,
        /// The subscribing bot leg.
        leg: LegId,
    },
    /// The subscription ends.
    StopToneDetection {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg.
        leg: LegId,
    },
    /// A bot leg sends DTMF in-band into the mix (100 ms tones, `delay_between` pauses, at least
    /// 40 ms), or to one leg only; reports [`MediaSignal::DtmfSent`] after the last key and its
    /// pause.
    SendDtmf {
        /// The conversation.
        conversation: ConversationId,
        /// The sending bot leg.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Keys.
        tones: Vec<Tone>,
        /// Pause after each key.
        delay_between: Duration,
        /// `None`: into the mix; `Some`: only this leg hears the keys (no one detects them as
        /// sent by the bot).
        audience: Option<LegId>,
    },
    /// Put a leg on hold: it leaves the mix (neither hears nor is heard) and hears `music` looped
    /// (default: [`ringside_audio::hold_music`]).
    StartHoldMusic {
        /// The conversation.
        conversation: ConversationId,
        /// The held leg.
        leg: LegId,
        /// Custom music, resolved.
        music: Option<Arc<Prompt>>,
    },
    /// Take a leg off hold: back into the mix.
    StopHoldMusic {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// A simulated endpoint plays audio into the call now, replacing anything it was playing
    /// (including a test tone); reports [`EndpointEvent::PlayFinished`] when it has played.
    EndpointPlay {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// What to play.
        prompt: Arc<Prompt>,
    },
    /// A simulated endpoint presses keys (100 ms tone, 60 ms pause each). In-band keys are
    /// generated as audio into the call; out-of-band keys make no sound and the runtime forwards
    /// each [`EndpointEvent::KeyPressed`] to the engine as `EndpointSignal::Digits`. Reports
    /// [`EndpointEvent::PressFinished`] after the last key. Keys queue behind keys still sounding.
    EndpointPress {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// Keys.
        tones: Vec<Tone>,
        /// In-band (audio) or out-of-band (events only).
        in_band: bool,
    },
    /// A simulated endpoint plays a 1004 Hz test tone at -16 dBFS for `duration` (the TTS-free
    /// "speech"), replacing anything it was playing; reports [`EndpointEvent::PlayFinished`].
    EndpointTestTone {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// How long.
        duration: Duration,
    },
    /// A simulated endpoint stops playing and pressing (no PlayFinished/PressFinished).
    EndpointSilence {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
    },
    /// Start or stop recording what a simulated endpoint hears. Stopping (or the leg leaving, or
    /// the mix being destroyed) reports [`EndpointEvent::Recording`] with a 16 kHz mono WAV.
    /// Recordings are capped at [`crate::MAX_ENDPOINT_RECORDING`].
    EndpointRecord {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// Start (true) or stop (false).
        enabled: bool,
    },
    /// Turn a simulated endpoint's detection log on or off: DTMF it hears
    /// ([`EndpointEvent::ToneHeard`]) and audio starting/stopping ([`EndpointEvent::AudioStarted`],
    /// [`EndpointEvent::AudioStopped`], with hysteresis).
    EndpointDetect {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// On or off.
        enabled: bool,
    },
    /// Start a media stream tap on a bot leg: from the next tick, every 20 ms frame of what the
    /// leg hears (mixed) or of each other participant's voice (unmixed, up to four) comes out in
    /// that tick's [`MediaOutput::StreamFrames`] batch. Restarting an existing id replaces it.
    StartStream {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg whose view the stream is.
        leg: LegId,
        /// The stream's id (unique per plane, chosen by the caller).
        stream: StreamId,
        /// Mixed or unmixed.
        channel: StreamChannel,
        /// 16 or 24 kHz.
        rate: StreamRate,
    },
    /// Stop a stream; reports [`MediaOutput::StreamStopped`] with its counters.
    StopStream {
        /// The conversation.
        conversation: ConversationId,
        /// The stream.
        stream: StreamId,
    },
    /// Audio from the app (PCM s16 at the stream's rate, any length): queued behind a 40 ms
    /// jitter buffer and played into the call in real time as the stream's bot leg's voice
    /// (everyone else hears it). Up to [`crate::MAX_QUEUED_FRAMES`] wait; beyond, the oldest are
    /// dropped and counted.
    StreamAudio {
        /// The conversation.
        conversation: ConversationId,
        /// The stream.
        stream: StreamId,
        /// Samples.
        samples: Vec<i16>,
    },
    /// Who hears whom beyond the main mix (Graph audio routing groups): the legs taken out of the
    /// main mix (they hear and are heard only through routes) and the private routes
    /// `(source, receiver)`. Replaces what was set before; both empty restore the plain mix.
    SetAudioRouting {
        /// The conversation.
        conversation: ConversationId,
        /// Legs out of the main mix.
        out_of_main: Vec<LegId>,
        /// `(source, receiver)` pairs.
        routes: Vec<(LegId, LegId)>,
    },
    /// The app's `StopAudio`: its queued audio is discarded at once (barge-in) and counted.
    ClearStreamAudio {
        /// The conversation.
        conversation: ConversationId,
        /// The stream.
        stream: StreamId,
    },
    /// Echo mode for the built-in echo/announcement responder: the leg sends back what it heard
    /// one frame (20 ms) earlier, mixed with whatever else it plays.
    EndpointEcho {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// On or off.
        enabled: bool,
    },
    /// A real leg's RTP (a SIP call's media): from now on the leg's voice into the call is what
    /// its RTP session's jitter buffer plays out, and what the leg hears (its N-1 mix, private
    /// prompts, hold music, …) is encoded and sent to it, one packet per 20 ms frame. The shard
    /// owns the sockets from now on and reads and writes them on its clock thread (see
    /// [`crate::rtp`]). Works before or after `ConnectMedia` (the leg is created if needed); the
    /// conversation must exist, otherwise the transport is dropped at once with
    /// [`EndpointEvent::RtpDetached`]. Attaching again replaces the previous transport (which
    /// reports `RtpDetached`).
    AttachRtp {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Its sockets and negotiated session.
        transport: Box<RtpTransport>,
    },
    /// A re-INVITE's new SDP for an RTP leg: the remote address (latching opens again when it
    /// changes), the direction (hold) and the SDES keys (`None`: plain RTP).
    UpdateRtp {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// The SDP's RTP address.
        remote_rtp: SocketAddr,
        /// The SDP's RTCP address (`None` with rtcp-mux).
        remote_rtcp: Option<SocketAddr>,
        /// What this leg does now (see [`RtpDirection`]).
        direction: RtpDirection,
        /// The keys, or `None` for plain RTP.
        srtp: Option<SrtpKeys>,
    },
    /// Keys sent to an RTP leg's phone as RFC 4733 telephone-events (nothing if telephone-event
    /// was not negotiated; keys wait while the leg does not send).
    SendRtpDtmf {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Keys.
        tones: Vec<Tone>,
    },
    /// Ends a leg's RTP: an RTCP BYE goes out, the sockets are dropped and
    /// [`EndpointEvent::RtpDetached`] reports the session's figures. The leg stays in the call
    /// (silent). `DisconnectMedia` and `DestroyMix` imply it.
    DetachRtp {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
}

impl MediaCommand {
    /// The conversation the command is about (the media clock shards by it).
    pub fn conversation(&self) -> ConversationId {
        match self {
            MediaCommand::CreateMix { conversation }
            | MediaCommand::DestroyMix { conversation }
            | MediaCommand::ConnectMedia { conversation, .. }
            | MediaCommand::DisconnectMedia { conversation, .. }
            | MediaCommand::SetMuted { conversation, .. }
            | MediaCommand::StartPrompt { conversation, .. }
            | MediaCommand::StopPrompt { conversation, .. }
            | MediaCommand::StartRecording { conversation, .. }
            | MediaCommand::StopRecording { conversation, .. }
            | MediaCommand::StartToneDetection { conversation, .. }
            | MediaCommand::StopToneDetection { conversation, .. }
            | MediaCommand::SendDtmf { conversation, .. }
            | MediaCommand::StartHoldMusic { conversation, .. }
            | MediaCommand::StopHoldMusic { conversation, .. }
            | MediaCommand::EndpointPlay { conversation, .. }
            | MediaCommand::EndpointPress { conversation, .. }
            | MediaCommand::EndpointTestTone { conversation, .. }
            | MediaCommand::EndpointSilence { conversation, .. }
            | MediaCommand::EndpointRecord { conversation, .. }
            | MediaCommand::StartStream { conversation, .. }
            | MediaCommand::StopStream { conversation, .. }
            | MediaCommand::StreamAudio { conversation, .. }
            | MediaCommand::ClearStreamAudio { conversation, .. }
            | MediaCommand::SetAudioRouting { conversation, .. }
            | MediaCommand::EndpointDetect { conversation, .. }
            | MediaCommand::EndpointEcho { conversation, .. }
            | MediaCommand::AttachRtp { conversation, .. }
            | MediaCommand::UpdateRtp { conversation, .. }
            | MediaCommand::SendRtpDtmf { conversation, .. }
            | MediaCommand::DetachRtp { conversation, .. } => *conversation,
        }
    }

    /// Translates an engine [`Action`] for the media plane, resolving every [`MediaRef`] with
    /// `resolve` (the server's URI/upload cache; `None` = could not be loaded).
    ///
    /// - Media actions become [`FromAction::Command`].
    /// - A `StartPrompt` with any prompt that does not resolve becomes
    ///   [`FromAction::Signal`]`(PromptFinished { ok: false })` for the shell to feed back to the
    ///   engine (nothing is played).
    /// - A recording prompt or hold music that does not resolve is left out (recording without a
    ///   prompt; default hold music).
    /// - `RingEndpoint` / `DisconnectEndpoint` and the speech recognizer's `StartListening` /
    ///   `StopListening` are not the media plane's: [`FromAction::NotMedia`].
    pub fn from_action(
        action: &Action,
        mut resolve: impl FnMut(&MediaRef) -> Option<Arc<Prompt>>,
    ) -> FromAction {
        let command = match action {
            Action::CreateMix { conversation } => MediaCommand::CreateMix {
                conversation: *conversation,
            },
            Action::DestroyMix { conversation } => MediaCommand::DestroyMix {
                conversation: *conversation,
            },
            Action::ConnectMedia { conversation, leg } => MediaCommand::ConnectMedia {
                conversation: *conversation,
                leg: *leg,
            },
            Action::DisconnectMedia { conversation, leg } => MediaCommand::DisconnectMedia {
                conversation: *conversation,
                leg: *leg,
            },
            Action::SetAudioRouting {
                conversation,
                out_of_main,
                routes,
            } => MediaCommand::SetAudioRouting {
                conversation: *conversation,
                out_of_main: out_of_main.clone(),
                routes: routes.clone(),
            },
            Action::SetMuted {
                conversation,
                leg,
                muted,
            } => MediaCommand::SetMuted {
                conversation: *conversation,
                leg: *leg,
                muted: *muted,
            },
            Action::StartPrompt {
                conversation,
                leg,
                operation,
                prompts,
                audience,
                looped,
            } => {
                let resolved: Option<Vec<Arc<Prompt>>> = prompts.iter().map(&mut resolve).collect();
                match resolved {
                    Some(prompts) => MediaCommand::StartPrompt {
                        conversation: *conversation,
                        leg: *leg,
                        operation: *operation,
                        prompts,
                        audience: audience.clone(),
                        looped: *looped,
                    },
                    None => {
                        return FromAction::Signal {
                            conversation: *conversation,
                            signal: MediaSignal::PromptFinished {
                                operation: *operation,
                                ok: false,
                            },
                        }
                    }
                }
            }
            Action::StopPrompt {
                conversation,
                operation,
            } => MediaCommand::StopPrompt {
                conversation: *conversation,
                operation: *operation,
            },
            Action::StartRecording {
                conversation,
                leg,
                operation,
                options,
            } => MediaCommand::StartRecording {
                conversation: *conversation,
                leg: *leg,
                operation: *operation,
                prompt: options.prompt.as_ref().and_then(&mut resolve),
                options: options.clone(),
            },
            Action::StopRecording {
                conversation,
                operation,
            } => MediaCommand::StopRecording {
                conversation: *conversation,
                operation: *operation,
            },
            Action::StartToneDetection { conversation, leg } => MediaCommand::StartToneDetection {
                conversation: *conversation,
                leg: *leg,
            },
            Action::StopToneDetection { conversation, leg } => MediaCommand::StopToneDetection {
                conversation: *conversation,
                leg: *leg,
            },
            Action::SendDtmf {
                conversation,
                leg,
                operation,
                tones,
                delay_between,
                audience,
            } => MediaCommand::SendDtmf {
                conversation: *conversation,
                leg: *leg,
                operation: *operation,
                tones: tones.clone(),
                delay_between: *delay_between,
                audience: *audience,
            },
            Action::StartHoldMusic {
                conversation,
                leg,
                music,
            } => MediaCommand::StartHoldMusic {
                conversation: *conversation,
                leg: *leg,
                music: music.as_ref().and_then(&mut resolve),
            },
            Action::HoldSilence { conversation, leg } => MediaCommand::StartHoldMusic {
                conversation: *conversation,
                leg: *leg,
                music: Some(hold_silence()),
            },
            Action::StopHoldMusic { conversation, leg } => MediaCommand::StopHoldMusic {
                conversation: *conversation,
                leg: *leg,
            },
            Action::RingEndpoint { .. }
            | Action::DisconnectEndpoint { .. }
            | Action::StartListening { .. }
            | Action::StopListening { .. } => return FromAction::NotMedia,
        };
        FromAction::Command(command)
    }
}

/// What [`MediaCommand::from_action`] made of an engine action.
#[derive(Clone, Debug)]
pub enum FromAction {
    /// Send this to the media clock.
    Command(MediaCommand),
    /// Feed this straight back to the engine (`Engine::handle_media`): a prompt could not be loaded.
    Signal {
        /// The conversation.
        conversation: ConversationId,
        /// The signal.
        signal: MediaSignal,
    },
    /// Not a media action (simulated-endpoint ringing / hang-up).
    NotMedia,
}

/// What the media plane reports.
#[derive(Clone, Debug, PartialEq)]
pub enum MediaOutput {
    /// For the engine: pass `signal` to `Engine::handle_media` (the engine finds the conversation
    /// from the operation or leg; `conversation` is here for routing and logs).
    Engine {
        /// The conversation.
        conversation: ConversationId,
        /// The signal.
        signal: MediaSignal,
    },
    /// For the simulated-endpoint runtime.
    Endpoint {
        /// The conversation.
        conversation: ConversationId,
        /// The endpoint's leg.
        leg: LegId,
        /// What happened.
        event: EndpointEvent,
    },
    /// Every stream frame of one tick on one shard (one batch, in stream order).
    StreamFrames(Vec<StreamFrame>),
    /// A stream ended: stopped, its leg disconnected or its conversation destroyed.
    StreamStopped {
        /// The conversation.
        conversation: ConversationId,
        /// The stream.
        stream: StreamId,
        /// What it carried.
        counters: StreamCounters,
    },
}

/// What a simulated endpoint's (or an RTP leg's) media did or heard. `at_ms` is the leg's media
/// time: milliseconds since the plane first saw the leg (normally its `ConnectMedia`, i.e. when it
/// was answered).
#[derive(Clone, Debug, PartialEq)]
pub enum EndpointEvent {
    /// Detection log: a DTMF key was heard (reported when confirmed, ~26 ms after it began).
    ToneHeard {
        /// The key.
        tone: Tone,
        /// When it began.
        at_ms: u64,
    },
    /// Detection log: audio started after silence (three voiced frames in a row).
    AudioStarted {
        /// When the first voiced frame began.
        at_ms: u64,
    },
    /// Detection log: audio stopped (half a second of silence).
    AudioStopped {
        /// When the first silent frame began.
        at_ms: u64,
    },
    /// An [`MediaCommand::EndpointPlay`] or [`MediaCommand::EndpointTestTone`] played to its end.
    PlayFinished,
    /// A key of an [`MediaCommand::EndpointPress`] began sounding (in-band) or was signalled
    /// (out-of-band: forward it to the engine).
    KeyPressed {
        /// The key.
        tone: Tone,
        /// In-band or not.
        in_band: bool,
        /// When.
        at_ms: u64,
    },
    /// The last key of the presses has been sent.
    PressFinished,
    /// The endpoint's recording (16 kHz mono s16 WAV).
    Recording {
        /// The file.
        wav: Vec<u8>,
    },
    /// An RTP leg received no RTP for its inactivity timeout (reported once; not while the leg
    /// does not receive, i.e. [`RtpDirection::SendOnly`] or `Inactive`).
    RtpTimeout {
        /// Time since the last packet (or since the session started or resumed receiving).
        silent_for: Duration,
    },
    /// An RTP leg's peer sent an RTCP BYE for its source.
    RtpBye,
    /// An RTP leg's transport was dropped (`DetachRtp`, `DisconnectMedia`, `DestroyMix`, a
    /// replacing `AttachRtp`, or an `AttachRtp` that could not be applied); reported once per
    /// `AttachRtp`, with the session's final figures (boxed: they are larger than every other
    /// output, and every output moves through the sink).
    RtpDetached {
        /// The session's figures.
        stats: Box<RtpStats>,
    },
}
