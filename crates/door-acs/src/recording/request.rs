//! The StartCallRecordingRequest of `POST /calling/recordings`, read and checked: the locator
//! (`callLocator` serverCallId or `callConnectionId`), content/channel/format types, external
//! storage, pause on start, and the unmixed channel ordering and affinity.

use ringside_engine::LegId;
use serde_json::{Map, Value};

use crate::recording_writer::ChannelType;
use crate::request::{
    field, invalid, not_found, not_implemented, optional_callback, raw_id_of, string, Result,
};

/// Where a recording request points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Locator {
    ServerCall(String),
    Connection(LegId),
}

/// A parsed StartCallRecordingRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StartRequest {
    pub(super) locator: Locator,
    pub(super) callback: Option<String>,
    pub(super) channel_type: ChannelType,
    pub(super) pause_on_start: bool,
    pub(super) ordering: Vec<String>,
    pub(super) affinity: Vec<(usize, String)>,
}

fn raw_of(value: &Value, what: &str) -> Result<String> {
    raw_id_of(value).ok_or_else(|| {
        invalid(format!(
            "{what} must be a communication identifier with a rawId."
        ))
    })
}

pub(super) fn parse_start(map: &Map<String, Value>) -> Result<StartRequest> {
    let connection = string(map, "callConnectionId")?.filter(|s| !s.trim().is_empty());
    let locator = match (field(map, "callLocator"), connection) {
        (Some(locator), _) => {
            let kind = locator.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(id) = locator.get("serverCallId").and_then(Value::as_str) {
                Locator::ServerCall(id.to_string())
            } else if locator.get("groupCallId").is_some()
                || locator.get("roomId").is_some()
                || kind.eq_ignore_ascii_case("groupCallLocator")
                || kind.eq_ignore_ascii_case("roomCallLocator")
            {
                return Err(not_implemented(
                    "Recording by groupCallLocator or roomCallLocator (Ringside locates calls by serverCallId or callConnectionId)",
                ));
            } else {
                return Err(invalid("callLocator must carry a serverCallId."));
            }
        }
        (None, Some(id)) => Locator::Connection(
            ringside_model::Guid::parse(id.trim())
                .map(LegId)
                .map_err(|_| not_found())?,
        ),
        (None, None) => {
            return Err(invalid(
                "Either callLocator or callConnectionId is required.",
            ))
        }
    };
    match string(map, "recordingContentType")? {
        None => {}
        Some(c) if c.eq_ignore_ascii_case("audio") => {}
        Some(c) if c.eq_ignore_ascii_case("audioVideo") => {
            return Err(not_implemented(
                "recordingContentType audioVideo (Ringside carries audio only)",
            ))
        }
        Some(c) => {
            return Err(invalid(format!(
                "recordingContentType '{c}' is not audio or audioVideo."
            )))
        }
    }
    let channel_type = match string(map, "recordingChannelType")? {
        None => ChannelType::Mixed,
        Some(c) if c.eq_ignore_ascii_case("mixed") => ChannelType::Mixed,
        Some(c) if c.eq_ignore_ascii_case("unmixed") => ChannelType::Unmixed,
        Some(c) => {
            return Err(invalid(format!(
                "recordingChannelType '{c}' is not mixed or unmixed."
            )))
        }
    };
    match string(map, "recordingFormatType")? {
        None => {}
        Some(f) if f.eq_ignore_ascii_case("wav") => {}
        Some(f) if f.eq_ignore_ascii_case("mp3") || f.eq_ignore_ascii_case("mp4") => {
            return Err(not_implemented(&format!(
                "recordingFormatType {f} (Ringside writes wav)"
            )))
        }
        Some(f) => {
            return Err(invalid(format!(
                "recordingFormatType '{f}' is not wav, mp3 or mp4."
            )))
        }
    }
    if let Some(storage) = field(map, "externalStorage") {
        let kind = storage
            .get("recordingStorageKind")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kind.eq_ignore_ascii_case("azureCommunicationServices") {
            return Err(not_implemented(
                "externalStorage other than azureCommunicationServices (bring-your-own blob storage)",
            ));
        }
    }
    let pause_on_start = match field(map, "pauseOnStart") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("pauseOnStart must be true or false.")),
    };
    let mut ordering = Vec::new();
    match field(map, "audioChannelParticipantOrdering") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                ordering.push(raw_of(item, "audioChannelParticipantOrdering[]")?);
            }
        }
        Some(_) => return Err(invalid("audioChannelParticipantOrdering must be an array.")),
    }
    let mut affinity = Vec::new();
    match field(map, "channelAffinity") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                let channel = match item.get("channel") {
                    None | Some(Value::Null) => affinity.len() as u64,
                    Some(v) => v
                        .as_u64()
                        .filter(|c| *c < ringside_media::MAX_RECORDING_CHANNELS as u64)
                        .ok_or_else(|| invalid("channelAffinity[].channel must be 0 to 4."))?,
                };
                let participant = item
                    .get("participant")
                    .ok_or_else(|| invalid("channelAffinity[].participant is required."))?;
                let raw = raw_of(participant, "channelAffinity[].participant")?;
                if affinity.iter().any(|(c, _)| *c == channel as usize) {
                    return Err(invalid(format!(
                        "channelAffinity names channel {channel} twice."
                    )));
                }
                affinity.push((channel as usize, raw));
            }
        }
        Some(_) => return Err(invalid("channelAffinity must be an array.")),
    }
    if !affinity.is_empty() && channel_type == ChannelType::Mixed {
        return Err(invalid(
            "channelAffinity needs recordingChannelType unmixed.",
        ));
    }
    Ok(StartRequest {
        locator,
        callback: optional_callback(map, "recordingStateCallbackUri")?,
        channel_type,
        pause_on_start,
        ordering,
        affinity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::body;
    use axum::http::StatusCode;
    use serde_json::json;

    fn parse(value: Value) -> Result<StartRequest> {
        parse_start(value.as_object().expect("object"))
    }

    #[test]
    fn start_requests_are_read_as_both_sdks_send_them() {
        let python = parse(json!({
            "callLocator": {"serverCallId": "abc", "kind": "serverCallLocator"},
            "recordingStateCallbackUri": "https://app.example.com/rec",
            "recordingContentType": "audio",
            "recordingChannelType": "unmixed",
            "recordingFormatType": "wav",
            "channelAffinity": [],
            "pauseOnStart": true,
        }))
        .expect("python");
        assert_eq!(python.locator, Locator::ServerCall("abc".into()));
        assert_eq!(python.channel_type, ChannelType::Unmixed);
        assert!(python.pause_on_start);
        let by_connection = parse(json!({
            "callConnectionId": "00000000-0000-0000-0000-000000000007",
            "channelAffinity": [{"channel": 2, "participant": {"rawId": "4:+1425", "phoneNumber": {"value": "+1425"}}}],
            "recordingChannelType": "unmixed",
            "audioChannelParticipantOrdering": [{"kind": "phoneNumber", "phoneNumber": {"value": "+1999"}}],
        }))
        .expect("by connection");
        assert!(matches!(by_connection.locator, Locator::Connection(_)));
        assert_eq!(by_connection.affinity, vec![(2, "4:+1425".to_string())]);
        assert_eq!(by_connection.ordering, vec!["4:+1999".to_string()]);
        assert_eq!(by_connection.channel_type, ChannelType::Unmixed);
    }

    #[test]
    fn unsupported_and_malformed_requests_say_why() {
        let status = |v: Value| parse(v).map(|_| ()).map_err(|e| (e.status, e.code));
        assert_eq!(
            status(json!({})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": "x", "recordingContentType": "audioVideo"}))
                .map_err(|e| e.0),
            Err(StatusCode::NOT_FOUND),
            "a connection id that is not one of ours is unknown"
        );
        let call = "00000000-0000-0000-0000-000000000007";
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingContentType": "audioVideo"})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingFormatType": "mp3"})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "recordingChannelType": "stereo"})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(
                json!({"callConnectionId": call, "externalStorage": {"recordingStorageKind": "azureBlobStorage", "recordingDestinationContainerUrl": "https://b/c"}})
            ),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(
                json!({"callConnectionId": call, "recordingChannelType": "unmixed", "channelAffinity": [{"channel": 9, "participant": {"rawId": "4:+1"}}]})
            ),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        assert_eq!(
            status(json!({"callLocator": {"groupCallId": "g", "kind": "groupCallLocator"}})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callConnectionId": call, "pauseOnStart": "yes"})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_start_requests_never_panic(text in ".{0,200}", channel in proptest::option::of(0u64..10), raw in ".{0,20}") {
            let _ = body(text.as_bytes()).map(|m| parse_start(&m));
            let shaped = json!({
                "callConnectionId": text,
                "recordingChannelType": raw,
                "channelAffinity": [{"channel": channel, "participant": {"rawId": raw}}],
                "audioChannelParticipantOrdering": [{"phoneNumber": {"value": raw}}, raw],
                "callLocator": if channel.is_some() { json!({"serverCallId": raw}) } else { Value::Null },
            });
            let _ = parse(shaped);
        }
    }
}
