//! The Graph door's wire values for the engine's neutral terms: `resultInfo` of a call end, of a
//! failed transfer and of an operation, and `callState` of a leg state.

use ringside_engine::{EndReason, LegState, Outcome, RejectReason, TransferFailure};
use ringside_graph_wire::CallState;
use ringside_runtime::codes::ResultInfo;

/// Graph `resultInfo` of a call that ended so.
pub fn end_reason(reason: EndReason) -> ResultInfo {
    match reason {
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
        EndReason::KeepAliveTimeout => (408, 8537, "Keep Alive timeout, cleaned up inactive call"),
        EndReason::RedirectTimeout => (408, 10057, "Timed out; no redirect target answered."),
        EndReason::Cancelled => (487, 8542, "The call was cancelled."),
        EndReason::AnsweredElsewhere => (487, 8542, "The call was answered elsewhere."),
    }
}

/// Graph always reports `500/7000` on the `established` notification after a failed transfer.
pub fn transfer_failure(_: TransferFailure) -> ResultInfo {
    (500, 7000, "The transfer failed.")
}

/// Graph operation `resultInfo`.
pub fn outcome(outcome: Outcome) -> ResultInfo {
    ringside_runtime::codes::outcome(outcome, end_reason)
}

/// Graph `callState`.
pub fn call_state(state: LegState) -> CallState {
    match state {
        LegState::Incoming => CallState::Incoming,
        LegState::Establishing => CallState::Establishing,
        LegState::Established => CallState::Established,
        LegState::OnHold => CallState::Hold,
        LegState::Transferring => CallState::Transferring,
        LegState::TransferAccepted => CallState::TransferAccepted,
        LegState::Redirecting => CallState::Redirecting,
        LegState::Terminating => CallState::Terminating,
        LegState::Terminated(_) => CallState::Terminated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_reasons_map_onto_documented_codes() {
        let graph = [
            (EndReason::HungUp, 200, 5001),
            (EndReason::RemoteHungUp, 200, 4521),
            (EndReason::TerminatedByApp, 200, 7000),
            (EndReason::Transferred, 0, 7015),
            (EndReason::KeepAliveTimeout, 408, 8537),
            (EndReason::AnswerDeadline, 408, 1106),
            (EndReason::Unreachable, 480, 10037),
            (EndReason::NobodyJoined, 200, 5013),
            (EndReason::RedirectTimeout, 408, 10057),
        ];
        for (reason, code, subcode) in graph {
            let (c, s, message) = end_reason(reason);
            assert_eq!((c, s), (code, subcode), "{reason:?}");
            assert!(!message.is_empty());
        }
        assert_eq!(
            end_reason(EndReason::HungUp),
            (200, 5001, "The conversation has ended.")
        );
        assert_eq!(
            end_reason(EndReason::KeepAliveTimeout),
            (408, 8537, "Keep Alive timeout, cleaned up inactive call")
        );
        assert_eq!(
            end_reason(EndReason::Transferred),
            (0, 7015, "GracefulTransferCompleted")
        );
        assert_eq!(
            transfer_failure(TransferFailure(EndReason::Declined)).0,
            500
        );
        assert_eq!(
            transfer_failure(TransferFailure(EndReason::Declined)).1,
            7000
        );
        assert_eq!(end_reason(EndReason::Rejected(RejectReason::Busy)).1, 8539);
    }

    #[test]
    fn operation_outcomes_map_onto_documented_codes() {
        assert_eq!(outcome(Outcome::RecordMaxDuration).1, 8515);
        assert_eq!(
            outcome(Outcome::Cancelled),
            (400, 8508, "Action failed, the operation was cancelled.")
        );
        assert_eq!(
            outcome(Outcome::Participant(EndReason::Busy)),
            end_reason(EndReason::Busy)
        );
    }

    #[test]
    fn leg_states_map_onto_call_states() {
        let table = [
            (LegState::Incoming, "incoming"),
            (LegState::Establishing, "establishing"),
            (LegState::Established, "established"),
            (LegState::OnHold, "hold"),
            (LegState::Transferring, "transferring"),
            (LegState::TransferAccepted, "transferAccepted"),
            (LegState::Redirecting, "redirecting"),
            (LegState::Terminating, "terminating"),
            (LegState::Terminated(EndReason::HungUp), "terminated"),
        ];
        for (state, graph) in table {
            assert_eq!(call_state(state).as_str(), graph);
        }
    }
}
