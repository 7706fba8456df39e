//! The reference samples (shared/reference/samples, parsed there by the official helpers) read
//! through the typed envelopes, and the list of fixtures every test file covers.

mod common;

use common::{all_fixtures, fixture_value, parse_round_trip, to_json};
use ringside_acs_wire::*;

#[test]
fn sample_callbacks() {
    let events: Vec<CallAutomationEvent> =
        parse_round_trip("sample_acs_callbacks.cloudevents.json");
    assert_eq!(events.len(), 5);
    let types: Vec<&str> = events.iter().map(|e| e.data.event_type()).collect();
    assert_eq!(
        types,
        [
            "Microsoft.Communication.CallConnected",
            "Microsoft.Communication.ParticipantsUpdated",
            "Microsoft.Communication.PlayCompleted",
            "Microsoft.Communication.RecognizeCompleted",
            "Microsoft.Communication.CallDisconnected",
        ]
    );
    let CallAutomationEventData::CallConnected(connected) = &events[0].data else {
        panic!("{:?}", events[0].data)
    };
    assert_eq!(connected.common.version.as_deref(), Some("2024-09-15"));
    assert_eq!(
        connected.operation_context.as_deref(),
        Some("ctx-create-pstn")
    );
    assert_eq!(
        connected.common.call_connection_id.as_deref(),
        Some("1a1ae082-27ca-415f-b096-a56c495875cd")
    );
    let CallAutomationEventData::ParticipantsUpdated(roster) = &events[1].data else {
        panic!()
    };
    assert_eq!(roster.sequence_number, Some(1));
    assert_eq!(
        roster.participants[0].identifier.raw_id().as_deref(),
        Some("4:+14255550123")
    );
    let CallAutomationEventData::RecognizeCompleted(recognized) = &events[3].data else {
        panic!()
    };
    let tones: String = recognized
        .dtmf_result
        .as_ref()
        .unwrap()
        .tones
        .iter()
        .filter_map(DtmfTone::to_char)
        .collect();
    assert_eq!(tones, "1234");
    assert_eq!(
        recognized.result_information.as_ref().unwrap().sub_code,
        Some(8531)
    );
    let CallAutomationEventData::CallDisconnected(gone) = &events[4].data else {
        panic!()
    };
    assert_eq!(gone.result_information, None);
    // Writing gives the sample back, but for CallConnected's explicit null-when-absent members
    // (none here: every member the sample has is kept).
    assert_eq!(
        to_json(&events),
        fixture_value("sample_acs_callbacks.cloudevents.json")
    );
}

#[test]
fn sample_event_grid_events() {
    let incoming: Vec<EventGridEvent<AcsEventGridData>> =
        parse_round_trip("sample_acs_incoming_call.eventgrid.json");
    let AcsEventGridData::IncomingCall(call) = &incoming[0].data else {
        panic!("{:?}", incoming[0].data)
    };
    assert_eq!(call.from.raw_id().as_deref(), Some("4:+14255550123"));
    assert_eq!(call.to.effective_kind(), IdentifierKind::CommunicationUser);
    assert_eq!(call.custom_context.sip_headers["X-MS-Custom-mock"], "1");
    assert!(call.custom_context.voip_headers.is_empty());
    assert_eq!(incoming[0].subject, call.subject());
    assert_eq!(
        to_json(&incoming),
        fixture_value("sample_acs_incoming_call.eventgrid.json")
    );

    let validation: Vec<EventGridEvent<AcsEventGridData>> =
        parse_round_trip("sample_eventgrid_subscription_validation.json");
    let AcsEventGridData::SubscriptionValidation(data) = &validation[0].data else {
        panic!()
    };
    assert_eq!(data.validation_code, "512d38b6-c7b8-40c8-89fe-f46f9e9622b6");
    assert_eq!(validation[0].data_version, "1");
    assert_eq!(
        to_json(&validation),
        fixture_value("sample_eventgrid_subscription_validation.json")
    );

    let file: Vec<EventGridEvent<AcsEventGridData>> =
        parse_round_trip("sample_recording_file_status_updated.eventgrid.json");
    let AcsEventGridData::RecordingFileStatusUpdated(data) = &file[0].data else {
        panic!()
    };
    let chunk = &data.recording_storage_info.recording_chunks[0];
    assert_eq!(
        chunk.content_location.as_deref(),
        Some("https://mock.asm.skype.com/v1/objects/0-eus-d1-mock/content/audio")
    );
    assert_eq!(
        data.recording_content_type,
        Some(RecordingContentType::Audio)
    );
    assert_eq!(data.recording_duration_ms, Some(17000));
    assert_eq!(
        to_json(&file),
        fixture_value("sample_recording_file_status_updated.eventgrid.json")
    );
}

/// Every fixture on disk is exercised by a test (update the list when adding one).
#[test]
fn every_fixture_is_covered() {
    let covered = [
        "door_callbacks.cloudevents.json",
        "door_incoming_call.cloudevents.json",
        "door_incoming_call.eventgrid.json",
        "door_incoming_call_data.json",
        "door_recording_file_status_updated.cloudevents.json",
        "door_recording_file_status_updated.eventgrid.json",
        "door_subscription_validation.eventgrid.json",
        "error_door_8522.json",
        "error_door_unknown_operation.json",
        "error_full.json",
        "req_add_participant_js_digest.json",
        "req_add_participant_py_trace.json",
        "req_answer_door_streaming.json",
        "req_answer_py.json",
        "req_cancel_add_participant.json",
        "req_connect_digest.json",
        "req_continuous_dtmf_py.json",
        "req_create_call_digest.json",
        "req_create_call_door_streaming.json",
        "req_create_call_js_acs.json",
        "req_create_call_js_pstn.json",
        "req_create_call_py_pstn.json",
        "req_create_call_py_streaming.json",
        "req_hold.json",
        "req_move_participants.json",
        "req_mute_py.json",
        "req_play_digest_text_ssml.json",
        "req_play_js_all.json",
        "req_play_py_digest_file.json",
        "req_play_py_one.json",
        "req_play_py_tts.json",
        "req_recognize_digest_choices.json",
        "req_recognize_digest_speech.json",
        "req_recognize_digest_speech_or_dtmf.json",
        "req_recognize_js_dtmf.json",
        "req_recognize_py_dtmf.json",
        "req_redirect_py.json",
        "req_reject_py.json",
        "req_remove_participant_py.json",
        "req_send_dtmf_tones_py.json",
        "req_start_media_streaming_py.json",
        "req_start_recording_digest.json",
        "req_start_recording_door_unmixed.json",
        "req_start_recording_js.json",
        "req_start_recording_py.json",
        "req_start_transcription.json",
        "req_stop_media_streaming_empty.json",
        "req_stop_transcription.json",
        "req_transfer_py_digest.json",
        "req_transfer_py_trace.json",
        "req_unhold.json",
        "req_update_transcription.json",
        "resp_add_participant.json",
        "resp_call_connection_answer.json",
        "resp_call_connection_create.json",
        "resp_call_connection_get.json",
        "resp_cancel_add_participant.json",
        "resp_operation_context.json",
        "resp_operation_context_empty.json",
        "resp_participant.json",
        "resp_participants.json",
        "resp_recording_state.json",
        "sample_acs_callbacks.cloudevents.json",
        "sample_acs_incoming_call.eventgrid.json",
        "sample_eventgrid_subscription_validation.json",
        "sample_recording_file_status_updated.eventgrid.json",
        "validation_response.json",
        "validation_response_pascal.json",
    ];
    assert_eq!(all_fixtures(), covered.map(String::from).to_vec());
}
