//! Neutral reasons ⇄ SIP status codes: the final response a caller from outside gets when its call
//! ends unanswered, and what a trunk's or phone's final response means to the engine.

use ringside_engine::{EndReason, Refusal, RejectReason};

/// The final response (status, reason phrase) to an INVITE from outside whose leg ended before it
/// was answered.
pub fn unanswered_status(reason: EndReason) -> (u16, &'static str) {
    match reason.as_seen_by_caller() {
        EndReason::Busy | EndReason::Rejected(RejectReason::Busy) => (486, "Busy Here"),
        EndReason::Declined | EndReason::Rejected(_) => (603, "Decline"),
        EndReason::Unreachable => (404, "Not Found"),
        EndReason::NotAnswered => (480, "Temporarily Unavailable"),
        EndReason::Unavailable => (480, "Temporarily Unavailable"),
        EndReason::Cancelled | EndReason::HungUp => (487, "Request Terminated"),
        EndReason::Redirected | EndReason::Transferred | EndReason::Replaced => {
            (480, "Temporarily Unavailable")
        }
        _ => (480, "Temporarily Unavailable"),
    }
}

/// What a final failure response to our INVITE means: the engine's refusal, or `None` when the
/// next gateway should be tried (`failover` lists the codes that fail over).
pub fn refusal_of(status: u16) -> Refusal {
    match status {
        486 | 600 => Refusal::Busy,
        603 | 403 | 607 | 608 => Refusal::Declined,
        _ => Refusal::Unavailable,
    }
}

/// Whether `status` moves an outbound call to the next gateway (`failover` as provisioned, e.g.
/// "408,503,504"; 503 always does, as the issue and Teams' guidance say).
pub fn fails_over(status: u16, failover: &str) -> bool {
    status == 503
        || failover
            .split(',')
            .filter_map(|code| code.trim().parse::<u16>().ok())
            .any(|code| code == status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_issue() {
        assert_eq!(unanswered_status(EndReason::Busy).0, 486);
        assert_eq!(unanswered_status(EndReason::Unreachable).0, 404);
        assert_eq!(unanswered_status(EndReason::AnswerDeadline).0, 480);
        assert_eq!(
            unanswered_status(EndReason::Rejected(RejectReason::None)).0,
            603
        );
        assert_eq!(refusal_of(486), Refusal::Busy);
        assert_eq!(refusal_of(480), Refusal::Unavailable);
        assert_eq!(refusal_of(603), Refusal::Declined);
        assert!(fails_over(503, ""));
        assert!(fails_over(408, "408,503,504"));
        assert!(!fails_over(486, "408,503,504"));
    }
}
