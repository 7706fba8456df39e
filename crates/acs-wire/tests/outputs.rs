//! Golden output fixtures: every body the door writes today (reconstructed from its `json!`
//! macros in crates/server/src/acs) is built here from the DTOs the way the door will build it,
//! and must serialize to exactly the fixture; each fixture also reads back and round-trips.

mod common;

use common::{assert_writes, fixture_value, parse_round_trip};
use ringside_acs_wire::*;

const CONN: &str = "4f0e2c1a-9b7d-4e55-8a3c-2d1e0f9a8b7c";
const CONV: &str = "0f3b5a2e-6c1d-4b8e-9f7a-3e2d1c0b9a8f";
const SERVER: &str =
    "cmluZ3NpZGU6Y29udmVyc2F0aW9uOjBmM2I1YTJlLTZjMWQtNGI4ZS05ZjdhLTNlMmQxYzBiOWE4Zg";
const CB: &str = "https://app.example.com/api/callbacks?secret=s1";
const INSTANCE: &str = "28:orgid:cc123456-5678-5678-1234-ccc123456789";
const INVITE: &str = "5a3c0d2e-1f4b-4c6d-8e9f-0a1b2c3d4e5f";
const REC: &str = "cmluZ3NpZGU6cmVjb3JkaW5nOjdkOWU4ZjZhLTViNGMtNGQzZS04ZjJhLTFiMGM5ZDhlN2Y2YQ";
const TIME: &str = "2026-11-22T10:00:00Z";
const USER: &str = "aaaaaaaa-2222-3333-4444-555555555555";

type Id = CommunicationIdentifierModel;

/// `AcsCall::properties()`: the members it always writes.
fn properties(
    state: CallConnectionState,
    streaming: SubscriptionState,
) -> CallConnectionProperties {
    CallConnectionProperties {
        call_connection_id: Some(CONN.into()),
        server_call_id: Some(SERVER.into()),
        call_connection_state: Some(state),
        callback_uri: Some(CB.into()),
        correlation_id: Some(CONV.into()),
        media_streaming_subscription: Some(MediaStreamingSubscription {
            id: Some(CONN.into()),
            state: Some(streaming),
            subscribed_content_types: Some(vec![MediaStreamingContentType::Audio]),
        }),
        transcription_subscription: Some(TranscriptionSubscription {
            id: Some(CONN.into()),
            state: Some(SubscriptionState::Disabled),
            subscribed_result_types: Some(vec![TranscriptionResultType::Final]),
            locale: None,
        }),
        ..Default::default()
    }
}

#[test]
fn call_connection_properties() {
    // createCall: the targets echo the request (Python's form), the source is the resource account.
    let request: CreateCallRequest =
        RequestBody::from_json(common::fixture("req_create_call_py_pstn.json").as_bytes()).unwrap();
    let created = CallConnectionProperties {
        targets: Some(request.targets.clone()),
        source: Some(Id::unknown(INSTANCE)),
        source_caller_id_number: request.source_caller_id_number.clone(),
        source_display_name: request.source_display_name.clone(),
        ..properties(CallConnectionState::Connecting, SubscriptionState::Inactive)
    };
    assert_writes(&created, "resp_call_connection_create.json");

    let answered = CallConnectionProperties {
        targets: Some(vec![Id::unknown(INSTANCE)]),
        source: Some(Id::phone_number("+12065551212")),
        answered_for: Some(PhoneNumberIdentifierModel::new("+18005550100")),
        ..properties(CallConnectionState::Connecting, SubscriptionState::Inactive)
    };
    assert_writes(&answered, "resp_call_connection_answer.json");

    let raw = format!("8:acs:9a8b7c6d-0000-4000-8000-000000000001_{CONN}");
    let got = CallConnectionProperties {
        targets: Some(vec![]),
        source: Some(Id::communication_user(&raw)),
        ..properties(CallConnectionState::Connected, SubscriptionState::Active)
    };
    assert_writes(&got, "resp_call_connection_get.json");

    for name in [
        "resp_call_connection_create.json",
        "resp_call_connection_answer.json",
        "resp_call_connection_get.json",
    ] {
        let read: CallConnectionProperties = parse_round_trip(name);
        assert_eq!(read.call_connection_id.as_deref(), Some(CONN));
    }
    let read: CallConnectionProperties = parse_round_trip("resp_call_connection_get.json");
    assert_eq!(read, got);
}

