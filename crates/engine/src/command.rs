//! Inputs from front doors and the simulated-endpoint runtime ([`Command`]) and their
//! synchronous answer ([`Ack`]).

use std::time::Duration;

use ringside_model::{Party, TenantId, Tone};

use crate::ids::{ConversationId, LegId, OperationId};
use crate::reason::{OperationStatus, RejectReason};
use crate::state::BotIdentity;

/// A prompt or hold-music source, opaque to the engine (a WAV URI, a TTS text, a cache key);
/// the audio engine resolves it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaRef {
    /// Where the media comes from.
    pub uri: String,
    /// Optional cache key (Graph `mediaInfo.resourceId`, ACS `playSourceCacheId`).
    pub cache_key: Option<String>,
}

impl MediaRef {
    /// A media reference without a cache key.
    pub fn uri(uri: impl Into<String>) -> MediaRef {
        MediaRef {
            uri: uri.into(),
            cache_key: None,
        }
    }
}

/// A party to call, optionally replacing a call it is already in (consultative transfer).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// Who to call.
    pub party: Party,
    /// A bot leg (Graph `replacesCallId`) whose call with this party is taken over instead of
    /// ringing the party again.
    pub replaces: Option<LegId>,
}

impl Target {
    /// A plain target.
    pub fn party(party: Party) -> Target {
        Target {
            party,
            replaces: None,
        }
    }
}

/// What a transfer moves when the call has other participants besides the transferee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransferScope {
    /// The transferor hands its place in the call to the target and leaves (Graph, and a two-party
    /// call in every dialect).
    #[default]
    Call,
    /// When others stay in the call, only the transferee leaves it: the transferee and the target
    /// talk in a call of their own and the transferor stays with the rest (ACS group calls). With
    /// nobody else left besides the transferee, this is [`TransferScope::Call`].
    Participant,
}

/// recordResponse options (Graph §3.6 defaults).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordOptions {
    /// Played before recording starts.
    pub prompt: Option<MediaRef>,
    /// Cancel running and queued media operations first.
    pub barge_in: bool,
    /// Seconds of silence allowed before speech starts (1–120).
    pub initial_silence_secs: u32,
    /// Seconds of silence after speech that end the recording (1–120).
    pub max_silence_secs: u32,
    /// Maximum recording length in seconds (1–120).
    pub max_duration_secs: u32,
    /// Play a beep before recording.
    pub play_beep: bool,
    /// Keys that end the recording.
    pub stop_tones: Vec<Tone>,
}

impl Default for RecordOptions {
    fn default() -> RecordOptions {
        RecordOptions {
            prompt: None,
            barge_in: false,
            initial_silence_secs: 5,
            max_silence_secs: 5,
            max_duration_secs: 5,
            play_beep: true,
            stop_tones: Vec::new(),
        }
    }
}

/// What a recognize listens for besides keys: speech, free or among choices (ACS `speech`,
/// `speechOrDtmf`, `choices`). The audio engine's recognizer decides when speech started and
/// ended (its own initial- and end-silence timeouts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpeechOptions {
    /// The choices to pick among; empty for free speech.
    pub choices: Vec<SpeechChoice>,
    /// BCP-47 language of the speech (`en-US` when absent).
    pub language: Option<String>,
    /// Silence after speech that ends the utterance.
    pub end_silence: Duration,
    /// Keys are recognized too (`speechOrDtmf`, choices with tones): the first key stops listening.
    pub tones: bool,
}

/// One choice of a speech recognize.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SpeechChoice {
    /// Reported when picked.
    pub label: String,
    /// What may be said to pick it.
    pub phrases: Vec<String>,
}

