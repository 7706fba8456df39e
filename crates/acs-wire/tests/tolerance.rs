//! Tolerant reader, strict writer: enum letter case and unknown values, unknown members, member
//! names in any case, the door's lenient forms (tones by key, a lone play source, fractional
//! seconds), typed events falling back to raw, the members written as `null` — and bad input
//! (wrong types, missing required members) as serde errors.

mod common;

use ringside_acs_wire::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn parse<T: DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(v)
}

fn body<T: RequestBody>(v: Value) -> Result<T, serde_json::Error> {
    T::from_json(v.to_string().as_bytes())
}

/// Every known value parses from camelCase, PascalCase, UPPERCASE and lowercase (and with blanks
/// around), and is written in its wire spelling; an unknown value is kept verbatim.
macro_rules! open_enums {
    ($($ty:ty),+ $(,)?) => {$(
        for wire in <$ty>::WIRE_NAMES {
            let known = <$ty>::from_wire(wire);
            assert!(known.is_known(), "{wire}");
            let mut pascal = wire.to_string();
            pascal[..1].make_ascii_uppercase();
            for spelling in [wire.to_string(), pascal, wire.to_ascii_uppercase(),
                             wire.to_ascii_lowercase(), format!(" {wire} ")] {
                let parsed: $ty = parse(json!(spelling)).unwrap();
                assert_eq!(parsed, known, "{} `{spelling}`", stringify!($ty));
            }
            assert_eq!(serde_json::to_value(&known).unwrap(), json!(wire));
            assert_eq!(known.to_string(), *wire);
            assert_eq!(wire.parse::<$ty>(), Ok(known));
        }
        let unknown: $ty = parse(json!("someFutureValue")).unwrap();
        assert_eq!(unknown, <$ty>::Other("someFutureValue".into()));
        assert!(!unknown.is_known());
        assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("someFutureValue"));
        assert!(parse::<$ty>(json!(3)).is_err(), "numbers are not enum values");
        assert!(parse::<$ty>(json!(null)).is_err());
    )+};
}

#[test]
fn enums_are_open_and_case_insensitive() {
    open_enums!(
        IdentifierKind,
        CommunicationCloudEnvironment,
        CallLocatorKind,
        CallRejectReason,
        CallConnectionState,
        PlaySourceKind,
        VoiceKind,
        RecognizeInputType,
        RecognitionType,
        DtmfTone,
        StreamingTransportType,
        MediaStreamingContentType,
        MediaStreamingAudioChannelType,
        AudioFormat,
        SubscriptionState,
        TranscriptionResultType,
        MediaStreamingStatus,
        MediaStreamingStatusDetails,
        RecordingContentType,
        RecordingChannelType,
        RecordingFormatType,
        RecordingStorageKind,
        RecordingState,
        RecordingKind,
    );
}