#[test]
fn participants_and_operation_responses() {
    let page = GetParticipantsResponse {
        value: vec![
            CallParticipant::new(Id::phone_number("+12065551212")),
            CallParticipant {
                identifier: Id::microsoft_teams_user(USER),
                is_muted: true,
                is_on_hold: true,
            },
        ],
        next_link: None,
    };
    assert_writes(&page, "resp_participants.json");
    assert_eq!(
        parse_round_trip::<GetParticipantsResponse>("resp_participants.json"),
        page
    );
    let one = CallParticipant::new(Id::phone_number("+14255550777"));
    assert_writes(&one, "resp_participant.json");
    assert_eq!(
        parse_round_trip::<CallParticipant>("resp_participant.json"),
        one
    );

    let added = AddParticipantResponse {
        participant: Some(CallParticipant::new(Id::teams_extension_user(
            CommunicationCloudEnvironment::Public,
            "res",
            "ten",
            "usr",
        ))),
        operation_context: Some("add-ctx".into()),
        invitation_id: Some(INVITE.into()),
    };
    assert_writes(&added, "resp_add_participant.json");
    assert_eq!(
        parse_round_trip::<AddParticipantResponse>("resp_add_participant.json"),
        added
    );

    let transfer: TransferCallResponse = OperationContextResponse::new("xfer-ctx");
    assert_writes(&transfer, "resp_operation_context.json");
    let muted: MuteParticipantsResult = OperationContextResponse::new("");
    assert_writes(&muted, "resp_operation_context_empty.json");
    assert_eq!(
        parse_round_trip::<SendDtmfTonesResult>("resp_operation_context_empty.json"),
        muted,
        "the door writes an empty context, not none"
    );
    let cancel = CancelAddParticipantResponse {
        invitation_id: Some(INVITE.into()),
        operation_context: Some(String::new()),
    };
    assert_writes(&cancel, "resp_cancel_add_participant.json");
    parse_round_trip::<CancelAddParticipantResponse>("resp_cancel_add_participant.json");

    let recording = RecordingStateResponse {
        recording_id: Some(REC.into()),
        recording_state: Some(RecordingState::Active),
        recording_kind: Some(RecordingKind::AzureCommunicationServices),
    };
    assert_writes(&recording, "resp_recording_state.json");
    assert_eq!(
        parse_round_trip::<RecordingStateResponse>("resp_recording_state.json"),
        recording
    );
}

#[test]
fn error_bodies() {
    assert_writes(
        &AcsErrorResponse::new("8522", "Call not found."),
        "error_door_8522.json",
    );
    let unknown: AcsErrorResponse = parse_round_trip("error_door_unknown_operation.json");
    assert_eq!(unknown.error.code, "UnknownOperation");
    assert_writes(&unknown, "error_door_unknown_operation.json");
    let full: AcsErrorResponse = parse_round_trip("error_full.json");
    assert_eq!(full.error.target.as_deref(), Some("targets"));
    assert_eq!(
        full.error.details.as_ref().unwrap()[0].message,
        "targets is required."
    );
    assert_eq!(
        full.error.innererror.as_ref().unwrap().code,
        "InvalidArgument"
    );
    assert_writes(&full, "error_full.json");
    assert_eq!(full.to_string(), "(8523) Invalid request.");
}

