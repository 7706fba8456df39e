//! The StartCallRecordingRequest of `POST /calling/recordings`, read and checked: the locator
//! (`callLocator` serverCallId or `callConnectionId`), content/channel/format types, external
//! storage, pause on start, and the unmixed channel ordering and affinity.

use ringside_acs_wire::{
    CommunicationIdentifierModel, RecordingChannelType, RecordingContentType, RecordingFormatType,
    RecordingStorageKind, StartCallRecordingRequest,
};
use ringside_engine::LegId;

use crate::recording_writer::ChannelType;
use crate::request::{invalid, not_found, not_implemented, optional_callback, Body, Result};

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

/// The rawId of an identifier the request names (`what`).
fn raw_of(id: &CommunicationIdentifierModel, what: &str) -> Result<String> {
    id.raw_id().ok_or_else(|| {
        invalid(format!(
            "{what} must be a communication identifier with a rawId."
        ))
    })
}

/// Reads and checks a StartCallRecordingRequest. The door reads `callLocator`,
/// `externalStorage` and the identifiers leniently (what it cannot read is left out).
pub(super) fn parse_start(body: &Body) -> Result<StartRequest> {
    let request: StartCallRecordingRequest = body.parse(&[
        "callLocator",
        "externalStorage",
        "audioChannelParticipantOrdering[]",
        "channelAffinity[].participant",
    ])?;
    let locator = locator(body, &request)?;
    match &request.recording_content_type {
        None | Some(RecordingContentType::Audio) => {}
        Some(RecordingContentType::AudioVideo) => {
            return Err(not_implemented(
                "recordingContentType audioVideo (Ringside carries audio only)",
            ))
        }
        Some(RecordingContentType::Other(c)) => {
            return Err(invalid(format!(
                "recordingContentType '{c}' is not audio or audioVideo."
            )))
        }
    }
    let channel_type = match &request.recording_channel_type {
        None | Some(RecordingChannelType::Mixed) => ChannelType::Mixed,
        Some(RecordingChannelType::Unmixed) => ChannelType::Unmixed,
        Some(RecordingChannelType::Other(c)) => {
            return Err(invalid(format!(
                "recordingChannelType '{c}' is not mixed or unmixed."
            )))
        }
    };
    format_and_storage(body, &request)?;
    let ordering = request
        .audio_channel_participant_ordering
        .iter()
        .flatten()
        .map(|id| raw_of(id, "audioChannelParticipantOrdering[]"))
        .collect::<Result<Vec<_>>>()?;
    let affinity = affinity(&request)?;
    if !affinity.is_empty() && channel_type == ChannelType::Mixed {
        return Err(invalid(
            "channelAffinity needs recordingChannelType unmixed.",
        ));
    }
    Ok(StartRequest {
        locator,
        callback: optional_callback(
            request.recording_state_callback_uri,
            "recordingStateCallbackUri",
        )?,
        channel_type,
        pause_on_start: request.pause_on_start.unwrap_or(false),
        ordering,
        affinity,
    })
}

/// The call: by `callLocator` (a serverCallId; 405 for group calls and rooms), else by
/// `callConnectionId` (404 when it cannot be one).
fn locator(body: &Body, request: &StartCallRecordingRequest) -> Result<Locator> {
    let connection = request
        .call_connection_id
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    match (&request.call_locator, connection) {
        (Some(locator), _) => match &locator.server_call_id {
            Some(id) => Ok(Locator::ServerCall(id.clone())),
            None if locator.is_group_or_room() || names_group_or_room(body) => Err(not_implemented(
                "Recording by groupCallLocator or roomCallLocator (Ringside locates calls by serverCallId or callConnectionId)",
            )),
            None => Err(invalid("callLocator must carry a serverCallId.")),
        },
        (None, Some(id)) => ringside_model::Guid::parse(id.trim())
            .map(|guid| Locator::Connection(LegId(guid)))
            .map_err(|_| not_found()),
        (None, None) => Err(invalid(
            "Either callLocator or callConnectionId is required.",
        )),
    }
}

/// Whether the `callLocator` as given has a `groupCallId` or `roomId` member at all (the door
/// has always answered those 405, whatever the id).
fn names_group_or_room(body: &Body) -> bool {
    body.member("callLocator")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|locator| {
            locator.contains_key("groupCallId") || locator.contains_key("roomId")
        })
}