/// Recognize options (ACS `recognize`): keys, and speech when `speech` is set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecognizeOptions {
    /// Played to the target first.
    pub prompts: Vec<MediaRef>,
    /// A key press stops the prompt.
    pub interrupt_prompt: bool,
    /// How long to wait for the first key after the prompt (≤ 300 s).
    pub initial_silence: Duration,
    /// How long to wait between keys (1–60 s).
    pub inter_tone: Duration,
    /// Keys to collect (1–64).
    pub max_tones: usize,
    /// Keys that end collection (not included in the result).
    pub stop_tones: Vec<Tone>,
    /// Listen for speech too (after the prompt).
    pub speech: Option<SpeechOptions>,
}

impl Default for RecognizeOptions {
    fn default() -> RecognizeOptions {
        RecognizeOptions {
            prompts: Vec::new(),
            interrupt_prompt: true,
            initial_silence: Duration::from_secs(5),
            inter_tone: Duration::from_secs(2),
            max_tones: 1,
            stop_tones: Vec::new(),
            speech: None,
        }
    }
}

/// Everything a front door or the endpoint runtime can ask of the engine. `leg` is always the
/// acting bot's own leg (Graph call id / ACS call connection id); `participant` another leg in the
/// same conversation; `client_context` is echoed in the operation's completion event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A bot places a call (Graph `POST /calls`, ACS `createCall`). One target without `group` is
    /// a two-party call; several targets (≤ 5) or `group` make an ad-hoc group call, in which the
    /// bot's leg is established at once and the targets join as they answer.
    CreateCall {
        /// Tenant used for routing.
        tenant: TenantId,
        /// The calling bot.
        bot: BotIdentity,
        /// The bot's identity as shown to the callees.
        source: Party,
        /// Who to call.
        targets: Vec<Target>,
        /// Force a group call even with one target.
        group: bool,
        /// Overrides the ring timeout for the targets (Graph beta `ringingTimeoutInSeconds`).
        ring_timeout: Option<Duration>,
    },
    /// A bot joins an existing conversation directly (ACS `connect` by server call id, Graph
    /// meeting join): its leg is established at once and the call becomes a group call.
    Join {
        /// The conversation to join.
        conversation: ConversationId,
        /// The joining bot.
        bot: BotIdentity,
        /// The bot's identity as shown to the others.
        source: Party,
    },
    /// Opens an empty group conversation (a meeting nobody has joined yet); answered with
    /// [`Ack::Opened`]. Whoever opens it joins it with [`Command::Join`] or
    /// [`Command::EndpointJoin`] right away: like any group call, it ends when the last but one
    /// participant leaves.
    OpenConversation {
        /// Tenant it routes in.
        tenant: TenantId,
    },
    /// A simulated user or phone joins an existing conversation directly (a meeting): its leg is
    /// established at once, with media; answered with [`Ack::Call`] (no targets).
    EndpointJoin {
        /// The conversation to join.
        conversation: ConversationId,
        /// Who joins (routed like a call target; bots join with [`Command::Join`]).
        party: Party,
    },
    /// A simulated user or phone dials `target` (how incoming calls to bots begin).
    PlaceCall {
        /// Tenant used for routing.
        tenant: TenantId,
        /// Who is calling.
        caller: Party,
        /// What was dialled.
        target: Party,
    },
    /// The bot answers an offered call.
    Answer {
        /// The bot's offered leg.
        leg: LegId,
    },
    /// The bot rejects an offered call.
    Reject {
        /// The bot's offered leg.
        leg: LegId,
        /// Why.
        reason: RejectReason,
    },
    /// The bot forwards an offered call; several targets ring at once and the first to answer
    /// wins. The bot's leg is `redirecting` until then.
    Redirect {
        /// The bot's offered leg.
        leg: LegId,
        /// 1–25 targets.
        targets: Vec<Party>,
        /// 15–90 s; default 55 s (one target) or 60 s (several).
        timeout: Option<Duration>,
    },
    /// Blind transfer of the bot's call to `target`, or consultative when `target.replaces` names
    /// the bot's other call with the target. The transferor may also be an endpoint's leg (a SIP
    /// phone's REFER, issued by the runtime for the gateway): it hands its place to the target
    /// exactly as a bot does, and the others see the roster change.
    Transfer {
        /// The transferor (bot) leg.
        leg: LegId,
        /// The transfer target.
        target: Target,
        /// The participant being transferred; required in a group call with several others.
        transferee: Option<LegId>,
        /// Whether the transferor leaves (the whole call moves) or only the transferee does.
        scope: TransferScope,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Invite (Graph) / add (ACS) participants; the call becomes a group call.
    AddParticipants {
        /// The inviting bot leg.
        leg: LegId,
        /// 1–5 invitees; with `replaces`, exactly one.
        targets: Vec<Target>,
        /// Invitation timeout (≤ 180 s); default from the config.
        timeout: Option<Duration>,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Cancel the still-ringing invitees of an add operation.
    CancelAddParticipants {
        /// The inviting bot leg.
        leg: LegId,
        /// The add operation (ACS invitation id).
        operation: OperationId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Remove a participant (drops it, or cancels its pending invitation).
    RemoveParticipant {
        /// The acting bot leg.
        leg: LegId,
        /// Who to remove.
        participant: LegId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Server-mute a participant (the bot's own leg for Graph self-mute).
    Mute {
        /// The acting bot leg.
        leg: LegId,
        /// Who to mute.
        participant: LegId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Undo a server mute.
    Unmute {
        /// The acting bot leg.
        leg: LegId,
        /// Who to unmute.
        participant: LegId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Put a participant on hold with music (Graph `startHoldMusic`, ACS `hold`). One participant
    /// per conversation at a time.
    Hold {
        /// The acting bot leg.
        leg: LegId,
        /// Who to hold.
        participant: LegId,
        /// Custom music; the platform default when absent.
        music: Option<MediaRef>,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Take a participant off hold (Graph `stopHoldMusic`, ACS `unhold`).
    Unhold {
        /// The acting bot leg.
        leg: LegId,
        /// Who to bring back.
        participant: LegId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// The bot's keep-alive (Graph keepAlive): restarts the keep-alive interval of a leg that
    /// must be kept alive.
    KeepAlive {
        /// The bot leg.
        leg: LegId,
    },
    /// From now on the bot leg must be kept alive ([`BotIdentity::keep_alive`](crate::BotIdentity)):
    /// a door says so for the offered legs it adopts. Arms the keep-alive interval.
    RequireKeepAlive {
        /// The bot leg.
        leg: LegId,
    },
    /// Who hears whom beyond the conversation's main mix, as the bot leg's app sets it (Graph
    /// audio routing groups): legs taken out of the main mix hear and are heard only through the
    /// routes `(source, receiver)`. Replaces what was set before; both empty restore the plain mix.
    SetAudioRouting {
        /// The bot leg.
        leg: LegId,
        /// Legs of its conversation out of the main mix.
        out_of_main: Vec<LegId>,
        /// `(source, receiver)` pairs of legs of its conversation.
        routes: Vec<(LegId, LegId)>,
    },
    /// Queue prompts (Graph playPrompt, ACS play). Runs after earlier queued media operations.
    PlayPrompt {
        /// The bot leg.
        leg: LegId,
        /// 1–20 prompts.
        prompts: Vec<MediaRef>,
        /// Who hears it; empty means the whole conversation.
        audience: Vec<LegId>,
        /// Repeat until cancelled.
        looped: bool,
        /// Cancel running and queued media operations first (ACS `interruptCallMediaOperation`).
        barge_in: bool,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Queue a recordResponse.
    RecordResponse {
        /// The bot leg.
        leg: LegId,
        /// Options.
        options: RecordOptions,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Queue a DTMF recognize on one participant (ACS `recognize`).
    Recognize {
        /// The bot leg.
        leg: LegId,
        /// Whose keys to collect.
        target: LegId,
        /// Prompt and collection options.
        options: RecognizeOptions,
        /// Cancel running and queued media operations first.
        barge_in: bool,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Cancel the running and queued playPrompt/recordResponse/recognize operations of the leg.
    CancelMediaProcessing {
        /// The bot leg.
        leg: LegId,
        /// Echoed in the completion events.
        client_context: String,
    },
    /// Report DTMF tones from the conversation (optionally from one participant) as events.
    SubscribeToTone {
        /// The bot leg.
        leg: LegId,
        /// Only this participant's tones (ACS continuous DTMF target).
        source: Option<LegId>,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Stop reporting tones (ACS stopContinuousDtmfRecognition).
    UnsubscribeFromTone {
        /// The bot leg.
        leg: LegId,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Send DTMF into the call.
    SendDtmf {
        /// The bot leg.
        leg: LegId,
        /// Keys to send.
        tones: Vec<Tone>,
        /// Pause between keys.
        delay_between: Duration,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// Send DTMF that only one participant hears (ACS `sendDtmfTones` to a `targetParticipant`).
    SendDtmfTo {
        /// The bot leg.
        leg: LegId,
        /// The participant leg that hears the keys.
        target: LegId,
        /// Keys to send.
        tones: Vec<Tone>,
        /// Pause between keys.
        delay_between: Duration,
        /// Echoed in the completion event.
        client_context: String,
    },
    /// The bot leaves (Graph `DELETE /calls/{id}`, ACS `hangUp(false)`). A group call continues.
    HangUp {
        /// The bot leg.
        leg: LegId,
    },
    /// End the call for everyone (ACS `hangUp(true)`).
    Terminate {
        /// The bot leg.
        leg: LegId,
    },
}

/// Kinds of operation, one per command that creates one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// playPrompt / play.
    PlayPrompt,
    /// recordResponse.
    RecordResponse,
    /// recognize (DTMF).
    Recognize,
    /// cancelMediaProcessing / cancelAllMediaOperations.
    CancelMediaProcessing,
    /// subscribeToTone / startContinuousDtmfRecognition.
    SubscribeToTone,
    /// stopContinuousDtmfRecognition.
    UnsubscribeFromTone,
    /// sendDtmfTones.
    SendDtmf,
    /// mute.
    Mute,
    /// unmute.
    Unmute,
    /// startHoldMusic / hold.
    Hold,
    /// stopHoldMusic / unhold.
    Unhold,
    /// participants/invite / participants:add.
    AddParticipants,
    /// participants:cancelAddParticipant.
    CancelAddParticipants,
    /// participants remove.
    RemoveParticipant,
    /// transfer / transferToParticipant.
    Transfer,
}

/// A snapshot of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// Its id.
    pub id: OperationId,
    /// The bot leg it belongs to.
    pub leg: LegId,
    /// What it is.
    pub kind: OperationKind,
    /// The caller's opaque context.
    pub client_context: String,
    /// Where it is.
    pub status: OperationStatus,
}

/// The synchronous answer to a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    /// Accepted; results follow as events.
    Done,
    /// A conversation was opened ([`Command::OpenConversation`]).
    Opened {
        /// The new conversation.
        conversation: ConversationId,
    },
    /// A call was created.
    Call {
        /// The new conversation.
        conversation: ConversationId,
        /// The caller's (bot's) leg.
        leg: LegId,
        /// The legs created for the targets, in target order.
        targets: Vec<LegId>,
    },
    /// An operation was created; a completion event follows unless `status` is already final.
    Operation {
        /// The operation as it stands after the command.
        operation: OperationInfo,
        /// Legs created by it (invitees, transfer target).
        legs: Vec<LegId>,
    },
}

impl Ack {
    /// The operation, if the command created one.
    pub fn operation(&self) -> Option<&OperationInfo> {
        match self {
            Ack::Operation { operation, .. } => Some(operation),
            _ => None,
        }
    }
}