/// The callback data the door sends, in the fixture's order, common members left to `callback`.
fn door_callback_data() -> Vec<CallAutomationEventData> {
    use CallAutomationEventData as E;
    let ok = || {
        Some(ResultInformation::new(
            200,
            0,
            "Action completed successfully.",
        ))
    };
    let info = |c, s, m: &str| Some(ResultInformation::new(c, s, m));
    let ctx = |c: &str| Some(c.to_owned());
    let terminated = || info(400, 8528, "Action failed, the call was terminated.");
    let outcome = |context: &str, result| OperationEvent {
        operation_context: ctx(context),
        result_information: result,
        ..Default::default()
    };
    let streaming =
        |context: Option<&str>, result, status: &str, details: &str| MediaStreamingEvent {
            operation_context: context.map(str::to_owned),
            result_information: result,
            media_streaming_update: Some(MediaStreamingUpdate {
                content_type: Some(MediaStreamingContentType::Audio),
                media_streaming_status: Some(MediaStreamingStatus::from_wire(status)),
                media_streaming_status_details: Some(MediaStreamingStatusDetails::from_wire(
                    details,
                )),
            }),
            ..Default::default()
        };
    let participant = |context: &str, result, who: Option<Id>| ParticipantEvent {
        operation_context: ctx(context),
        result_information: result,
        participant: who,
        ..Default::default()
    };
    let cancel = |context: &str, result| CancelAddParticipantEvent {
        operation_context: ctx(context),
        result_information: result,
        invitation_id: Some(INVITE.into()),
        ..Default::default()
    };
    let recording = |state| RecordingStateChanged {
        recording_id: Some(REC.into()),
        state: Some(state),
        start_date_time: Some("2026-11-22T10:00:01Z".into()),
        recording_kind: Some(RecordingKind::AzureCommunicationServices),
        result_information: ok(),
        ..Default::default()
    };
    let connected = |context: Option<&str>| CallConnected {
        operation_context: context.map(str::to_owned),
        result_information: info(200, 0, ""),
        ..Default::default()
    };
    let accepted = |context: Option<&str>, transferee| CallTransferAccepted {
        operation_context: context.map(str::to_owned),
        result_information: info(200, 7015, "The transfer completed successfully."),
        transfer_target: Some(Id::phone_number("+14255550779")),
        transferee,
        ..Default::default()
    };
    let roster = |sequence, participants| ParticipantsUpdated {
        sequence_number: Some(sequence),
        participants,
        ..Default::default()
    };
    vec![
        E::CallConnected(connected(None)),
        E::CallConnected(connected(Some("answer-ctx"))),
        E::CallDisconnected(OperationEvent {
            result_information: info(200, 7000, "The call ended gracefully."),
            ..Default::default()
        }),
        E::CallTransferAccepted(accepted(Some("xfer-ctx"), None)),
        E::CallTransferAccepted(accepted(None, Some(Id::microsoft_teams_user(USER)))),
        E::CallTransferFailed(CallTransferFailed {
            operation_context: None,
            result_information: info(500, 7000, "The transfer failed."),
            ..Default::default()
        }),
        E::ParticipantsUpdated(roster(
            3,
            vec![
                CallParticipant::new(Id::phone_number("+12065551212")),
                CallParticipant {
                    is_on_hold: true,
                    ..CallParticipant::new(Id::phone_number("+14255550777"))
                },
            ],
        )),
        E::ParticipantsUpdated(roster(4, vec![])),
        E::AddParticipantSucceeded(participant(
            "add-ctx",
            ok(),
            Some(Id::phone_number("+14255550777")),
        )),
        E::AddParticipantFailed(participant(
            "add-busy",
            info(486, 8539, "The callee is busy."),
            Some(Id::phone_number("+14255550778")),
        )),
        E::RemoveParticipantSucceeded(participant(
            "remove-ctx",
            ok(),
            Some(Id::phone_number("+14255550777")),
        )),
        E::RemoveParticipantFailed(participant("", terminated(), None)),
        E::CancelAddParticipantSucceeded(cancel("", ok())),
        E::CancelAddParticipantFailed(cancel("cancel-ctx", terminated())),
        E::PlayStarted(outcome("op-play", ok())),
        E::PlayCompleted(outcome("op-play", ok())),
        E::PlayFailed(PlayFailed {
            operation_context: ctx("op-play"),
            result_information: info(400, 8536, "Action failed, file could not be downloaded."),
            failed_play_source_index: Some(0),
            ..Default::default()
        }),
        E::PlayCanceled(outcome(
            "",
            info(400, 8508, "Action failed, the operation was cancelled."),
        )),
        E::RecognizeCompleted(RecognizeCompleted {
            operation_context: ctx("op-rec"),
            result_information: info(200, 8531, "Action completed, max digits received."),
            recognition_type: Some(RecognitionType::Dtmf),
            dtmf_result: Some(DtmfResult {
                tones: vec![DtmfTone::One, DtmfTone::Two, DtmfTone::Pound],
            }),
            ..Default::default()
        }),
        E::RecognizeFailed(RecognizeFailed {
            operation_context: ctx("op-rec"),
            result_information: info(400, 8510, "Action failed, initial silence timeout reached."),
            ..Default::default()
        }),
        E::RecognizeCanceled(outcome(
            "op-rec",
            info(400, 8508, "Action failed, the operation was cancelled."),
        )),
        E::ContinuousDtmfRecognitionToneReceived(ContinuousDtmfRecognitionToneReceived {
            sequence_id: Some(1),
            tone: DtmfTone::from_char('6'),
            result_information: info(200, 0, ""),
            ..Default::default()
        }),
        E::ContinuousDtmfRecognitionStopped(outcome("", ok())),
        E::SendDtmfTonesCompleted(outcome("ctx-dtmf", ok())),
        E::SendDtmfTonesFailed(outcome("ctx-dtmf", terminated())),
        E::HoldFailed(outcome("op-hold", terminated())),
        E::MediaStreamingStarted(streaming(
            None,
            ok(),
            "mediaStreamingStarted",
            "subscriptionStarted",
        )),
        E::MediaStreamingStopped(streaming(
            Some("stop-it"),
            ok(),
            "mediaStreamingStopped",
            "subscriptionStopped",
        )),
        E::MediaStreamingFailed(streaming(
            None,
            info(500, 8603, "the media socket closed"),
            "mediaStreamingFailed",
            "streamConnectionInterrupted",
        )),
        E::MediaStreamingFailed(streaming(
            Some("start-ctx"),
            info(400, 8603, "Media streaming is already started."),
            "mediaStreamingFailed",
            "initialWebSocketConnectionFailed",
        )),
        E::RecordingStateChanged(recording(RecordingState::Active)),
        E::RecordingStateChanged(recording(RecordingState::Inactive)),
    ]
}

