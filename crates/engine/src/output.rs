//! Outputs: [`Event`]s (what front doors render as Graph notifications / ACS CloudEvents) and
//! [`Action`]s (what the IO shell must do to media and simulated endpoints).

use std::time::{Duration, Instant};

use ringside_model::{Party, TenantId, Tone};

use crate::command::{MediaRef, OperationKind, RecordOptions};
use crate::ids::{ConversationId, LegId, OperationId};
use crate::reason::{EndReason, OperationStatus, Outcome};
use crate::state::{BotIdentity, Endpoint, LegState};

/// One row of a roster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// The participant's leg id (Graph participant id).
    pub leg: LegId,
    /// Who.
    pub party: Party,
    /// What kind of endpoint.
    pub endpoint: Endpoint,
    /// Server-muted.
    pub muted: bool,
    /// On hold.
    pub on_hold: bool,
}

/// Why a call is being offered to a bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferKind {
    /// Someone called it.
    Call,
    /// It was invited into a call.
    Invite,
    /// A call is being transferred to it.
    Transfer,
    /// A call was redirected to it.
    Redirect,
}

/// Something a bot should be told about. Bot-facing events name the bot leg in `leg`; front doors
/// render events for bot legs of their own dialect and ignore the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A call is offered to a bot leg (Graph `created` incoming notification, ACS Event Grid
    /// `IncomingCall`). The bot must answer, reject or redirect before `deadline`.
    CallOffered {
        /// The conversation.
        conversation: ConversationId,
        /// The bot's new leg.
        leg: LegId,
        /// Tenant.
        tenant: TenantId,
        /// Who is calling.
        caller: Party,
        /// What was dialled.
        callee: Party,
        /// The bot it is offered to.
        bot: BotIdentity,
        /// Why.
        kind: OfferKind,
        /// Answer deadline.
        deadline: Instant,
    },
    /// A leg changed state. `Terminated` carries the end reason; a return to `Established` after
    /// a failed transfer carries `transfer_failed`.
    LegStateChanged {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Its new state.
        state: LegState,
        /// Set when the leg returns to `established` because its transfer failed.
        transfer_failed: Option<EndReason>,
    },
    /// The connected participants of a conversation changed (join, leave, mute, hold). Sequence
    /// numbers increase by one per conversation.
    RosterChanged {
        /// The conversation.
        conversation: ConversationId,
        /// Roster sequence number.
        sequence: u64,
        /// Connected legs in join order.
        participants: Vec<Participant>,
    },
    /// An operation finished. Every operation ends with exactly one of these, even ones whose
    /// command already answered `completed` (Graph sends no notification for those; ACS does).
    OperationCompleted {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Its kind.
        kind: OperationKind,
        /// Echo.
        client_context: String,
        /// `completed` or `failed`.
        status: OperationStatus,
        /// Why.
        outcome: Outcome,
        /// recordResponse: the recording handle.
        recording: Option<String>,
        /// recognize: the collected keys.
        tones: Vec<Tone>,
        /// recognize: what the speech recognizer heard, when it decided the outcome.
        heard: Option<crate::signal::Heard>,
    },
    /// A DTMF key reached a subscribed bot leg (Graph `toneInfo`, ACS
    /// `ContinuousDtmfRecognitionToneReceived`).
    ToneReceived {
        /// The conversation.
        conversation: ConversationId,
        /// The subscribed bot leg.
        leg: LegId,
        /// Who pressed it.
        from: LegId,
        /// The key.
        tone: Tone,
        /// Per-leg sequence, from 1.
        sequence_id: u64,
    },
    /// A connected leg moved, media and all, from one conversation into another (a consultative
    /// transfer's target taking over, a transferee leaving a group call with its target).
    LegMoved {
        /// The conversation it moved into.
        conversation: ConversationId,
        /// The conversation it left.
        from: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// The transfer target answered (ACS `CallTransferAccepted`).
    TransferAccepted {
        /// The conversation.
        conversation: ConversationId,
        /// The transferor (bot) leg.
        leg: LegId,
        /// The transfer operation.
        operation: OperationId,
        /// The target's leg.
        target: LegId,
        /// The transferee, if any.
        transferee: Option<LegId>,
    },
    /// The transfer failed; the transferor is back to established (ACS `CallTransferFailed`).
    TransferFailed {
        /// The conversation.
        conversation: ConversationId,
        /// The transferor (bot) leg.
        leg: LegId,
        /// The transfer operation.
        operation: OperationId,
        /// Why the target's leg failed.
        cause: EndReason,
    },
    /// An invitee joined (ACS `AddParticipantSucceeded`).
    ParticipantAdded {
        /// The conversation.
        conversation: ConversationId,
        /// The inviting bot leg.
        leg: LegId,
        /// The add operation (invitation id).
        operation: OperationId,
        /// The invitee's leg.
        participant: LegId,
        /// Who.
        party: Party,
    },
    /// An invitee did not join (ACS `AddParticipantFailed`).
    ParticipantAddFailed {
        /// The conversation.
        conversation: ConversationId,
        /// The inviting bot leg.
        leg: LegId,
        /// The add operation (invitation id).
        operation: OperationId,
        /// The invitee's leg.
        participant: LegId,
        /// Who.
        party: Party,
        /// Why.
        cause: EndReason,
    },
    /// A participant was removed (ACS `RemoveParticipantSucceeded`).
    ParticipantRemoved {
        /// The conversation.
        conversation: ConversationId,
        /// The acting bot leg.
        leg: LegId,
        /// The remove operation.
        operation: OperationId,
        /// The removed leg.
        participant: LegId,
        /// Who.
        party: Party,
    },
}

