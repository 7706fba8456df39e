//! What an operation's completion notification carries beyond the common members (an invite's invitees,
//! recordResponse's recording location and token, completion reasons), and where recordings are
//! served.

use std::sync::Arc;

use ringside_engine::Outcome;
use ringside_graph_wire::{CommsOperation, SendDtmfCompletionReason};
use ringside_runtime::recordings::RecordingStore;
use serde_json::Value;

/// Where recordings are served and who keeps them; given to the call table.
#[derive(Clone)]
pub struct RecordingLinks {
    /// The store.
    pub store: Arc<RecordingStore>,
    /// Public base URL of the server.
    pub base_url: String,
}

/// Copies into a completion what the operation's first rendering echoed from its request: an
/// `inviteParticipantsOperation` names its invitees in every notification, as the examples on
/// Graph's participant-invite page show.
pub(crate) fn carry_request_echo(op: &mut CommsOperation, started: &CommsOperation) {
    if let (CommsOperation::InviteParticipants(done), CommsOperation::InviteParticipants(first)) =
        (op, started)
    {
        done.participants.clone_from(&first.participants);
    }
}

/// Adds what a media operation's completion notification carries beyond the common members: a
/// completed recordResponse's `recordingLocation` and `recordingAccessToken` (a failed or
/// cancelled one gets empty strings) and its `completionReason` (beta `recordCompletionReason`
/// values, an open-type extra in v1.0 as the docs' cancelled example shows), a sendDtmfTones'
/// `completionReason`.
pub(crate) fn complete(
    op: &mut CommsOperation,
    outcome: Outcome,
    recording: Option<&str>,
    links: Option<&RecordingLinks>,
) {
    match op {
        CommsOperation::Record(record) => {
            let ticket = recording
                .zip(links)
                .and_then(|(handle, links)| links.store.take_ticket(handle).map(|t| (t, links)));
            match ticket {
                Some((ticket, links)) => {
                    record.recording_location = Some(format!(
                        "{}/ringside/v1/recordings/{}",
                        links.base_url, ticket.id
                    ));
                    record.recording_access_token = Some(ticket.token);
                }
                None => {
                    record.recording_location = Some(String::new());
                    record.recording_access_token = Some(String::new());
                }
            }
            let reason = match outcome {
                Outcome::Cancelled => Some("operationCanceled"),
                Outcome::RecordMaxDuration => Some("maxRecordDurationReached"),
                Outcome::RecordInitialSilence => Some("initialSilenceTimeout"),
                Outcome::RecordMaxSilence => Some("maxSilenceTimeout"),
                Outcome::RecordStopTone => Some("stopToneDetected"),
                Outcome::MediaFailed => Some("playPromptFailed"),
                _ => Some("unspecifiedError"),
            };
            if let Some(reason) = reason {
                record
                    .additional
                    .insert("completionReason".into(), Value::String(reason.into()));
            }
        }
        CommsOperation::SendDtmfTones(dtmf) => {
            dtmf.completion_reason = Some(match outcome {
                Outcome::Success => SendDtmfCompletionReason::CompletedSuccessfully,
                Outcome::Cancelled => SendDtmfCompletionReason::MediaOperationCanceled,
                _ => SendDtmfCompletionReason::Unknown,
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_engine::{OperationId, OperationKind, OperationStatus};

    use super::super::render;

    #[test]
    fn cancelled_records_and_dtmf_completions_carry_their_reasons() {
        let mut record = render::operation(
            OperationKind::RecordResponse,
            OperationId(ringside_model::Guid::from_u128(7)),
            "ctx",
            OperationStatus::Failed,
            Some(crate::codes::outcome(Outcome::Cancelled)),
        );
        complete(&mut record, Outcome::Cancelled, None, None);
        let value = serde_json::to_value(&record).expect("json");
        assert_eq!(value["completionReason"], "operationCanceled");
        assert_eq!(value["recordingLocation"], "");
        assert_eq!(value["recordingAccessToken"], "");
        assert_eq!(value["resultInfo"]["subcode"], 8508);

        let mut dtmf = render::operation(
            OperationKind::SendDtmf,
            OperationId(ringside_model::Guid::from_u128(8)),
            "",
            OperationStatus::Completed,
            Some(crate::codes::outcome(Outcome::Success)),
        );
        complete(&mut dtmf, Outcome::Success, None, None);
        let value = serde_json::to_value(&dtmf).expect("json");
        assert_eq!(value["completionReason"], "completedSuccessfully");
    }
}