/// `AcsCalls::callback`: the common members, then the envelope.
fn callback(n: usize, mut data: CallAutomationEventData) -> CallAutomationEvent {
    let event_type = data.event_type().to_owned();
    if let Some(common) = data.common_mut() {
        *common = EventCommon::new(CONN, SERVER, CONV, &event_type);
    }
    let id = format!("6f0e1d2c-{n:04}-4000-8000-{n:012}");
    CallAutomationEvent::callback(&id, CONN, TIME, data)
}

#[test]
fn door_callbacks_write_exactly() {
    let events: Vec<CallAutomationEvent> = door_callback_data()
        .into_iter()
        .enumerate()
        .map(|(i, data)| callback(i + 1, data))
        .collect();
    let expected = fixture_value("door_callbacks.cloudevents.json");
    let expected = expected.as_array().expect("an array");
    assert_eq!(events.len(), expected.len());
    for (event, want) in events.iter().zip(expected) {
        assert_eq!(
            &serde_json::to_value(event).unwrap(),
            want,
            "{}",
            event.event_type
        );
    }
    // Read back: every one typed (none falls back to Other), equal to what was built.
    let read: Vec<CallAutomationEvent> = parse_round_trip("door_callbacks.cloudevents.json");
    assert_eq!(read, events);
    // Every type the door sends is covered here.
    for ty in [
        "CallConnected",
        "CallDisconnected",
        "CallTransferAccepted",
        "CallTransferFailed",
        "ParticipantsUpdated",
        "AddParticipantSucceeded",
        "AddParticipantFailed",
        "RemoveParticipantSucceeded",
        "RemoveParticipantFailed",
        "CancelAddParticipantSucceeded",
        "CancelAddParticipantFailed",
        "PlayStarted",
        "PlayCompleted",
        "PlayFailed",
        "PlayCanceled",
        "RecognizeCompleted",
        "RecognizeFailed",
        "RecognizeCanceled",
        "ContinuousDtmfRecognitionToneReceived",
        "ContinuousDtmfRecognitionStopped",
        "SendDtmfTonesCompleted",
        "SendDtmfTonesFailed",
        "HoldFailed",
        "MediaStreamingStarted",
        "MediaStreamingStopped",
        "MediaStreamingFailed",
        "RecordingStateChanged",
    ] {
        let full = format!("{EVENT_TYPE_PREFIX}{ty}");
        assert!(events.iter().any(|e| e.event_type == full), "{ty}");
    }
}

