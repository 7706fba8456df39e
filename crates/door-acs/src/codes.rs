//! The ACS door's wire values for the engine's neutral terms: `resultInformation` of a call end,
//! of a failed transfer and of an operation, and `callConnectionState` of a leg state.

use ringside_engine::{EndReason, LegState, Outcome, TransferFailure};
use ringside_runtime::codes::ResultInfo;

/// ACS `resultInformation` of a call that ended so.
pub fn end_reason(reason: EndReason) -> ResultInfo {
    match reason {
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
        EndReason::KeepAliveTimeout => (408, 8537, "Keep Alive timeout, cleaned up inactive call"),
        EndReason::Cancelled => (487, 8542, "The call was cancelled."),
        EndReason::AnsweredElsewhere => (487, 8542, "The call was answered elsewhere."),
    }
}

/// ACS `CallTransferFailed` carries the target's outcome.
pub fn transfer_failure(failure: TransferFailure) -> ResultInfo {
    match failure.0 {
        EndReason::Declined
        | EndReason::Busy
        | EndReason::Unavailable
        | EndReason::NotAnswered
        | EndReason::Unreachable
        | EndReason::Cancelled => end_reason(failure.0),
        _ => (500, 7000, "The transfer failed."),
    }
}

/// ACS event `resultInformation` of an operation.
pub fn outcome(outcome: Outcome) -> ResultInfo {
    ringside_runtime::codes::outcome(outcome, end_reason)
}

/// ACS `callConnectionState`. An offered call has no call connection yet on ACS; it renders as
/// `connecting`, like a redirect in progress renders as `disconnecting`.
pub fn call_connection_state(state: LegState) -> &'static str {
    match state {
        LegState::Incoming | LegState::Establishing => "connecting",
        LegState::Established | LegState::OnHold => "connected",
        LegState::Transferring => "transferring",
        LegState::TransferAccepted => "transferAccepted",
        LegState::Redirecting | LegState::Terminating => "disconnecting",
        LegState::Terminated(_) => "disconnected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_reasons_map_onto_documented_codes() {
        let acs = [
            (EndReason::Declined, 8538),
            (EndReason::Busy, 8539),
            (EndReason::Unavailable, 8541),
            (EndReason::NotAnswered, 8587),
            (EndReason::AnswerDeadline, 8587),
            (EndReason::HungUp, 7000),
        ];
        for (reason, subcode) in acs {
            assert_eq!(end_reason(reason).1, subcode, "{reason:?}");
        }
        for (reason, code, subcode) in [
            (EndReason::Declined, 603, 8538),
            (EndReason::Busy, 486, 8539),
            (EndReason::Unavailable, 480, 8541),
        ] {
            let (c, s, _) = end_reason(reason);
            assert_eq!((c, s), (code, subcode), "{reason:?}");
        }
        assert_eq!(
            transfer_failure(TransferFailure(EndReason::Declined)).1,
            8538
        );
        assert_eq!(
            transfer_failure(TransferFailure(EndReason::TerminatedByApp)),
            (500, 7000, "The transfer failed.")
        );
    }

    #[test]
    fn recognize_outcomes_map_onto_documented_codes() {
        assert_eq!(outcome(Outcome::RecognizeMaxTones).1, 8531);
        assert_eq!(outcome(Outcome::RecognizeInitialSilence).0, 400);
        assert_eq!(outcome(Outcome::RecognizeInitialSilence).1, 8510);
    }

    #[test]
    fn leg_states_map_onto_call_connection_states() {
        let table = [
            (LegState::Incoming, "connecting"),
            (LegState::Establishing, "connecting"),
            (LegState::Established, "connected"),
            (LegState::OnHold, "connected"),
            (LegState::Transferring, "transferring"),
            (LegState::TransferAccepted, "transferAccepted"),
            (LegState::Redirecting, "disconnecting"),
            (LegState::Terminating, "disconnecting"),
            (LegState::Terminated(EndReason::HungUp), "disconnected"),
        ];
        for (state, acs) in table {
            assert_eq!(call_connection_state(state), acs);
        }
    }
}