/// `recordingFormatType` must be wav (405 for mp3 and mp4) and the storage Ringside's own (405
/// for any `externalStorage` that is not `azureCommunicationServices`, readable or not).
fn format_and_storage(body: &Body, request: &StartCallRecordingRequest) -> Result<()> {
    match &request.recording_format_type {
        None | Some(RecordingFormatType::Wav) => {}
        Some(f @ (RecordingFormatType::Mp3 | RecordingFormatType::Mp4)) => {
            return Err(not_implemented(&format!(
                "recordingFormatType {f} (Ringside writes wav)"
            )))
        }
        Some(RecordingFormatType::Other(f)) => {
            return Err(invalid(format!(
                "recordingFormatType '{f}' is not wav, mp3 or mp4."
            )))
        }
    }
    let ours = request.external_storage.as_ref().is_some_and(|storage| {
        storage.recording_storage_kind == RecordingStorageKind::AzureCommunicationServices
    });
    if body.member("externalStorage").is_some() && !ours {
        return Err(not_implemented(
            "externalStorage other than azureCommunicationServices (bring-your-own blob storage)",
        ));
    }
    Ok(())
}

/// `channelAffinity`: (channel, rawId) pairs; an entry without a channel takes its position.
fn affinity(request: &StartCallRecordingRequest) -> Result<Vec<(usize, String)>> {
    let mut affinity = Vec::new();
    for item in request.channel_affinity.iter().flatten() {
        let channel = match item.channel {
            None => affinity.len() as u64,
            Some(c) if c < ringside_media::MAX_RECORDING_CHANNELS as u64 => c,
            Some(_) => return Err(invalid("channelAffinity[].channel must be 0 to 4.")),
        };
        let raw = raw_of(&item.participant, "channelAffinity[].participant")?;
        if affinity.iter().any(|(c, _)| *c == channel as usize) {
            return Err(invalid(format!(
                "channelAffinity names channel {channel} twice."
            )));
        }
        affinity.push((channel as usize, raw));
    }
    Ok(affinity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde_json::{json, Value};

    fn parse(value: Value) -> Result<StartRequest> {
        parse_start(&Body::read(value.to_string().as_bytes())?)
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

    #[test]
    fn malformed_members_the_door_reads_leniently_keep_their_answers() {
        let status = |v: Value| parse(v).map(|_| ()).map_err(|e| (e.status, e.code));
        let call = "00000000-0000-0000-0000-000000000007";
        // A locator naming a group call or a room at all is 405, whatever the id.
        assert_eq!(
            status(json!({"callLocator": {"groupCallId": 7}})),
            Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
        );
        assert_eq!(
            status(json!({"callLocator": "abc"})),
            Err((StatusCode::BAD_REQUEST, "8523".into()))
        );
        // Any externalStorage but the platform's own is 405, readable or not.
        for storage in [json!({}), json!("blob"), json!({"recordingStorageKind": 1})] {
            assert_eq!(
                status(json!({"callConnectionId": call, "externalStorage": storage})),
                Err((StatusCode::METHOD_NOT_ALLOWED, "8520".into()))
            );
        }
        let ours = parse(json!({"callConnectionId": call, "externalStorage":
            {"recordingStorageKind": "azureCommunicationServices", "recordingDestinationContainerUrl": 5}}));
        assert!(ours.is_ok(), "{ours:?}");
        // Identifiers in the ordering lose what does not fit; one with nothing left is refused.
        let ordered = parse(
            json!({"callConnectionId": call, "recordingChannelType": "unmixed",
            "audioChannelParticipantOrdering": [{"rawId": 4, "phoneNumber": {"value": "+1999"}}]}),
        )
        .expect("lenient identifier");
        assert_eq!(ordered.ordering, vec!["4:+1999".to_string()]);
        let error = parse(json!({"callConnectionId": call,
            "audioChannelParticipantOrdering": ["4:+1999"]}))
        .expect_err("no rawId");
        assert_eq!(
            error.message,
            "audioChannelParticipantOrdering[] must be a communication identifier with a rawId."
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_start_requests_never_panic(text in ".{0,200}", channel in proptest::option::of(0u64..10), raw in ".{0,20}") {
            let _ = Body::read(text.as_bytes()).map(|b| parse_start(&b));
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
