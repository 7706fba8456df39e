//! Fuzz target: every top-level Graph wire DTO (call, notifications, operations, action bodies, errors)
//! must never panic on any bytes, and whatever parses must serialize and be readable again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_graph_wire::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn one<T: DeserializeOwned + Serialize>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let written = serde_json::to_vec(&value).expect("a parsed value serializes");
        assert!(
            serde_json::from_slice::<T>(&written).is_ok(),
            "cannot read back what was written: {}",
            String::from_utf8_lossy(&written)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    one::<Call>(data);
    one::<CommsNotifications>(data);
    one::<CommsOperation>(data);
    one::<Participant>(data);
    one::<GraphError>(data);
    one::<AnswerRequest>(data);
    one::<RejectRequest>(data);
    one::<RedirectRequest>(data);
    one::<TransferRequest>(data);
    one::<PlayPromptRequest>(data);
    one::<RecordResponseRequest>(data);
    one::<SendDtmfTonesRequest>(data);
    one::<InviteParticipantsRequest>(data);
    one::<StartHoldMusicRequest>(data);
    one::<ChangeScreenSharingRoleRequest>(data);
    one::<UpdateRecordingStatusRequest>(data);
    one::<ClientContextRequest>(data);
    one::<AudioRoutingGroup>(data);
    one::<OnlineMeeting>(data);
    if let Ok(call) = serde_json::from_slice::<Call>(data) {
        let _ = serde_json::to_vec(&CallCreatedResponse(&call));
    }
});