#[test]
fn sdk_casings_and_door_leniencies() {
    // Python's enum casing.
    let app: MicrosoftTeamsAppIdentifierModel =
        parse(json!({"appId": "a", "cloud": "PUBLIC"})).unwrap();
    assert_eq!(app.cloud, Some(CommunicationCloudEnvironment::Public));
    assert_eq!(serde_json::to_value(&app).unwrap()["cloud"], "public");
    // Tones by key, written by name.
    let send: SendDtmfTonesRequest = body(json!({"tones": ["1", "#", "*", "a", "Nine"],
        "targetParticipant": {"rawId": "4:+1"}}))
    .unwrap();
    assert_eq!(
        serde_json::to_value(&send.tones).unwrap(),
        json!(["one", "pound", "asterisk", "a", "nine"])
    );
    // A lone play source, as the door accepts; written as a list.
    let play: PlayRequest =
        body(json!({"playSources": {"file": {"uri": "https://x/a.wav"}}})).unwrap();
    assert_eq!(play.play_sources.len(), 1);
    assert_eq!(play.play_sources[0].effective_kind(), PlaySourceKind::File);
    assert!(serde_json::to_value(&play).unwrap()["playSources"].is_array());
    let recognize: RecognizeRequest = body(json!({"recognizeInputType": "DTMF",
        "playPrompts": {"kind": "file", "file": {"uri": "https://x/p.wav"}},
        "recognizeOptions": {"targetParticipant": {"rawId": "4:+1"},
            "initialSilenceTimeoutInSeconds": 2.5, "dtmfOptions": {"interToneTimeoutInSeconds": 1}}}))
    .unwrap();
    assert_eq!(recognize.prompts().len(), 1);
    assert_eq!(recognize.recognize_input_type, RecognizeInputType::Dtmf);
    let options = &recognize.recognize_options;
    assert_eq!(options.initial_silence_timeout_in_seconds, Some(2.5));
    let out = serde_json::to_value(&recognize).unwrap();
    assert_eq!(
        out["recognizeOptions"]["initialSilenceTimeoutInSeconds"],
        json!(2.5)
    );
    assert_eq!(
        out["recognizeOptions"]["dtmfOptions"]["interToneTimeoutInSeconds"],
        json!(1),
        "whole seconds are written as integers"
    );
    // playOptions without `loop` reads as false; `loop` is always written.
    let play: PlayRequest =
        body(json!({"playSources": [{"file": {"uri": "u"}}], "playOptions": {}})).unwrap();
    assert_eq!(
        serde_json::to_value(&play).unwrap()["playOptions"],
        json!({"loop": false})
    );
    // Error codes that are numbers.
    let error: AcsErrorResponse = parse(json!({"error": {"code": 8522}})).unwrap();
    assert_eq!(
        (error.error.code.as_str(), error.error.message.as_str()),
        ("8522", "")
    );
    let error: AcsErrorResponse =
        parse(json!({"error": {"code": "x", "message": "m", "innerError": {"code": "i"}}}))
            .unwrap();
    assert_eq!(error.error.innererror.unwrap().code, "i");
}

#[test]
fn member_names_in_any_case_and_unknown_members() {
    let answer: AnswerCallRequest = body(json!({
        "IncomingCallContext": "t", "CALLBACKURI": "https://x", "futureThing": {"a": 1},
        "mediaStreamingOptions": {"TRANSPORTTYPE": "websocket", "audiochanneltype": "mixed",
            "TransportUrl": "wss://a", "somethingNew": true},
    }))
    .unwrap();
    assert_eq!(answer.callback_uri, "https://x");
    let options = answer.media_streaming_options.as_ref().unwrap();
    assert_eq!(options.transport_url.as_deref(), Some("wss://a"));
    let out = serde_json::to_value(&answer).unwrap();
    assert!(
        out.get("futureThing").is_none(),
        "unknown members are dropped"
    );
    assert!(out["mediaStreamingOptions"].get("somethingNew").is_none());
    // Nested identifiers stay case-sensitive (as in the door): `RawId` is an unknown member.
    let redirect: RedirectCallRequest =
        body(json!({"incomingCallContext": "t", "target": {"RawId": "4:+1"}})).unwrap();
    assert_eq!(redirect.target.raw_id(), None);
    // Plain serde is case-sensitive.
    assert!(
        parse::<AnswerCallRequest>(json!({"IncomingCallContext": "t", "callbackUri": "u"}))
            .is_err()
    );
}

