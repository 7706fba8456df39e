//! Golden request fixtures: every body the Python and JS 1.6.0 SDKs were seen sending (traces in
//! official-clients.md), the digest's captured and model examples, and what the door's own
//! integration tests send — each read as the door reads it, its members asserted, round-tripped,
//! and (but for the casing the writer normalises) written back exactly as received.

mod common;

use common::{fixture_value, request, to_json};
use ringside_acs_wire::*;
use serde_json::json;

/// Reading then writing gives back the fixture exactly.
fn writes_back<T: RequestBody + serde::Serialize + PartialEq + std::fmt::Debug>(name: &str) -> T {
    let parsed: T = request(name);
    assert_eq!(to_json(&parsed), fixture_value(name), "{name}");
    parsed
}

fn raw(i: &CommunicationIdentifierModel) -> String {
    i.raw_id().unwrap_or_default()
}

#[test]
fn create_call_from_python() {
    let pstn: CreateCallRequest = writes_back("req_create_call_py_pstn.json");
    assert_eq!(raw(&pstn.targets[0]), "4:+14255550123");
    assert_eq!(pstn.targets[0].kind, None, "Python never sends kind");
    assert_eq!(
        pstn.targets[0].effective_kind(),
        IdentifierKind::PhoneNumber
    );
    assert_eq!(
        pstn.source_caller_id_number
            .as_ref()
            .map(|n| n.value.as_str()),
        Some("+18005550100")
    );
    assert_eq!(pstn.source_display_name.as_deref(), Some("Mock Bot"));
    assert_eq!(pstn.callback_uri, "https://app.example.com/api/callbacks");

    let streaming: CreateCallRequest = request("req_create_call_py_streaming.json");
    let options = streaming.media_streaming_options.clone().unwrap();
    assert_eq!(
        options.audio_format,
        Some(AudioFormat::Pcm16KMono),
        "Python's casing"
    );
    assert_eq!(options.transport_type, StreamingTransportType::Websocket);
    assert_eq!(
        options.audio_channel_type,
        MediaStreamingAudioChannelType::Mixed
    );
    assert_eq!(options.start_media_streaming, Some(false));
    assert_eq!(
        streaming
            .call_intelligence_options
            .as_ref()
            .unwrap()
            .cognitive_services_endpoint
            .as_deref(),
        Some("https://cog.example.com/")
    );
    // Written back in the REST casing; nothing else changes.
    let mut expected = fixture_value("req_create_call_py_streaming.json");
    expected["mediaStreamingOptions"]["audioFormat"] = json!("pcm16KMono");
    assert_eq!(to_json(&streaming), expected);
}

#[test]
fn create_call_from_js() {
    let pstn: CreateCallRequest = writes_back("req_create_call_js_pstn.json");
    assert_eq!(pstn.targets[0].kind, Some(IdentifierKind::PhoneNumber));
    assert_eq!(
        pstn.targets[0].phone_number.as_ref().unwrap().is_anonymous,
        Some(false)
    );
    assert_eq!(
        pstn.source_caller_id_number.unwrap().is_anonymous,
        Some(false)
    );
    let acs: CreateCallRequest = writes_back("req_create_call_js_acs.json");
    assert_eq!(
        acs.targets[0].effective_kind(),
        IdentifierKind::CommunicationUser
    );
    assert!(acs.operation_context.is_none());
}

#[test]
fn create_call_with_every_member() {
    let call: CreateCallRequest = request("req_create_call_digest.json");
    let kinds: Vec<_> = call.targets.iter().map(|t| t.effective_kind()).collect();
    assert_eq!(
        kinds,
        [
            IdentifierKind::PhoneNumber,
            IdentifierKind::CommunicationUser,
            IdentifierKind::MicrosoftTeamsApp,
            IdentifierKind::MicrosoftTeamsUser,
            IdentifierKind::TeamsExtensionUser,
        ]
    );
    let app = call.targets[2].microsoft_teams_app.as_ref().unwrap();
    assert_eq!(
        app.cloud,
        Some(CommunicationCloudEnvironment::Public),
        "PUBLIC"
    );
    let extension = call.targets[4].teams_extension_user.as_ref().unwrap();
    assert_eq!(
        (
            extension.resource_id.as_str(),
            extension.tenant_id.as_str(),
            extension.user_id.as_str()
        ),
        ("res", "ten", "usr")
    );
    assert_eq!(call.source.as_ref().unwrap().id, "8:acs:res_bot");
    assert_eq!(
        call.teams_app_source.as_ref().unwrap().app_id,
        "cc123456-5678-5678-1234-ccc123456789"
    );
    let options = call.media_streaming_options.as_ref().unwrap();
    assert_eq!(options.audio_format, Some(AudioFormat::Pcm24KMono));
    assert_eq!(options.enable_dtmf_tones, Some(true));
    let transcription = call.transcription_options.as_ref().unwrap();
    assert_eq!(transcription.locale, "en-US");
    assert_eq!(transcription.enable_intermediate_results, Some(true));
    let mut expected = fixture_value("req_create_call_digest.json");
    expected["targets"][2]["microsoftTeamsApp"]["cloud"] = json!("public");
    assert_eq!(to_json(&call), expected);
}