#[test]
fn door_event_grid_deliveries_write_exactly() {
    let incoming: Vec<EventGridEvent<AcsEventGridData>> =
        parse_round_trip("door_incoming_call.eventgrid.json");
    let AcsEventGridData::IncomingCall(data) = &incoming[0].data else {
        panic!("typed: {:?}", incoming[0].data)
    };
    let built = IncomingCallEventData {
        to: Id::unknown(INSTANCE),
        from: Id::phone_number("+12065551212"),
        server_call_id: Some(SERVER.into()),
        caller_display_name: Some("+12065551212".into()),
        custom_context: CustomContext {
            sip_headers: [
                ("X-MS-Custom-ticket".to_string(), "42".to_string()),
                ("userToUser".to_string(), "0a0b;encoding=hex".to_string()),
            ]
            .into(),
            voip_headers: [("lang".to_string(), "fr".to_string())].into(),
        },
        incoming_call_context: data.incoming_call_context.clone(),
        correlation_id: Some(CONV.into()),
        on_behalf_of_callee: None,
    };
    assert_eq!(data, &built);
    let topic = acs_topic(
        "11111111-2222-3333-4444-555555555555",
        "ringside",
        "ringside-dev",
    );
    let event = EventGridEvent::new(
        "e80026e7-e298-46ba-bc42-dab0eda92581",
        &topic,
        &built.subject(),
        INCOMING_CALL,
        TIME,
        built.clone(),
    );
    assert_writes(&[event], "door_incoming_call.eventgrid.json");

    let cloud: Vec<CloudEvent<IncomingCallEventData>> =
        parse_round_trip("door_incoming_call.cloudevents.json");
    let data = IncomingCallEventData {
        from: Id::microsoft_teams_user(USER),
        caller_display_name: Some("Megan Bowen".into()),
        custom_context: CustomContext::default(),
        ..built
    };
    assert_eq!(cloud[0].data, data);
    let event = CloudEvent::new(
        "e80026e7-e298-46ba-bc42-dab0eda92582",
        &topic,
        &data.subject(),
        INCOMING_CALL,
        TIME,
        data,
    );
    assert_writes(&[event], "door_incoming_call.cloudevents.json");

    let validation = SubscriptionValidationEventData::event(
        "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        &topic,
        TIME,
        "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
        "https://127.0.0.1:8443/validate?id=512d38b6",
    );
    assert_writes(&[validation], "door_subscription_validation.eventgrid.json");
    let answer: SubscriptionValidationResponse = parse_round_trip("validation_response.json");
    assert_writes(&answer, "validation_response.json");
    let pascal: SubscriptionValidationResponse =
        parse_round_trip("validation_response_pascal.json");
    assert_eq!(pascal, answer);
}