#[test]
fn events_fall_back_to_raw() {
    let envelope = |ty: &str, data: Value| {
        json!({"id": "1", "source": "calling/callConnections/c", "type": ty,
               "specversion": "1.0", "data": data})
    };
    let unknown: CallAutomationEvent = parse(envelope(
        "Microsoft.Communication.SomethingNew",
        json!({"callConnectionId": "c", "x": 1}),
    ))
    .unwrap();
    let CallAutomationEventData::Other(other) = &unknown.data else {
        panic!("{:?}", unknown.data)
    };
    assert_eq!(other.event_type, "Microsoft.Communication.SomethingNew");
    assert_eq!(
        unknown.data.event_type(),
        "Microsoft.Communication.SomethingNew"
    );
    assert!(unknown.data.common().is_none());
    assert_eq!(serde_json::to_value(&unknown).unwrap()["data"]["x"], 1);
    // Known type, data that does not fit: kept raw rather than failing the envelope.
    let odd: CallAutomationEvent = parse(envelope(
        "Microsoft.Communication.PlayCompleted",
        json!({"resultInformation": {"code": "two hundred"}}),
    ))
    .unwrap();
    assert!(matches!(odd.data, CallAutomationEventData::Other(_)));
    // The type's letter case does not matter; missing data is null.
    let typed: CallAutomationEvent =
        parse(envelope("microsoft.communication.playcompleted", json!({}))).unwrap();
    assert!(matches!(
        typed.data,
        CallAutomationEventData::PlayCompleted(_)
    ));
    let bare: CloudEvent =
        parse(json!({"id": "1", "source": "s", "type": "t", "specversion": "1.0"})).unwrap();
    assert_eq!(bare.data, Value::Null);
    // Event Grid: an IncomingCall without its token is not typed.
    let grid: EventGridEvent<AcsEventGridData> =
        parse(json!({"id": "1", "subject": "", "eventType": INCOMING_CALL,
        "eventTime": "t", "dataVersion": "1.0", "data": {"to": {}, "from": {}}}))
        .unwrap();
    assert!(matches!(grid.data, AcsEventGridData::Other(_)));
}

#[test]
fn members_the_door_writes_as_null() {
    let connected = serde_json::to_value(CallConnected::default()).unwrap();
    assert_eq!(connected, json!({"operationContext": null}));
    let accepted = serde_json::to_value(CallTransferAccepted::default()).unwrap();
    assert_eq!(
        accepted,
        json!({"operationContext": null, "transferTarget": null, "transferee": null})
    );
    let streaming = serde_json::to_value(MediaStreamingEvent::default()).unwrap();
    assert_eq!(streaming, json!({"operationContext": null}));
    assert_eq!(
        serde_json::to_value(ParticipantEvent::default()).unwrap(),
        json!({"participant": null})
    );
    assert_eq!(
        serde_json::to_value(CancelAddParticipantEvent::default()).unwrap(),
        json!({"invitationId": null})
    );
    // Everything else omits None.
    for empty in [
        serde_json::to_value(OperationEvent::default()).unwrap(),
        serde_json::to_value(CallConnectionProperties::default()).unwrap(),
        serde_json::to_value(RecordingStateChanged::default()).unwrap(),
        serde_json::to_value(OperationContextRequest::default()).unwrap(),
    ] {
        assert_eq!(empty, json!({}));
    }
    assert_eq!(
        serde_json::to_value(ParticipantsUpdated::default()).unwrap(),
        json!({"participants": []})
    );
    assert_eq!(
        serde_json::to_value(CallParticipant::default()).unwrap(),
        json!({"identifier": {}, "isMuted": false, "isOnHold": false})
    );
}

