//! Neutral reasons: why a leg ended ([`EndReason`]), why a transfer failed ([`TransferFailure`]),
//! how an operation finished ([`Outcome`], [`OperationStatus`]). The engine stores only these
//! enums; each front door maps them to its own wire result codes.

/// Why a bot rejected an offered call (Graph `rejectReason`, ACS `callRejectReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// `none`
    None,
    /// `busy`
    Busy,
    /// `forbidden`
    Forbidden,
}

/// Why a leg reached `terminated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The leg's own endpoint hung up (bot `DELETE` / ACS `hangUp(false)`, phone on-hook).
    HungUp,
    /// The other party of a two-party call hung up.
    RemoteHungUp,
    /// Another participant ended the call for everyone.
    EndedByOther,
    /// This bot ended the call for everyone (ACS `hangUp(true)` / terminate).
    TerminatedByApp,
    /// Removed by another participant.
    Removed,
    /// Group call: everyone else left.
    AllOthersLeft,
    /// Group call: no invitee joined.
    NobodyJoined,
    /// The leg's call was transferred and the transfer completed.
    Transferred,
    /// The leg was replaced by a consultative transfer or an invite with `replacesCallId`.
    Replaced,
    /// The bot redirected the offered call and a redirect target answered.
    Redirected,
    /// The bot rejected the offered call.
    Rejected(RejectReason),
    /// The callee declined.
    Declined,
    /// The callee was busy.
    Busy,
    /// The callee was unavailable (offline, do not disturb).
    Unavailable,
    /// The callee did not answer before the ring timeout.
    NotAnswered,
    /// No endpoint could be found for the dialled target.
    Unreachable,
    /// A bot did not answer, reject or redirect an offered call within its answer deadline.
    AnswerDeadline,
    /// No successful keepAlive within the keepAlive interval (Graph legs).
    KeepAliveTimeout,
    /// No redirect target answered within the redirect timeout.
    RedirectTimeout,
    /// The call was cancelled before it was answered (caller hung up, cancelled invitation).
    Cancelled,
    /// Simultaneous ring: another target answered first.
    AnsweredElsewhere,
}

impl EndReason {
    /// What the *other* side of a ringing leg learns when that leg fails: a bot that missed its
    /// deadline or a redirect that timed out is "not answered" to the caller, a bot's reject is a
    /// decline or busy.
    pub fn as_seen_by_caller(self) -> EndReason {
        match self {
            EndReason::AnswerDeadline
            | EndReason::RedirectTimeout
            | EndReason::KeepAliveTimeout => EndReason::NotAnswered,
            EndReason::Rejected(RejectReason::Busy) => EndReason::Busy,
            EndReason::Rejected(_) | EndReason::HungUp => EndReason::Declined,
            other => other,
        }
    }
}

/// A failed transfer, reported on the transferor's leg as it returns to `established`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransferFailure(pub EndReason);

/// Final status of an operation (Graph `operationStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationStatus {
    /// Queued behind another media operation.
    NotStarted,
    /// In progress; a completion event will follow.
    Running,
    /// Finished successfully.
    Completed,
    /// Finished unsuccessfully.
    Failed,
}

impl OperationStatus {
    /// True for `completed` and `failed`.
    pub fn is_final(self) -> bool {
        matches!(self, OperationStatus::Completed | OperationStatus::Failed)
    }
}

/// How an operation finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Completed successfully.
    Success,
    /// Record: the maximum duration was reached.
    RecordMaxDuration,
    /// Record: a stop tone was pressed.
    RecordStopTone,
    /// Record: nothing was said before the initial silence timeout.
    RecordInitialSilence,
    /// Record: silence after speech exceeded the maximum silence timeout.
    RecordMaxSilence,
    /// Recognize: the maximum number of keys was collected.
    RecognizeMaxTones,
    /// Recognize: a stop key was pressed.
    RecognizeStopTone,
    /// Recognize: keys were collected and then the inter-key timeout passed.
    RecognizeInterToneTimeout,
    /// Recognize: no key before the initial silence timeout (or no speech: the recognizer's).
    RecognizeInitialSilence,
    /// Recognize: speech was recognized (free speech or a choice; the event carries it).
    RecognizeSpeech,
    /// Recognize: speech matched no choice or could not be recognized.
    RecognizeNoMatch,
    /// Cancelled (cancelMediaProcessing, barge-in, cancelAddParticipant).
    Cancelled,
    /// The leg or call ended while the operation was pending.
    CallEnded,
    /// The media (prompt file, hold music) could not be played.
    MediaFailed,
    /// A participant operation (invite/add, transfer) failed because the target's leg ended so.
    Participant(EndReason),
}

impl Outcome {
    /// The final status this outcome gives an operation.
    pub fn status(self) -> OperationStatus {
        match self {
            Outcome::Success
            | Outcome::RecordMaxDuration
            | Outcome::RecordStopTone
            | Outcome::RecordInitialSilence
            | Outcome::RecordMaxSilence
            | Outcome::RecognizeMaxTones
            | Outcome::RecognizeStopTone
            | Outcome::RecognizeInterToneTimeout
            | Outcome::RecognizeSpeech => OperationStatus::Completed,
            Outcome::Cancelled
            | Outcome::RecognizeInitialSilence
            | Outcome::RecognizeNoMatch
            | Outcome::CallEnded
            | Outcome::MediaFailed
            | Outcome::Participant(_) => OperationStatus::Failed,
        }
    }
}
