//! Tolerant reader, strict writer: enum letter case, unknown enum values, `@odata.type` spellings and
//! mismatches, unknown keys, open-type extras, lenient numbers.

mod common;

use ringside_graph_wire::*;
use serde_json::json;

fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(v)
}

/// Every value of an enum parses from camelCase, PascalCase, UPPERCASE and lowercase, and is written in
/// its lowerCamel spelling.
macro_rules! case_insensitive {
    ($($ty:ty),+ $(,)?) => {$(
        for v in <$ty>::ALL {
            let wire = v.as_str();
            let mut pascal = wire.to_string();
            pascal[..1].make_ascii_uppercase();
            for spelling in [wire.to_string(), pascal, wire.to_ascii_uppercase(), wire.to_ascii_lowercase()] {
                let parsed: $ty = serde_json::from_value(json!(spelling)).unwrap();
                assert_eq!(parsed, *v, "{} `{spelling}`", stringify!($ty));
            }
            assert_eq!(serde_json::to_value(v).unwrap(), json!(wire));
            assert_eq!(v.to_string(), wire);
        }
    )+};
}

#[test]
fn enums_parse_case_insensitively_and_write_lower_camel() {
    case_insensitive!(
        CallState,
        CallDirection,
        Modality,
        RejectReason,
        ScreenSharingRole,
        RecordingStatus,
        MediaState,
        MediaDirection,
        EndpointType,
        Tone,
        OperationStatus,
        ChangeType,
        CallTranscriptionState,
        RoutingType,
        RoutingMode,
        SendDtmfCompletionReason,
        RoutingPolicy,
    );
}

#[test]
fn unknown_enum_values() {
    // Graph enums with unknownFutureValue absorb new values.
    assert_eq!(
        parse::<CallState>(json!("parked")).unwrap(),
        CallState::UnknownFutureValue
    );
    assert_eq!(
        parse::<Modality>(json!("hologram")).unwrap(),
        Modality::UnknownFutureValue
    );
    assert_eq!(
        parse::<RejectReason>(json!("declined")).unwrap(),
        RejectReason::UnknownFutureValue
    );
    assert_eq!(
        parse::<RecordingStatus>(json!("x")).unwrap(),
        RecordingStatus::UnknownFutureValue
    );
    assert_eq!(
        parse::<MediaState>(json!("x")).unwrap(),
        MediaState::UnknownFutureValue
    );
    // The others refuse them with a message naming the valid values.
    for err in [
        parse::<Tone>(json!("tone10")).unwrap_err(),
        parse::<ChangeType>(json!("patched")).unwrap_err(),
        parse::<OperationStatus>(json!("paused")).unwrap_err(),
        parse::<ScreenSharingRole>(json!("owner")).unwrap_err(),
        parse::<CallDirection>(json!("sideways")).unwrap_err(),
    ] {
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }
    assert!(
        parse::<CallState>(json!(3)).is_err(),
        "numbers are not enum values"
    );
}

#[test]
fn odata_type_spellings() {
    for spelling in [
        "#microsoft.graph.identitySet",
        "#microsoft.graph.communicationsIdentitySet",
        "microsoft.graph.identitySet",
        "#Microsoft.Graph.IdentitySet",
        "identitySet",
    ] {
        let set: IdentitySet =
            parse(json!({"@odata.type": spelling, "phone": {"id": "+1"}})).unwrap();
        assert_eq!(set.phone.unwrap().id.as_deref(), Some("+1"), "{spelling}");
    }
    let set: IdentitySet = parse(json!({"user": {"id": "u"}, "@odata.type": null})).unwrap();
    assert_eq!(
        serde_json::to_value(&set).unwrap()["@odata.type"],
        "#microsoft.graph.identitySet"
    );
    // identity accepts its communications subtypes.
    let i: Identity = parse(
        json!({"@odata.type": "#microsoft.graph.communicationsUserIdentity", "id": "u", "tenantId": "t"}),
    )
    .unwrap();
    assert_eq!(i.tenant_id.as_deref(), Some("t"));
}

#[test]
fn wrong_odata_type_is_an_error() {
    let err = parse::<Call>(json!({"@odata.type": "#microsoft.graph.participant"})).unwrap_err();
    assert!(err.to_string().contains("#microsoft.graph.call"), "{err}");
    assert!(parse::<IdentitySet>(json!({"@odata.type": "#microsoft.graph.identity"})).is_err());
    assert!(parse::<MediaConfig>(json!({"@odata.type": "#microsoft.graph.mediaConfigX"})).is_err());
    assert!(
        parse::<MeetingInfo>(json!({"@odata.type": "#microsoft.graph.fooMeetingInfo"})).is_err()
    );
    assert!(parse::<CommsOperation>(json!({"@odata.type": "#microsoft.graph.call"})).is_err());
    assert!(parse::<Prompt>(json!({"@odata.type": "#microsoft.graph.textPrompt"})).is_err());
    assert!(parse::<Call>(json!({"@odata.type": 5})).is_err());
}