#[test]
fn missing_required_members_are_errors() {
    let tp = json!({"rawId": "4:+1"});
    let cases: Vec<(&str, Result<(), serde_json::Error>)> = vec![
        (
            "create: targets",
            body::<CreateCallRequest>(json!({"callbackUri": "u"})).map(drop),
        ),
        (
            "create: callbackUri",
            body::<CreateCallRequest>(json!({"targets": []})).map(drop),
        ),
        (
            "create: null callbackUri",
            body::<CreateCallRequest>(json!({"targets": [], "callbackUri": null})).map(drop),
        ),
        (
            "answer: context",
            body::<AnswerCallRequest>(json!({"callbackUri": "u"})).map(drop),
        ),
        (
            "redirect: target",
            body::<RedirectCallRequest>(json!({"incomingCallContext": "t"})).map(drop),
        ),
        (
            "reject: context",
            body::<RejectCallRequest>(json!({"callRejectReason": "busy"})).map(drop),
        ),
        (
            "connect: locator",
            body::<ConnectRequest>(json!({"callbackUri": "u"})).map(drop),
        ),
        (
            "transfer: target",
            body::<TransferToParticipantRequest>(json!({})).map(drop),
        ),
        (
            "add: participant",
            body::<AddParticipantRequest>(json!({"operationContext": "c"})).map(drop),
        ),
        (
            "remove: participant",
            body::<RemoveParticipantRequest>(json!({})).map(drop),
        ),
        (
            "mute: targets",
            body::<MuteParticipantsRequest>(json!({})).map(drop),
        ),
        (
            "cancel: invitation",
            body::<CancelAddParticipantRequest>(json!({})).map(drop),
        ),
        (
            "move: fromCall",
            body::<MoveParticipantsRequest>(json!({"targetParticipants": []})).map(drop),
        ),
        (
            "play: sources",
            body::<PlayRequest>(json!({"playTo": []})).map(drop),
        ),
        (
            "play: file uri",
            body::<PlayRequest>(json!({"playSources": [{"kind": "file", "file": {}}]})).map(drop),
        ),
        (
            "play: text",
            body::<PlayRequest>(json!({"playSources": [{"kind": "text", "text": {}}]})).map(drop),
        ),
        (
            "recognize: type",
            body::<RecognizeRequest>(json!({"recognizeOptions": {"targetParticipant": tp}}))
                .map(drop),
        ),
        (
            "recognize: options",
            body::<RecognizeRequest>(json!({"recognizeInputType": "dtmf"})).map(drop),
        ),
        (
            "recognize: target",
            body::<RecognizeRequest>(json!({"recognizeInputType": "dtmf", "recognizeOptions": {}}))
                .map(drop),
        ),
        (
            "recognize: choice phrases",
            body::<RecognizeRequest>(json!({"recognizeInputType": "choices",
            "recognizeOptions": {"targetParticipant": tp, "choices": [{"label": "x"}]}}))
            .map(drop),
        ),
        (
            "continuous: target",
            body::<ContinuousDtmfRecognitionRequest>(json!({})).map(drop),
        ),
        (
            "send dtmf: tones",
            body::<SendDtmfTonesRequest>(json!({"targetParticipant": tp})).map(drop),
        ),
        (
            "send dtmf: target",
            body::<SendDtmfTonesRequest>(json!({"tones": ["one"]})).map(drop),
        ),
        ("hold: target", body::<HoldRequest>(json!({})).map(drop)),
        ("unhold: target", body::<UnholdRequest>(json!({})).map(drop)),
        (
            "streaming: transportType",
            body::<CreateCallRequest>(json!({"targets": [], "callbackUri": "u",
            "mediaStreamingOptions": {"audioChannelType": "mixed"}}))
            .map(drop),
        ),
        (
            "streaming: audioChannelType",
            body::<AnswerCallRequest>(json!({"incomingCallContext": "t", "callbackUri": "u",
            "mediaStreamingOptions": {"transportType": "websocket"}}))
            .map(drop),
        ),
        (
            "transcription: locale",
            body::<ConnectRequest>(json!({"callLocator": {}, "callbackUri": "u",
            "transcriptionOptions": {"transportType": "websocket"}}))
            .map(drop),
        ),
        (
            "recording: affinity participant",
            body::<StartCallRecordingRequest>(json!({"channelAffinity": [{"channel": 1}]}))
                .map(drop),
        ),
        (
            "recording: storage kind",
            body::<StartCallRecordingRequest>(json!({"externalStorage": {}})).map(drop),
        ),
        (
            "identifier: phone value",
            body::<CreateCallRequest>(
                json!({"targets": [{"phoneNumber": {}}], "callbackUri": "u"}),
            )
            .map(drop),
        ),
        (
            "identifier: user id",
            body::<CreateCallRequest>(json!({"targets": [], "callbackUri": "u", "source": {}}))
                .map(drop),
        ),
        (
            "error: code",
            parse::<AcsErrorResponse>(json!({"error": {"message": "m"}})).map(drop),
        ),
        (
            "cloud event: type",
            parse::<CallAutomationEvent>(json!({"id": "1", "source": "s", "specversion": "1.0"}))
                .map(drop),
        ),
        (
            "event grid: eventType",
            parse::<EventGridEvent>(
                json!({"id": "1", "subject": "", "eventTime": "t", "dataVersion": "1"}),
            )
            .map(drop),
        ),
        (
            "validation: code",
            parse::<SubscriptionValidationResponse>(json!({})).map(drop),
        ),
    ];
    for (what, result) in cases {
        let err = result.expect_err(what);
        assert!(
            err.to_string().contains("missing field") || err.to_string().contains("null"),
            "{what}: {err}"
        );
    }
}