#[test]
fn create_call_as_the_door_tests_send_it() {
    let call: CreateCallRequest = writes_back("req_create_call_door_streaming.json");
    let custom = call.custom_calling_context.unwrap();
    let sip = custom.sip_headers.unwrap();
    assert_eq!(sip["X-MS-Custom-ticket"], "42");
    assert_eq!(sip["userToUser"], "0a0b;encoding=hex");
    assert_eq!(custom.voip_headers.unwrap()["lang"], "fr");
    let options = call.media_streaming_options.unwrap();
    assert_eq!(
        options.transport_url.as_deref(),
        Some("ws://127.0.0.1:9444/acs")
    );
    assert_eq!(options.enable_bidirectional, Some(true));
}

#[test]
fn answer_redirect_reject_connect() {
    let answer: AnswerCallRequest = writes_back("req_answer_py.json");
    assert!(answer
        .incoming_call_context
        .starts_with("eyJhbGciOiJub25lIn0."));
    assert_eq!(answer.operation_context.as_deref(), Some("ctx-answer"));
    let door: AnswerCallRequest = writes_back("req_answer_door_streaming.json");
    assert_eq!(door.answered_by.unwrap().id, "8:acs:res_bot");
    let options = door.media_streaming_options.unwrap();
    assert_eq!(
        options.audio_channel_type,
        MediaStreamingAudioChannelType::Unmixed
    );
    assert_eq!(options.audio_format, None);

    let redirect: RedirectCallRequest = writes_back("req_redirect_py.json");
    assert_eq!(raw(&redirect.target), "4:+14255550199");
    let reject: RejectCallRequest = writes_back("req_reject_py.json");
    assert_eq!(reject.call_reject_reason, Some(CallRejectReason::Busy));

    let connect: ConnectRequest = writes_back("req_connect_digest.json");
    assert_eq!(
        connect.call_locator.server_call_id.as_deref(),
        Some("aHR0cHM6Ly9tb2NrL2NhbGxzLw")
    );
    assert_eq!(
        connect.call_locator.kind,
        Some(CallLocatorKind::ServerCallLocator)
    );
    assert!(!connect.call_locator.is_group_or_room());
}

#[test]
fn transfer_and_participants() {
    let transfer: TransferToParticipantRequest = writes_back("req_transfer_py_digest.json");
    assert_eq!(raw(&transfer.target_participant), "4:+14255550123");
    assert_eq!(
        raw(transfer.transferee.as_ref().unwrap()),
        "8:acs:res_user1"
    );
    assert_eq!(
        transfer.operation_callback_uri.as_deref(),
        Some("https://app.example.com/cb2")
    );
    let custom = transfer.custom_calling_context.unwrap();
    assert_eq!(custom.voip_headers.unwrap()["k"], "v");
    assert_eq!(
        transfer.source_caller_id_number.unwrap().value,
        "+14255550100"
    );
    let trace: TransferToParticipantRequest = writes_back("req_transfer_py_trace.json");
    assert_eq!(raw(trace.transferee.as_ref().unwrap()), "4:+14255550123");

    let add: AddParticipantRequest = writes_back("req_add_participant_js_digest.json");
    assert_eq!(add.invitation_timeout_in_seconds, Some(20));
    let custom = add.custom_calling_context.unwrap();
    assert_eq!(
        custom.sip_headers,
        Some(Default::default()),
        "JS sends empty maps"
    );
    let add: AddParticipantRequest = writes_back("req_add_participant_py_trace.json");
    assert_eq!(raw(&add.participant_to_add), "4:+14255550111");
    assert_eq!(add.invitation_timeout_in_seconds, Some(30));

    let remove: RemoveParticipantRequest = writes_back("req_remove_participant_py.json");
    assert_eq!(raw(&remove.participant_to_remove), "4:+14255550111");
    let mute: MuteParticipantsRequest = writes_back("req_mute_py.json");
    assert_eq!(mute.target_participants.len(), 1);
    assert_eq!(
        mute.target_participants[0].effective_kind(),
        IdentifierKind::CommunicationUser
    );
    let cancel: CancelAddParticipantRequest = writes_back("req_cancel_add_participant.json");
    assert_eq!(cancel.invitation_id, "5a3c0d2e-1f4b-4c6d-8e9f-0a1b2c3d4e5f");
    let moved: MoveParticipantsRequest = writes_back("req_move_participants.json");
    assert_eq!(moved.from_call, "401f3500-08a0-4e9e-b844-61a65c845a0b");
}