#[test]
fn polymorphic_types_dispatch_case_insensitively_and_infer() {
    let m: MediaConfig =
        parse(json!({"@odata.type": "#MICROSOFT.GRAPH.APPHOSTEDMEDIACONFIG", "blob": "b"}))
            .unwrap();
    assert!(matches!(m, MediaConfig::AppHosted(ref a) if a.blob.as_deref() == Some("b")));
    let m: MediaConfig = parse(json!({"blob": "b"})).unwrap();
    assert!(matches!(m, MediaConfig::AppHosted(_)));
    let m: MediaConfig = parse(json!({})).unwrap();
    assert!(matches!(m, MediaConfig::ServiceHosted(_)));
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"})
    );

    let mi: MeetingInfo = parse(json!({"joinMeetingId": "123", "passcode": null})).unwrap();
    assert!(matches!(mi, MeetingInfo::JoinMeetingId(_)));
    let mi: MeetingInfo = parse(json!({"organizer": {"user": {"id": "o"}}})).unwrap();
    assert!(matches!(mi, MeetingInfo::Organizer(_)));
    assert!(parse::<MeetingInfo>(json!({})).is_err());

    let o: CallOptions =
        parse(json!({"@odata.type": "#microsoft.graph.incomingCallOptions"})).unwrap();
    assert!(matches!(o, CallOptions::Incoming(_)));
    let o: CallOptions = parse(json!({"@odata.type": "#microsoft.graph.callOptions"})).unwrap();
    assert!(matches!(o, CallOptions::Outgoing(_)));

    let op: CommsOperation = parse(
        json!({"@odata.type": "#microsoft.graph.MuteParticipantOperation", "status": "Running"}),
    )
    .unwrap();
    assert!(matches!(op, CommsOperation::MuteParticipant(_)));
    assert_eq!(op.status(), Some(OperationStatus::Running));
    let op: CommsOperation = parse(json!({"id": "x"})).unwrap();
    assert!(matches!(op, CommsOperation::Base(_)));
    assert_eq!(op.odata_type(), "#microsoft.graph.commsOperation");
}

#[test]
fn every_operation_subtype_round_trips() {
    for name in [
        "commsOperation",
        "playPromptOperation",
        "recordOperation",
        "subscribeToToneOperation",
        "cancelMediaProcessingOperation",
        "inviteParticipantsOperation",
        "muteParticipantOperation",
        "unmuteParticipantOperation",
        "updateRecordingStatusOperation",
        "sendDtmfTonesOperation",
        "startHoldMusicOperation",
        "stopHoldMusicOperation",
        "addLargeGalleryViewOperation",
    ] {
        let tag = format!("#microsoft.graph.{name}");
        let op: CommsOperation = parse(
            json!({"@odata.type": tag, "id": "op", "status": "notStarted", "clientContext": "c"}),
        )
        .unwrap();
        assert_eq!(op.odata_type(), tag);
        assert_eq!(op.id(), Some("op"));
        let out = serde_json::to_value(&op).unwrap();
        assert_eq!(out["@odata.type"], json!(tag));
        assert_eq!(out["status"], "notStarted");
        assert_eq!(parse::<CommsOperation>(out).unwrap(), op);
    }
}

#[test]
fn unknown_keys_ignored_open_types_keep_extras() {
    // Not open: dropped.
    let info: ParticipantInfo =
        parse(json!({"identity": {}, "endpointId": "e", "$id": "1"})).unwrap();
    assert_eq!(
        serde_json::to_value(&info).unwrap()["endpointId"],
        json!(null)
    );
    // Open: kept and written back.
    let call: Call = parse(json!({"state": "established", "someFutureThing": {"a": 1}})).unwrap();
    assert_eq!(call.additional["someFutureThing"], json!({"a": 1}));
    assert_eq!(
        serde_json::to_value(&call).unwrap()["someFutureThing"],
        json!({"a": 1})
    );
    let target: InvitationParticipantInfo =
        parse(json!({"identity": {"user": {"id": "u", "x-extra": true}}, "futureFlag": 1}))
            .unwrap();
    assert_eq!(target.additional["futureFlag"], 1);
    assert_eq!(
        target.identity.user.as_ref().unwrap().additional["x-extra"],
        true
    );
    // Newtonsoft bookkeeping keys are not properties: dropped even on open types.
    let call: Call = parse(json!({"$id": "1", "callOptions": {"$id": "2", "@odata.type": "#microsoft.graph.outgoingCallOptions"}})).unwrap();
    assert!(call.additional.is_empty());
    assert!(!serde_json::to_string(&call).unwrap().contains("$id"));
    // Action bodies ignore unknown keys.
    let r: RejectRequest = parse(json!({"reason": "Forbidden", "whatever": [1, 2]})).unwrap();
    assert_eq!(r.reason, Some(RejectReason::Forbidden));
}