#[test]
fn door_recording_file_status_writes_exactly() {
    let document = "0-ringside-7d9e8f6a5b4c4d3e8f2a1b0c9d8e7f6a";
    let object = format!("https://ringside.asm.skype.com:8443/v1/objects/{document}");
    let data = RecordingFileStatusUpdatedEventData {
        recording_storage_info: RecordingStorageInfo {
            recording_chunks: vec![RecordingChunk {
                document_id: Some(document.into()),
                index: Some(0),
                end_reason: Some("SessionEnded".into()),
                content_location: Some(format!("{object}/content/audio")),
                metadata_location: Some(format!("{object}/content/acsmetadata")),
                delete_location: Some(format!("{object}/content/deletedata")),
            }],
        },
        recording_start_time: Some("2026-11-22T10:00:01Z".into()),
        recording_duration_ms: Some(17000),
        session_end_reason: Some("StopRecording".into()),
        recording_content_type: Some(RecordingContentType::Audio),
        recording_channel_type: Some(RecordingChannelType::Unmixed),
        recording_format_type: Some(RecordingFormatType::Wav),
    };
    let topic = acs_topic(
        "11111111-2222-3333-4444-555555555555",
        "ringside",
        "ringside-dev",
    );
    let subject = format!("/recording/call/{CONV}/serverCallId/{SERVER}/recordingId/{REC}");
    let grid = EventGridEvent::new(
        "7a6b5c4d-0000-4000-8000-00000000aaaa",
        &topic,
        &subject,
        RECORDING_FILE_STATUS_UPDATED,
        TIME,
        data.clone(),
    );
    assert_writes(&[grid], "door_recording_file_status_updated.eventgrid.json");
    let mixed = RecordingFileStatusUpdatedEventData {
        recording_channel_type: Some(RecordingChannelType::Mixed),
        session_end_reason: Some("CallEnded".into()),
        ..data
    };
    let cloud = CloudEvent::new(
        "7a6b5c4d-0000-4000-8000-00000000aaab",
        &topic,
        &subject,
        RECORDING_FILE_STATUS_UPDATED,
        TIME,
        mixed.clone(),
    );
    assert_writes(
        &[cloud],
        "door_recording_file_status_updated.cloudevents.json",
    );
    let read: Vec<CloudEvent<AcsEventGridData>> =
        parse_round_trip("door_recording_file_status_updated.cloudevents.json");
    assert_eq!(
        read[0].data,
        AcsEventGridData::RecordingFileStatusUpdated(mixed)
    );
    let read: Vec<EventGridEvent<RecordingFileStatusUpdatedEventData>> =
        parse_round_trip("door_recording_file_status_updated.eventgrid.json");
    assert_eq!(
        read[0].data.recording_channel_type,
        Some(RecordingChannelType::Unmixed)
    );
}

#[test]
fn the_servers_incoming_call_fixture_is_the_same_shape() {
    // crates/server/src/acs/fixtures/incoming_call_data.json, as incoming.rs renders it.
    let data: IncomingCallEventData = parse_round_trip("door_incoming_call_data.json");
    assert_eq!(
        data.to,
        Id::unknown("28:orgid:cc123456-5678-5678-1234-ccc123456789")
    );
    assert_eq!(data.from, Id::phone_number("+12065551212"));
    assert_eq!(
        data.subject(),
        "/caller/4:+12065551212/recipient/28:orgid:cc123456-5678-5678-1234-ccc123456789"
    );
    assert_writes(&data, "door_incoming_call_data.json");
}
