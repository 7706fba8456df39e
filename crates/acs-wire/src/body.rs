//! [`RequestBody`]: how the door reads a request body. ACS (like the door's hand parsing today)
//! matches top-level member names case-insensitively, and the members of `mediaStreamingOptions`
//! and `customCallingContext` too; serde does not, so [`RequestBody::from_json`] first renames
//! keys that match a member in another letter case, then deserializes. An empty body reads as
//! `{}`; a body that is not a JSON object is an error.

use serde::de::{DeserializeOwned, Error as _};
use serde_json::{Map, Value};

use crate::media::MediaStreamingOptions;
use crate::media_requests::{
    ContinuousDtmfRecognitionRequest, HoldRequest, OperationContextRequest, PlayRequest,
    RecognizeRequest, SendDtmfTonesRequest, TranscriptionRequest, UnholdRequest,
};
use crate::models::CustomCallingContext;
use crate::recording::StartCallRecordingRequest;
use crate::requests::{
    AddParticipantRequest, AnswerCallRequest, CancelAddParticipantRequest, ConnectRequest,
    CreateCallRequest, MoveParticipantsRequest, MuteParticipantsRequest, RedirectCallRequest,
    RejectCallRequest, RemoveParticipantRequest, TransferToParticipantRequest,
};
use crate::util::field_names;

/// A request body the door reads.
pub trait RequestBody: DeserializeOwned {
    /// Object members whose own member names are matched case-insensitively too, with the type
    /// that names them.
    fn nested_members() -> Vec<(&'static str, &'static [&'static str])> {
        Vec::new()
    }

    /// Parses a body: empty reads as `{}`, member names in any letter case (an exact-case key wins
    /// over another spelling of the same name), unknown members ignored.
    fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut value = if bytes.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(bytes)?
        };
        let Value::Object(map) = &mut value else {
            return Err(serde_json::Error::custom(
                "the request body must be a JSON object",
            ));
        };
        Self::normalize_names(map);
        serde_json::from_value(value)
    }

    /// Renames the members of a body's object (and of its [`Self::nested_members`]) to the names
    /// this type declares, as [`Self::from_json`] does before deserializing: for a reader that
    /// deserializes the object itself (to learn where it fails, say).
    fn normalize_names(map: &mut Map<String, Value>) {
        normalize(map, field_names::<Self>());
        for (member, names) in Self::nested_members() {
            if let Some(Value::Object(inner)) = map.get_mut(member) {
                normalize(inner, names);
            }
        }
    }
}

/// Renames keys of `map` that equal one of `names` ignoring case (but not exactly) to that name,
/// unless the exact name is already there.
fn normalize(map: &mut Map<String, Value>, names: &[&'static str]) {
    let renames: Vec<(String, &'static str)> = map
        .keys()
        .filter(|k| !names.contains(&k.as_str()))
        .filter_map(|k| {
            names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(k))
                .map(|n| (k.clone(), *n))
        })
        .collect();
    for (from, to) in renames {
        if let Some(v) = map.remove(&from) {
            map.entry(to).or_insert(v);
        }
    }
}

fn streaming() -> (&'static str, &'static [&'static str]) {
    (
        "mediaStreamingOptions",
        field_names::<MediaStreamingOptions>(),
    )
}

fn custom_context() -> (&'static str, &'static [&'static str]) {
    (
        "customCallingContext",
        field_names::<CustomCallingContext>(),
    )
}

macro_rules! request_body {
    ($($ty:ty $(=> [$($nested:ident),*])?;)+) => {$(
        impl RequestBody for $ty {
            $(
                fn nested_members() -> Vec<(&'static str, &'static [&'static str])> {
                    vec![$($nested()),*]
                }
            )?
        }
    )+};
}

request_body! {
    CreateCallRequest => [streaming, custom_context];
    AnswerCallRequest => [streaming];
    ConnectRequest => [streaming];
    RedirectCallRequest;
    RejectCallRequest;
    TransferToParticipantRequest => [custom_context];
    AddParticipantRequest => [custom_context];
    RemoveParticipantRequest;
    MuteParticipantsRequest;
    CancelAddParticipantRequest;
    MoveParticipantsRequest;
    PlayRequest;
    RecognizeRequest;
    ContinuousDtmfRecognitionRequest;
    SendDtmfTonesRequest;
    HoldRequest;
    UnholdRequest;
    OperationContextRequest;
    TranscriptionRequest;
    StartCallRecordingRequest;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_and_exact_wins() {
        let r = RejectCallRequest::from_json(
            br#"{"INCOMINGCALLCONTEXT":"a","callRejectReason":"Busy","CallRejectReason":"none"}"#,
        )
        .unwrap();
        assert_eq!(r.incoming_call_context, "a");
        assert_eq!(
            r.call_reject_reason,
            Some(crate::enums::CallRejectReason::Busy)
        );
        let c = CreateCallRequest::from_json(
            br#"{"Targets":[],"CallbackUri":"https://x","MediaStreamingOptions":
                {"TransportType":"WebSocket","AUDIOCHANNELTYPE":"Mixed"},
                "customCallingContext":{"SIPHEADERS":{"X-MS-Custom-a":"1"}}}"#,
        )
        .unwrap();
        let options = c.media_streaming_options.unwrap();
        assert_eq!(
            options.transport_type,
            crate::enums::StreamingTransportType::Websocket
        );
        assert_eq!(
            c.custom_calling_context.unwrap().sip_headers.unwrap().len(),
            1
        );
    }

    #[test]
    fn empty_is_an_empty_object_and_non_objects_fail() {
        assert!(OperationContextRequest::from_json(b"").is_ok());
        assert!(OperationContextRequest::from_json(b"[]").is_err());
        assert!(OperationContextRequest::from_json(b"\"x\"").is_err());
        assert!(OperationContextRequest::from_json(b"{").is_err());
        assert!(
            RejectCallRequest::from_json(b"").is_err(),
            "required member"
        );
        let positional = br#"["ctx", "https://app/cb"]"#;
        assert!(
            serde_json::from_slice::<OperationContextRequest>(positional).is_ok(),
            "plain serde reads a sequence as a struct"
        );
        assert!(OperationContextRequest::from_json(positional).is_err());
    }
}