#[test]
fn result_info_is_lenient() {
    let r: ResultInfo = parse(json!({"code": "500", "subCode": "7000", "message": "m"})).unwrap();
    assert_eq!((r.code, r.subcode), (500, 7000));
    let r: ResultInfo = parse(json!({"code": 200, "subcode": 5001, "subCode": 1})).unwrap();
    assert_eq!(r.subcode, 5001, "subcode wins over subCode");
    let r: ResultInfo = parse(json!({"code": "0"})).unwrap();
    assert_eq!((r.code, r.subcode, r.message), (0, 0, None));
    assert!(parse::<ResultInfo>(json!({"code": "abc"})).is_err());
    assert!(parse::<ResultInfo>(json!({"code": 99999999999i64})).is_err());
    assert_eq!(
        serde_json::to_value(ResultInfo::new(408, 8537, "Keep Alive timeout")).unwrap(),
        json!({"@odata.type": "#microsoft.graph.resultInfo", "code": 408, "subcode": 8537, "message": "Keep Alive timeout"})
    );
    let t: ToneInfo = parse(json!({"sequenceId": "7", "tone": "Pound"})).unwrap();
    assert_eq!((t.sequence_id, t.tone), (7, Tone::Pound));
}

#[test]
fn change_type_parsed_case_insensitively_written_lowercase() {
    let n: CommsNotification =
        parse(json!({"changeType": "Deleted", "resourceUrl": "/communications/calls/1"})).unwrap();
    assert_eq!(n.change_type, ChangeType::Deleted);
    assert_eq!(serde_json::to_value(&n).unwrap()["changeType"], "deleted");
    assert!(
        parse::<CommsNotification>(json!({"resourceUrl": "/x"})).is_err(),
        "changeType is NN"
    );
}