impl Event {
    /// The conversation the event is about.
    pub fn conversation(&self) -> ConversationId {
        match self {
            Event::CallOffered { conversation, .. }
            | Event::LegStateChanged { conversation, .. }
            | Event::RosterChanged { conversation, .. }
            | Event::OperationCompleted { conversation, .. }
            | Event::ToneReceived { conversation, .. }
            | Event::LegMoved { conversation, .. }
            | Event::TransferAccepted { conversation, .. }
            | Event::TransferFailed { conversation, .. }
            | Event::ParticipantAdded { conversation, .. }
            | Event::ParticipantAddFailed { conversation, .. }
            | Event::ParticipantRemoved { conversation, .. } => *conversation,
        }
    }
}

/// Who hears a prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone in the conversation.
    Conversation,
    /// Only these legs.
    Legs(Vec<LegId>),
}

/// Something the IO shell (media clock, simulated-endpoint runtime) must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create the conversation's media mix.
    CreateMix {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Release the conversation's media mix; the conversation is gone.
    DestroyMix {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Ring a simulated user or phone; it answers or refuses with an [`EndpointSignal`](crate::EndpointSignal).
    RingEndpoint {
        /// The conversation.
        conversation: ConversationId,
        /// The ringing leg.
        leg: LegId,
        /// Who is rung.
        party: Party,
        /// Who is calling.
        caller: Party,
    },
    /// Stop ringing / hang up a simulated endpoint (the engine ended its leg).
    DisconnectEndpoint {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Why.
        reason: EndReason,
    },
    /// Connect a leg's audio to the conversation's mix.
    ConnectMedia {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// Disconnect a leg's audio from the conversation's mix.
    DisconnectMedia {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// Who hears whom beyond the main mix ([`Command::SetAudioRouting`](crate::Command::SetAudioRouting)).
    SetAudioRouting {
        /// The conversation.
        conversation: ConversationId,
        /// Legs out of the main mix.
        out_of_main: Vec<LegId>,
        /// `(source, receiver)` pairs.
        routes: Vec<(LegId, LegId)>,
    },
    /// Drop (or stop dropping) a leg's inbound audio.
    SetMuted {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Muted or not.
        muted: bool,
    },
    /// Play prompts; report [`MediaSignal::PromptFinished`](crate::MediaSignal::PromptFinished).
    StartPrompt {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg that plays.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// What to play, in order.
        prompts: Vec<MediaRef>,
        /// Who hears it.
        audience: Audience,
        /// Repeat until stopped.
        looped: bool,
    },
    /// Stop a prompt early (no PromptFinished needed).
    StopPrompt {
        /// The conversation.
        conversation: ConversationId,
        /// The operation.
        operation: OperationId,
    },
    /// Record what the conversation says to a bot leg; report
    /// [`MediaSignal::RecordingEnded`](crate::MediaSignal::RecordingEnded).
    StartRecording {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Options (silence and duration limits, beep, prompt).
        options: RecordOptions,
    },
    /// Stop a recording; the shell still reports RecordingEnded with the handle.
    StopRecording {
        /// The conversation.
        conversation: ConversationId,
        /// The operation.
        operation: OperationId,
    },
    /// Recognize `target`'s speech and report [`MediaSignal::Heard`](crate::MediaSignal::Heard)
    /// once: what was said, or silence / no match after the timeouts.
    StartListening {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg recognizing.
        leg: LegId,
        /// Whose speech.
        target: LegId,
        /// The recognize operation.
        operation: OperationId,
        /// What to listen for.
        speech: crate::command::SpeechOptions,
        /// How long to wait for speech to start.
        initial_silence: std::time::Duration,
    },
    /// Stop a recognizer started with `StartListening` (no `Heard` needed).
    StopListening {
        /// The conversation.
        conversation: ConversationId,
        /// The recognize operation.
        operation: OperationId,
    },
    /// Detect DTMF in the conversation and report [`MediaSignal::ToneDetected`](crate::MediaSignal::ToneDetected).
    StartToneDetection {
        /// The conversation.
        conversation: ConversationId,
        /// The subscribing bot leg.
        leg: LegId,
    },
    /// The subscribing bot leg no longer needs tones.
    StopToneDetection {
        /// The conversation.
        conversation: ConversationId,
        /// The bot leg.
        leg: LegId,
    },
    /// Generate DTMF into the mix (or to one leg); report
    /// [`MediaSignal::DtmfSent`](crate::MediaSignal::DtmfSent).
    SendDtmf {
        /// The conversation.
        conversation: ConversationId,
        /// The sending bot leg.
        leg: LegId,
        /// The operation.
        operation: OperationId,
        /// Keys.
        tones: Vec<Tone>,
        /// Pause between keys.
        delay_between: Duration,
        /// `None`: into the mix (everyone hears the keys); `Some`: only this leg hears them.
        audience: Option<LegId>,
    },
    /// Play hold music to a held leg (it no longer hears or is heard by the mix).
    StartHoldMusic {
        /// The conversation.
        conversation: ConversationId,
        /// The held leg.
        leg: LegId,
        /// Custom music, or the default.
        music: Option<MediaRef>,
    },
    /// Take a leg out of the mix and let it hear silence: the endpoint itself put the call on
    /// hold. Undone with [`Action::StopHoldMusic`] like music.
    HoldSilence {
        /// The conversation.
        conversation: ConversationId,
        /// The holding leg.
        leg: LegId,
    },
    /// Stop hold music (or the silence of [`Action::HoldSilence`]) and reconnect the leg to the mix.
    StopHoldMusic {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
}
