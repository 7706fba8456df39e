//! Inputs from simulated endpoints ([`EndpointSignal`]) and from the audio engine ([`MediaSignal`]).

use ringside_model::Tone;

use crate::ids::{LegId, OperationId};

/// How a simulated endpoint refused a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// Declined by the user.
    Declined,
    /// Busy.
    Busy,
    /// Unavailable (offline, do not disturb).
    Unavailable,
}

/// What a simulated user or phone did. Bots never send these: they act through commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointSignal {
    /// The ringing endpoint picked up.
    Answered {
        /// Its leg.
        leg: LegId,
    },
    /// The ringing endpoint refused.
    Refused {
        /// Its leg.
        leg: LegId,
        /// How.
        refusal: Refusal,
    },
    /// The endpoint hung up (before or after answering).
    HungUp {
        /// Its leg.
        leg: LegId,
    },
    /// The endpoint put the call on hold (`held: true`) or resumed it (`held: false`), as a
    /// phone's hold key does. The holder's leg is `OnHold` and leaves the mix (it hears nothing);
    /// in a two-party call the other side hears hold music until the holder resumes.
    Hold {
        /// Its leg.
        leg: LegId,
        /// On hold, or resumed.
        held: bool,
    },
    /// Keys pressed, signalled out of band (RFC 4733 / client API).
    Digits {
        /// Its leg.
        leg: LegId,
        /// The keys.
        tones: Vec<Tone>,
    },
}

/// How the audio engine ended a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordingEnd {
    /// The maximum duration was reached.
    MaxDuration,
    /// Silence before any speech.
    InitialSilence,
    /// Silence after speech.
    MaxSilence,
    /// Stopped on request (stop tone, cancel).
    Stopped,
    /// The recording failed.
    Failed,
}

/// What a speech recognizer made of what it heard ([`MediaSignal::Heard`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Heard {
    /// Free speech: the text.
    Speech {
        /// What was said.
        text: String,
        /// Confidence, 0–1000.
        confidence_permille: u16,
    },
    /// One of the choices was said.
    Choice {
        /// The choice's label.
        label: String,
        /// The phrase heard.
        phrase: String,
        /// Confidence, 0–1000.
        confidence_permille: u16,
    },
    /// Nobody spoke before the initial silence timeout.
    Silence,
    /// Speech that matched no choice, or that could not be recognized.
    NoMatch,
    /// The recognizer failed.
    Failed,
}

/// What the audio engine reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaSignal {
    /// A prompt started with `Action::StartPrompt` began to sound (its first frame; a prompt
    /// that cannot be played never starts). Doors report it (ACS PlayStarted); the engine
    /// needs nothing from it.
    PromptStarted {
        /// The playPrompt (or recognize) operation.
        operation: OperationId,
    },
    /// A prompt started with `Action::StartPrompt` finished.
    PromptFinished {
        /// The playPrompt operation.
        operation: OperationId,
        /// False when the media could not be played.
        ok: bool,
    },
    /// A recording started with `Action::StartRecording` ended.
    RecordingEnded {
        /// The recordResponse operation.
        operation: OperationId,
        /// Why.
        reason: RecordingEnd,
        /// Where the audio went (an opaque handle the shell turns into `recordingLocation`).
        recording: Option<String>,
    },
    /// A DTMF tone was detected in a leg's inbound audio.
    ToneDetected {
        /// The leg it came from.
        leg: LegId,
        /// The key.
        tone: Tone,
    },
    /// The recognizer started with `Action::StartListening` finished.
    Heard {
        /// The recognize operation.
        operation: OperationId,
        /// What it heard.
        heard: Heard,
    },
    /// Tones requested with `Action::SendDtmf` have been sent.
    DtmfSent {
        /// The sendDtmf operation.
        operation: OperationId,
    },
}