#[test]
fn notification_builder_and_legacy_resource() {
    let call = Call {
        id: Some("c1".into()),
        state: Some(CallState::Established),
        ..Default::default()
    };
    let n = CommsNotification::new(
        ChangeType::Updated,
        "/communications/calls/c1",
        ResourceData::Call(Box::new(call)),
    );
    let out = serde_json::to_value(CommsNotifications {
        value: vec![n],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(out["value"][0]["resource"], "/app/calls/c1");
    assert_eq!(
        out["value"][0]["resourceData"]["@odata.type"],
        "#microsoft.graph.call"
    );
    assert_eq!(
        legacy_resource("communications/calls/x/operations/y").as_deref(),
        Some("/app/calls/x/operations/y")
    );
    assert_eq!(legacy_resource("/other"), None);
}

#[test]
fn resource_data_falls_back_to_raw() {
    // A call whose state is not a string cannot be typed; the envelope still parses.
    let n: CommsNotifications = parse(json!({"value": [{"changeType": "updated",
        "resourceData": {"@odata.type": "#microsoft.graph.call", "state": 5}}]}))
    .unwrap();
    assert!(matches!(
        n.value[0].resource_data,
        Some(ResourceData::Other(_))
    ));
    let n: CommsNotifications =
        parse(json!({"value": [{"changeType": "updated", "resourceData": "text"}]})).unwrap();
    assert!(matches!(
        n.value[0].resource_data,
        Some(ResourceData::Other(_))
    ));
}

#[test]
fn identity_set_primary() {
    let set = IdentitySet::phone("+14255550123");
    assert_eq!(
        set.primary().map(|(k, i)| (k, i.id.as_deref())),
        Some(("phone", Some("+14255550123")))
    );
    assert_eq!(IdentitySet::default().primary(), None);
}

#[test]
fn action_parameter_names_are_case_insensitive() {
    let body = br##"{"CallbackUri": "https://b/cb", "MEDIACONFIG": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "acceptedmodalities": ["Audio"], "ParticipantCapacity": "3"}"##;
    let a = AnswerRequest::from_json(body).unwrap();
    assert_eq!(a.callback_uri.as_deref(), Some("https://b/cb"));
    assert_eq!(a.accepted_modalities, vec![Modality::Audio]);
    assert_eq!(a.participant_capacity, Some(3));
    // Exact case wins over another spelling.
    let r = RejectRequest::from_json(br#"{"Reason": "busy", "reason": "forbidden"}"#).unwrap();
    assert_eq!(r.reason, Some(RejectReason::Forbidden));
    let c = ClientContextRequest::from_json(br#"{"CLIENTCONTEXT": "x"}"#).unwrap();
    assert_eq!(c.client_context.as_deref(), Some("x"));
    assert!(PlayPromptRequest::from_json(b"{").is_err());
}

/// `PARAMETERS` lists exactly the keys each body writes when every parameter is set.
#[test]
fn action_parameters_match_the_serialized_names() {
    fn keys<T: serde::Serialize>(v: &T) -> Vec<String> {
        let mut k: Vec<String> = serde_json::to_value(v)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    }
    fn params<T: ActionBody>() -> Vec<String> {
        let mut p: Vec<String> = T::PARAMETERS.iter().map(|s| s.to_string()).collect();
        p.sort();
        p
    }
    let prompt = Prompt::from(MediaInfo::new("https://x/a.wav", None));
    let target = InvitationParticipantInfo::new(IdentitySet::phone("+1"));
    let record = RecordResponseRequest {
        prompts: Some(vec![prompt.clone()]),
        barge_in_allowed: Some(true),
        initial_silence_timeout_in_seconds: Some(1),
        max_silence_timeout_in_seconds: Some(1),
        max_record_duration_in_seconds: Some(1),
        play_beep: Some(true),
        stop_tones: Some(vec!["#".into()]),
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&record), params::<RecordResponseRequest>());
    let answer = AnswerRequest {
        callback_uri: Some("u".into()),
        media_config: MediaConfig::default(),
        accepted_modalities: vec![Modality::Audio],
        participant_capacity: Some(1),
        call_options: Some(IncomingCallOptions::default()),
    };
    assert_eq!(keys(&answer), params::<AnswerRequest>());
    let redirect = RedirectRequest {
        targets: vec![target.clone()],
        timeout: Some(20),
        callback_uri: Some("u".into()),
        routing_policies: Some(vec![]),
    };
    assert_eq!(keys(&redirect), params::<RedirectRequest>());
    let transfer = TransferRequest {
        transfer_target: target.clone(),
        transferee: Some(ParticipantInfo::default()),
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&transfer), params::<TransferRequest>());
    let reject = RejectRequest {
        reason: Some(RejectReason::None),
        callback_uri: Some("u".into()),
    };
    assert_eq!(keys(&reject), params::<RejectRequest>());
    let play = PlayPromptRequest {
        prompts: vec![prompt.clone()],
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&play), params::<PlayPromptRequest>());
    let dtmf = SendDtmfTonesRequest {
        tones: vec![Tone::A],
        delay_between_tones_ms: Some(1),
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&dtmf), params::<SendDtmfTonesRequest>());
    let role = ChangeScreenSharingRoleRequest {
        role: ScreenSharingRole::Sharer,
    };
    assert_eq!(keys(&role), params::<ChangeScreenSharingRoleRequest>());
    let rec = UpdateRecordingStatusRequest {
        status: RecordingStatus::Failed,
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&rec), params::<UpdateRecordingStatusRequest>());
    let invite = InviteParticipantsRequest {
        participants: vec![target],
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&invite), params::<InviteParticipantsRequest>());
    let hold = StartHoldMusicRequest {
        custom_prompt: Some(prompt),
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&hold), params::<StartHoldMusicRequest>());
    let cc = ClientContextRequest {
        client_context: Some("c".into()),
    };
    assert_eq!(keys(&cc), params::<ClientContextRequest>());
}

#[test]
fn participant_collection_and_defaults() {
    let list: ParticipantCollection = parse(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#communications/calls('c')/participants",
        "value": [{"id": "p1", "info": {"identity": {"user": {"id": "u"}}}, "isMuted": null}]
    }))
    .unwrap();
    assert_eq!(list.value[0].id.as_deref(), Some("p1"));
    assert!(!list.value[0].is_muted, "null NN boolean reads as false");
    let out = serde_json::to_value(&list).unwrap();
    assert_eq!(
        out["value"][0]["@odata.type"],
        "#microsoft.graph.participant"
    );
    assert_eq!(
        out["value"][0]["isInLobby"], false,
        "NN members always written"
    );
    assert_eq!(
        serde_json::to_value(Call::default()).unwrap(),
        json!({"@odata.type": "#microsoft.graph.call"})
    );
}
