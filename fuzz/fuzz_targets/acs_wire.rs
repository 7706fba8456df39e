//! Fuzz target: every top-level ACS Call Automation wire DTO (request bodies through the door's
//! reader, responses, callback and Event Grid events, the error body) must never panic on any
//! bytes, and whatever parses must serialize and be readable again as the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_acs_wire::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn one<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let written = serde_json::to_vec(&value).expect("a parsed value serializes");
        let again = serde_json::from_slice::<T>(&written).unwrap_or_else(|e| {
            panic!(
                "cannot read back what was written: {e}: {}",
                String::from_utf8_lossy(&written)
            )
        });
        assert_eq!(again, value);
    }
}

fn body<T: RequestBody + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = T::from_json(data) {
        let written = serde_json::to_vec(&value).expect("a parsed body serializes");
        assert_eq!(T::from_json(&written).ok(), Some(value));
    }
}

fuzz_target!(|data: &[u8]| {
    body::<CreateCallRequest>(data);
    body::<AnswerCallRequest>(data);
    body::<RedirectCallRequest>(data);
    body::<RejectCallRequest>(data);
    body::<ConnectRequest>(data);
    body::<TransferToParticipantRequest>(data);
    body::<AddParticipantRequest>(data);
    body::<RemoveParticipantRequest>(data);
    body::<MuteParticipantsRequest>(data);
    body::<CancelAddParticipantRequest>(data);
    body::<MoveParticipantsRequest>(data);
    body::<PlayRequest>(data);
    body::<RecognizeRequest>(data);
    body::<ContinuousDtmfRecognitionRequest>(data);
    body::<SendDtmfTonesRequest>(data);
    body::<HoldRequest>(data);
    body::<UnholdRequest>(data);
    body::<OperationContextRequest>(data);
    body::<TranscriptionRequest>(data);
    body::<StartCallRecordingRequest>(data);
    one::<CallConnectionProperties>(data);
    one::<GetParticipantsResponse>(data);
    one::<AddParticipantResponse>(data);
    one::<OperationContextResponse>(data);
    one::<CancelAddParticipantResponse>(data);
    one::<RecordingStateResponse>(data);
    one::<AcsErrorResponse>(data);
    one::<Vec<CallAutomationEvent>>(data);
    one::<Vec<EventGridEvent<AcsEventGridData>>>(data);
    one::<Vec<CloudEvent<AcsEventGridData>>>(data);
    one::<SubscriptionValidationResponse>(data);
});
