//! Neutral reasons (why a leg ended, how an operation finished) and their Graph / ACS result codes.
//!
//! The engine stores only these enums. Front doors turn them into wire `resultInfo` /
//! `resultInformation` with [`EndReason::graph_result_info`], [`EndReason::acs_result_info`] and the
//! same pair on [`Outcome`] and [`TransferFailure`]. Codes documented in the digests
//! (graph-calls-api.md §7.3, acs-call-automation.md §4.4) are used as documented; where the digests
//! are silent (reject, redirect, decline/busy on Graph) the code is the SIP status and the subcode
//! the ACS call-outcome subcode, so that both dialects stay consistent.

/// `(code, subcode, message)`: what Graph renders as `resultInfo` and ACS as `resultInformation`.
pub type ResultInfo = (u16, u32, &'static str);

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
    /// `(code, subcode, message)` for a Graph `resultInfo`.
    pub fn graph_result_info(self) -> ResultInfo {
        match self {
            EndReason::HungUp => (200, 5001, "The conversation has ended."),
            EndReason::RemoteHungUp => (200, 4521, "The other party ended the call."),
            EndReason::EndedByOther => (200, 4097, "Another participant ended the call."),
            EndReason::TerminatedByApp => (200, 7000, "The call was ended by the application."),
            EndReason::Removed => (200, 5000, "Removed from the call by another participant."),
            EndReason::AllOthersLeft => (
                200,
                5002,
                "The call ended because all other participants left.",
            ),
            EndReason::NobodyJoined => (200, 5013, "The call ended because nobody else joined."),
            EndReason::Transferred => (0, 7015, "GracefulTransferCompleted"),
            EndReason::Replaced => (200, 7015, "The call was replaced by a transfer."),
            EndReason::Redirected => (200, 7000, "The call was redirected by the application."),
            EndReason::Rejected(RejectReason::None) => {
                (200, 7000, "The call was rejected by the application.")
            }
            EndReason::Rejected(RejectReason::Busy) => {
                (486, 8539, "The call was rejected by the application: busy.")
            }
            EndReason::Rejected(RejectReason::Forbidden) => (
                403,
                8538,
                "The call was rejected by the application: forbidden.",
            ),
            EndReason::Declined => (603, 8538, "The callee declined the call."),
            EndReason::Busy => (486, 8539, "The callee is busy."),
            EndReason::Unavailable => (480, 8541, "The callee is unavailable."),
            EndReason::NotAnswered => (
                408,
                10057,
                "Timed out; no answer from the callee endpoints.",
            ),
            EndReason::Unreachable => (480, 10037, "No callee endpoints found."),
            EndReason::AnswerDeadline => (
                408,
                1106,
                "The call acceptance was not acknowledged in time.",
            ),
            EndReason::KeepAliveTimeout => {
                (408, 8537, "Keep Alive timeout, cleaned up inactive call")
            }
            EndReason::RedirectTimeout => (408, 10057, "Timed out; no redirect target answered."),
            EndReason::Cancelled => (487, 8542, "The call was cancelled."),
            EndReason::AnsweredElsewhere => (487, 8542, "The call was answered elsewhere."),
        }
    }

    /// `(code, subCode, message)` for an ACS `resultInformation`.
    pub fn acs_result_info(self) -> ResultInfo {
        match self {
            EndReason::HungUp
            | EndReason::RemoteHungUp
            | EndReason::EndedByOther
            | EndReason::TerminatedByApp
            | EndReason::AllOthersLeft
            | EndReason::NobodyJoined
            | EndReason::Redirected
            | EndReason::Rejected(_) => (200, 7000, "The call ended gracefully."),
            EndReason::Removed => (200, 5000, "Removed from the call by another participant."),
            EndReason::Transferred => (200, 7015, "The call was transferred."),
            EndReason::Replaced => (200, 7015, "The call was replaced by a transfer."),
            EndReason::Declined => (603, 8538, "The callee declined the call."),
            EndReason::Busy => (486, 8539, "The callee is busy."),
            EndReason::Unavailable => (480, 8541, "The callee is unavailable."),
            EndReason::NotAnswered | EndReason::AnswerDeadline | EndReason::RedirectTimeout => {
                (408, 8587, "The call was not answered in time.")
            }
            EndReason::Unreachable => (480, 8544, "The callee is unreachable."),
            EndReason::KeepAliveTimeout => {
                (408, 8537, "Keep Alive timeout, cleaned up inactive call")
            }
            EndReason::Cancelled => (487, 8542, "The call was cancelled."),
            EndReason::AnsweredElsewhere => (487, 8542, "The call was answered elsewhere."),
        }
    }

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

impl TransferFailure {
    /// Graph always reports `500/7000` on the `established` notification after a failed transfer.
    pub fn graph_result_info(self) -> ResultInfo {
        (500, 7000, "The transfer failed.")
    }

    /// ACS `CallTransferFailed` carries the target's outcome.
    pub fn acs_result_info(self) -> ResultInfo {
        match self.0 {
            EndReason::Declined
            | EndReason::Busy
            | EndReason::Unavailable
            | EndReason::NotAnswered
            | EndReason::Unreachable
            | EndReason::Cancelled => self.0.acs_result_info(),
            _ => (500, 7000, "The transfer failed."),
        }
    }
}

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
    /// Graph's camelCase wire value.
    pub fn graph_value(self) -> &'static str {
        match self {
            OperationStatus::NotStarted => "notStarted",
            OperationStatus::Running => "running",
            OperationStatus::Completed => "completed",
            OperationStatus::Failed => "failed",
        }
    }

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
    /// Recognize: no key before the initial silence timeout.
    RecognizeInitialSilence,
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
            | Outcome::RecognizeInterToneTimeout => OperationStatus::Completed,
            Outcome::Cancelled
            | Outcome::RecognizeInitialSilence
            | Outcome::CallEnded
            | Outcome::MediaFailed
            | Outcome::Participant(_) => OperationStatus::Failed,
        }
    }

    /// `(code, subcode, message)` for a Graph operation `resultInfo`.
    pub fn graph_result_info(self) -> ResultInfo {
        match self {
            Outcome::Participant(reason) => reason.graph_result_info(),
            other => other.common_result_info(),
        }
    }

    /// `(code, subCode, message)` for an ACS event `resultInformation`.
    pub fn acs_result_info(self) -> ResultInfo {
        match self {
            Outcome::Participant(reason) => reason.acs_result_info(),
            other => other.common_result_info(),
        }
    }

    fn common_result_info(self) -> ResultInfo {
        match self {
            Outcome::Success => (200, 0, "Action completed successfully."),
            Outcome::RecordMaxDuration => {
                (200, 8515, "Action completed, max record duration reached.")
            }
            Outcome::RecordStopTone => (200, 8514, "Action completed, stop tone detected."),
            Outcome::RecordInitialSilence => (
                200,
                8510,
                "Action completed, initial silence timeout reached.",
            ),
            Outcome::RecordMaxSilence => {
                (200, 8516, "Action completed, max silence timeout reached.")
            }
            Outcome::RecognizeMaxTones => (200, 8531, "Action completed, max digits received."),
            Outcome::RecognizeStopTone => (200, 8514, "Action completed, stop tone detected."),
            Outcome::RecognizeInterToneTimeout => (
                200,
                8532,
                "Action completed, inter-digit silence timeout reached.",
            ),
            Outcome::RecognizeInitialSilence => {
                (400, 8510, "Action failed, initial silence timeout reached.")
            }
            Outcome::Cancelled => (400, 8508, "Action failed, the operation was cancelled."),
            Outcome::CallEnded => (400, 8528, "Action failed, the call was terminated."),
            Outcome::MediaFailed => (400, 8536, "Action failed, file could not be downloaded."),
            Outcome::Participant(reason) => reason.graph_result_info(),
        }
    }
}