#[test]
fn wrong_types_are_errors() {
    let tp = json!({"rawId": "4:+1"});
    let cases: Vec<(&str, Result<(), serde_json::Error>)> = vec![
        ("targets not a list", body::<CreateCallRequest>(json!({"targets": {"rawId": "4:+1"}, "callbackUri": "u"})).map(drop)),
        ("callbackUri a number", body::<CreateCallRequest>(json!({"targets": [], "callbackUri": 5})).map(drop)),
        ("rawId a number", body::<RedirectCallRequest>(json!({"incomingCallContext": "t", "target": {"rawId": 4}})).map(drop)),
        ("kind a bool", body::<RedirectCallRequest>(json!({"incomingCallContext": "t", "target": {"kind": true}})).map(drop)),
        ("operationContext an object", body::<RemoveParticipantRequest>(json!({"participantToRemove": tp, "operationContext": {}})).map(drop)),
        ("timeout a string", body::<AddParticipantRequest>(json!({"participantToAdd": tp, "invitationTimeoutInSeconds": "20"})).map(drop)),
        ("timeout negative", body::<AddParticipantRequest>(json!({"participantToAdd": tp, "invitationTimeoutInSeconds": -1})).map(drop)),
        ("loop a string", body::<PlayRequest>(json!({"playSources": [], "playOptions": {"loop": "yes"}})).map(drop)),
        ("tone a number", body::<SendDtmfTonesRequest>(json!({"tones": [1], "targetParticipant": tp})).map(drop)),
        ("silence a string", body::<RecognizeRequest>(json!({"recognizeInputType": "dtmf",
            "recognizeOptions": {"targetParticipant": tp, "initialSilenceTimeoutInSeconds": "5"}})).map(drop)),
        ("maxTones fractional", body::<RecognizeRequest>(json!({"recognizeInputType": "dtmf",
            "recognizeOptions": {"targetParticipant": tp, "dtmfOptions": {"maxTonesToCollect": 1.5}}})).map(drop)),
        ("startMediaStreaming a string", body::<AnswerCallRequest>(json!({"incomingCallContext": "t", "callbackUri": "u",
            "mediaStreamingOptions": {"transportType": "websocket", "audioChannelType": "mixed", "startMediaStreaming": "yes"}})).map(drop)),
        ("sip header value a number", body::<CreateCallRequest>(json!({"targets": [], "callbackUri": "u",
            "customCallingContext": {"sipHeaders": {"X-MS-Custom-a": 1}}})).map(drop)),
        ("pauseOnStart a string", body::<StartCallRecordingRequest>(json!({"pauseOnStart": "yes"})).map(drop)),
        ("channel negative", body::<StartCallRecordingRequest>(json!({"channelAffinity": [{"channel": -1, "participant": tp}]})).map(drop)),
        ("isMuted a string", parse::<CallParticipant>(json!({"identifier": {}, "isMuted": "no"})).map(drop)),
        ("sequenceNumber a string", parse::<ParticipantsUpdated>(json!({"sequenceNumber": "3"})).map(drop)),
        ("specversion a number", parse::<CloudEvent>(json!({"id": "1", "source": "s", "type": "t", "specversion": 1})).map(drop)),
        ("error code a bool", parse::<AcsErrorResponse>(json!({"error": {"code": true}})).map(drop)),
        ("body an array", OperationContextRequest::from_json(b"[]").map(drop)),
        ("body a string", OperationContextRequest::from_json(b"\"{}\"").map(drop)),
        ("body not JSON", OperationContextRequest::from_json(b"{\"operationContext\":").map(drop)),
    ];
    for (what, result) in cases {
        assert!(result.is_err(), "{what}");
    }
}