#[test]
fn play_bodies() {
    let file: PlayRequest = writes_back("req_play_py_digest_file.json");
    assert_eq!(file.play_sources[0].effective_kind(), PlaySourceKind::File);
    assert_eq!(
        file.play_sources[0].play_source_cache_id.as_deref(),
        Some("cache1")
    );
    assert_eq!(
        file.play_sources[0].file.as_ref().unwrap().uri,
        "https://media.example.com/a.wav"
    );
    assert_eq!(file.play_to, Some(vec![]), "play to all");
    assert!(file.play_options.unwrap().loop_);
    assert_eq!(file.interrupt_call_media_operation, Some(true));

    let speech: PlayRequest = writes_back("req_play_digest_text_ssml.json");
    let text = speech.play_sources[0].text.as_ref().unwrap();
    assert_eq!(
        (text.text.as_str(), text.voice_name.as_deref()),
        ("hello", Some("en-US-NancyNeural"))
    );
    assert_eq!(speech.play_sources[1].kind, Some(PlaySourceKind::Ssml));
    assert_eq!(
        speech.play_sources[1].ssml.as_ref().unwrap().ssml_text,
        "<speak/>"
    );

    let one: PlayRequest = writes_back("req_play_py_one.json");
    assert_eq!(raw(&one.play_to.unwrap()[0]), "4:+14255550123");
    let all: PlayRequest = writes_back("req_play_js_all.json");
    assert_eq!(all.interrupt_call_media_operation, None, "JS leaves it out");
    let tts: PlayRequest = writes_back("req_play_py_tts.json");
    assert_eq!(tts.play_sources[0].effective_kind(), PlaySourceKind::Text);
}

#[test]
fn recognize_bodies() {
    let py: RecognizeRequest = writes_back("req_recognize_py_dtmf.json");
    assert_eq!(py.recognize_input_type, RecognizeInputType::Dtmf);
    assert_eq!(py.prompts().len(), 1);
    let options = &py.recognize_options;
    assert_eq!(options.interrupt_prompt, Some(true));
    assert_eq!(options.initial_silence_timeout_in_seconds, Some(10.0));
    let dtmf = options.dtmf_options.as_ref().unwrap();
    assert_eq!(dtmf.inter_tone_timeout_in_seconds, Some(5.0));
    assert_eq!(dtmf.max_tones_to_collect, Some(4));
    assert_eq!(dtmf.stop_tones, Some(vec![DtmfTone::Pound]));
    assert_eq!(raw(&options.target_participant), "4:+14255550123");

    let js: RecognizeRequest = writes_back("req_recognize_js_dtmf.json");
    assert_eq!(js.recognize_options.interrupt_prompt, None);
    assert_eq!(js.interrupt_call_media_operation, None);

    let choices: RecognizeRequest = writes_back("req_recognize_digest_choices.json");
    assert_eq!(choices.recognize_input_type, RecognizeInputType::Choices);
    assert_eq!(choices.prompts()[0].effective_kind(), PlaySourceKind::Text);
    let choice = &choices.recognize_options.choices.as_ref().unwrap()[0];
    assert_eq!(
        (
            choice.label.as_str(),
            choice.phrases.len(),
            choice.tone.clone()
        ),
        ("yes", 2, Some(DtmfTone::One))
    );
    let speech: RecognizeRequest = writes_back("req_recognize_digest_speech.json");
    assert_eq!(
        speech
            .recognize_options
            .speech_options
            .as_ref()
            .unwrap()
            .end_silence_timeout_in_ms,
        Some(2000)
    );
    assert!(speech.prompts().is_empty());
    let either: RecognizeRequest = writes_back("req_recognize_digest_speech_or_dtmf.json");
    assert_eq!(
        either.recognize_input_type,
        RecognizeInputType::SpeechOrDtmf
    );
}

#[test]
fn dtmf_hold_streaming_transcription() {
    let continuous: ContinuousDtmfRecognitionRequest = writes_back("req_continuous_dtmf_py.json");
    assert_eq!(continuous.operation_context.as_deref(), Some("ctx-cdtmf"));
    let send: SendDtmfTonesRequest = writes_back("req_send_dtmf_tones_py.json");
    assert_eq!(send.tones, [DtmfTone::One, DtmfTone::Two, DtmfTone::Pound]);
    let hold: HoldRequest = writes_back("req_hold.json");
    assert_eq!(
        hold.play_source_info.unwrap().file.unwrap().uri,
        "https://cdn.example.com/hold.wav"
    );
    let unhold: UnholdRequest = writes_back("req_unhold.json");
    assert_eq!(unhold.operation_context.as_deref(), Some("op-unhold"));
    let start: StartMediaStreamingRequest = writes_back("req_start_media_streaming_py.json");
    assert_eq!(start.operation_context.as_deref(), Some("ctx-stream"));
    let stop: StopMediaStreamingRequest = writes_back("req_stop_media_streaming_empty.json");
    assert_eq!(stop, OperationContextRequest::default());
    let tr: StartTranscriptionRequest = writes_back("req_start_transcription.json");
    assert_eq!(tr.speech_model_endpoint_id.as_deref(), Some("model-1"));
    let update: UpdateTranscriptionRequest = writes_back("req_update_transcription.json");
    assert_eq!(update.locale.as_deref(), Some("fr-FR"));
    let stop: StopTranscriptionRequest = writes_back("req_stop_transcription.json");
    assert_eq!(stop.operation_context.as_deref(), Some("op-tr-stop"));
}

#[test]
fn recording_start_bodies() {
    let py: StartCallRecordingRequest = writes_back("req_start_recording_py.json");
    let locator = py.call_locator.as_ref().unwrap();
    assert_eq!(locator.kind, Some(CallLocatorKind::ServerCallLocator));
    assert_eq!(py.channel_affinity, Some(vec![]), "Python always sends []");
    assert_eq!(py.recording_content_type, Some(RecordingContentType::Audio));
    assert_eq!(py.recording_channel_type, Some(RecordingChannelType::Mixed));
    assert_eq!(py.recording_format_type, Some(RecordingFormatType::Wav));
    let js: StartCallRecordingRequest = writes_back("req_start_recording_js.json");
    assert_eq!(js.channel_affinity, None);

    let full: StartCallRecordingRequest = writes_back("req_start_recording_digest.json");
    assert!(full.call_locator.as_ref().unwrap().is_group_or_room());
    assert_eq!(
        full.recording_content_type,
        Some(RecordingContentType::AudioVideo)
    );
    assert_eq!(full.recording_format_type, Some(RecordingFormatType::Mp4));
    assert_eq!(full.pause_on_start, Some(true));
    let storage = full.external_storage.unwrap();
    assert_eq!(
        storage.recording_storage_kind,
        RecordingStorageKind::AzureBlobStorage
    );
    let affinity = &full.channel_affinity.unwrap()[0];
    assert_eq!(
        (affinity.channel, raw(&affinity.participant)),
        (Some(0), "4:+14255550123".into())
    );

    let door: StartCallRecordingRequest = writes_back("req_start_recording_door_unmixed.json");
    assert_eq!(
        door.call_connection_id.as_deref(),
        Some("00000000-0000-0000-0000-000000000007")
    );
    assert_eq!(door.channel_affinity.unwrap()[0].channel, Some(2));
    assert_eq!(
        raw(&door.audio_channel_participant_ordering.unwrap()[0]),
        "4:+1999",
        "rawId derived from the sub-object"
    );
}
