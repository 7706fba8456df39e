//! Golden fixtures: every request body the official clients send (kiota-python, the Graph JS client),
//! the docs-only action bodies, the 201 create-call response, every §6.5 notification example (a)–(l)
//! plus wild variants, and the error envelope — each parsed, its important fields asserted, and
//! round-tripped.

mod common;

use common::{all_fixtures, parse_round_trip, to_json};
use ringside_graph_wire::*;
use serde_json::{json, Value};

fn id(i: &Option<Identity>) -> Option<&str> {
    i.as_ref().and_then(|i| i.id.as_deref())
}

// ---------------------------------------------------------------------------------------------
// Requests from the official clients.

#[test]
fn kiota_create_call_typed() {
    let call: Call = parse_round_trip("req_create_call_kiota_typed.json");
    assert_eq!(
        call.callback_uri.as_deref(),
        Some("https://bot.example.com/api/calling")
    );
    assert_eq!(
        call.tenant_id.as_deref(),
        Some("aaaaaaaa-0000-4000-8000-00000000beef")
    );
    assert_eq!(call.requested_modalities, Some(vec![Modality::Audio]));
    let MediaConfig::ServiceHosted(media) = call.media_config.as_ref().unwrap() else {
        panic!("service-hosted expected")
    };
    let prefetch = media.pre_fetch_media.as_ref().unwrap();
    assert_eq!(prefetch[0].uri, "https://cdn.example.com/welcome.wav");
    assert_eq!(prefetch[0].resource_id.as_deref(), Some("welcome-1"));
    // communicationsIdentitySet spelling.
    let source = call.source.as_ref().unwrap();
    assert_eq!(
        id(&source.identity.application_instance),
        Some("33333333-3333-3333-3333-333333333333")
    );
    let targets = call.targets.as_ref().unwrap();
    assert_eq!(targets.len(), 2);
    // No @odata.type at all.
    assert_eq!(
        id(&targets[0].identity.user),
        Some("22222222-2222-2222-2222-222222222222")
    );
    assert_eq!(id(&targets[1].identity.phone), Some("+14255550123"));
    // Strict writer: tags everywhere, the one documented identitySet spelling.
    let out = to_json(&call);
    assert_eq!(out["@odata.type"], "#microsoft.graph.call");
    assert_eq!(
        out["source"]["@odata.type"],
        "#microsoft.graph.participantInfo"
    );
    assert_eq!(
        out["source"]["identity"]["@odata.type"],
        "#microsoft.graph.identitySet"
    );
    assert_eq!(
        out["targets"][1]["identity"]["phone"]["@odata.type"],
        "#microsoft.graph.identity"
    );
    assert_eq!(
        out["targets"][0]["@odata.type"],
        "#microsoft.graph.invitationParticipantInfo"
    );
    assert!(out.get("state").is_none(), "None is omitted");
}

#[test]
fn kiota_create_call_additional_data() {
    let call: Call = parse_round_trip("req_create_call_kiota_additional_data.json");
    let source = call.source.unwrap();
    let app = source.identity.application_instance.unwrap();
    assert_eq!(app.display_name.as_deref(), Some("Calling Bot"));
    let targets = call.targets.unwrap();
    assert_eq!(id(&targets[0].identity.phone), Some("+12345678901"));
    assert!(
        matches!(call.media_config, Some(MediaConfig::ServiceHosted(ref m)) if m.pre_fetch_media.is_none())
    );
}

#[test]
fn js_create_call() {
    let call: Call = parse_round_trip("req_create_call_js.json");
    assert_eq!(
        id(&call.targets.unwrap()[0].identity.phone),
        Some("+14255550123")
    );
    assert_eq!(
        id(&call.source.unwrap().identity.application_instance),
        Some("33333333-3333-3333-3333-333333333333")
    );
}

#[test]
fn answer_bodies() {
    let kiota: AnswerRequest = parse_round_trip("req_answer_kiota.json");
    assert_eq!(kiota.accepted_modalities, vec![Modality::Audio]);
    assert_eq!(kiota.participant_capacity, Some(200));
    assert_eq!(
        kiota.callback_uri.as_deref(),
        Some("https://bot.example.com/api/calling")
    );
    assert!(matches!(kiota.media_config, MediaConfig::ServiceHosted(_)));
    let out = to_json(&kiota);
    assert!(
        out.get("@odata.type").is_none(),
        "action bodies carry no tag"
    );
    assert_eq!(
        out["mediaConfig"]["@odata.type"],
        "#microsoft.graph.serviceHostedMediaConfig"
    );

    let js: AnswerRequest = parse_round_trip("req_answer_js.json");
    assert_eq!(js.participant_capacity, None);
    assert_eq!(js.accepted_modalities, vec![Modality::Audio]);

    let docs: AnswerRequest = parse_round_trip("req_answer_call_options_docs.json");
    let options = docs.call_options.unwrap();
    assert_eq!(options.is_delta_roster_enabled, Some(true));
    assert_eq!(options.is_content_sharing_notification_enabled, Some(true));
    assert_eq!(options.is_interactive_roster_enabled, Some(true));
    let MediaConfig::AppHosted(app) = docs.media_config else {
        panic!("app-hosted")
    };
    assert_eq!(
        app.blob.as_deref(),
        Some("<Media Session Configuration Blob>")
    );
}

#[test]
fn reject_redirect_transfer() {
    let reject: RejectRequest = parse_round_trip("req_reject_kiota.json");
    assert_eq!(reject.reason, Some(RejectReason::Busy));

    let redirect: RedirectRequest = parse_round_trip("req_redirect_kiota.json");
    assert_eq!(redirect.timeout, Some(30));
    assert_eq!(
        id(&redirect.targets[0].identity.user),
        Some("44444444-4444-4444-4444-444444444444")
    );
    let simulring: RedirectRequest = parse_round_trip("req_redirect_simulring_docs.json");
    assert_eq!(simulring.targets.len(), 2);
    assert_eq!(
        simulring.routing_policies,
        Some(vec![RoutingPolicy::DisableForwarding])
    );

    let transfer: TransferRequest = parse_round_trip("req_transfer_kiota.json");
    assert_eq!(
        transfer.transfer_target.replaces_call_id.as_deref(),
        Some("55555555-5555-5555-5555-555555555555")
    );
    assert_eq!(
        id(&transfer.transfer_target.identity.phone),
        Some("+14255550199")
    );
    assert!(transfer.transferee.is_none());

    let group: TransferRequest = parse_round_trip("req_transfer_group_docs.json");
    let transferee = group.transferee.unwrap();
    assert_eq!(
        transferee.participant_id.as_deref(),
        Some("909c6581-5130-43e9-88f3-fcb3582cde37")
    );
    assert_eq!(
        transferee.identity.user.unwrap().tenant_id.as_deref(),
        Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
    );
    assert_eq!(
        group.transfer_target.endpoint_type,
        Some(EndpointType::Default)
    );
    assert_eq!(
        group.client_context.as_deref(),
        Some("9e90d1c1-f61e-43e7-9f75-d420159aae08")
    );
}

#[test]
fn media_actions() {
    let kiota: PlayPromptRequest = parse_round_trip("req_play_prompt_kiota.json");
    assert_eq!(kiota.client_context.as_deref(), Some("ctx-play-1"));
    assert_eq!(
        kiota.prompts[0].media_info().uri,
        "https://cdn.example.com/prompt.wav"
    );
    assert_eq!(
        kiota.prompts[0].media_info().resource_id.as_deref(),
        Some("p1")
    );
    let out = to_json(&kiota);
    assert_eq!(
        out["prompts"][0]["@odata.type"],
        "#microsoft.graph.mediaPrompt"
    );
    assert_eq!(
        out["prompts"][0]["mediaInfo"]["@odata.type"],
        "#microsoft.graph.mediaInfo"
    );

    let js: PlayPromptRequest = parse_round_trip("req_play_prompt_js.json");
    assert_eq!(
        js.prompts[0].media_info().uri,
        "https://cdn.example.com/p.wav"
    );

    let record: RecordResponseRequest = parse_round_trip("req_record_response_kiota.json");
    assert_eq!(record.barge_in_allowed, Some(true));
    assert_eq!(record.initial_silence_timeout_in_seconds, Some(5));
    assert_eq!(record.max_record_duration_in_seconds, Some(10));
    assert_eq!(record.max_silence_timeout_in_seconds, Some(2));
    assert_eq!(record.play_beep, Some(true));
    assert_eq!(
        record.stop_tones,
        Some(vec!["#".into(), "1".into(), "*".into()])
    );
    assert_eq!(
        record.prompts.as_ref().unwrap()[0]
            .media_info()
            .resource_id
            .as_deref(),
        Some("r1")
    );

    let tone: SubscribeToToneRequest = parse_round_trip("req_subscribe_to_tone_kiota.json");
    assert_eq!(tone.client_context.as_deref(), Some("ctx-tone-1"));
    let cancel: CancelMediaProcessingRequest =
        parse_round_trip("req_cancel_media_processing_docs.json");
    assert_eq!(
        cancel.client_context.as_deref(),
        Some("d45324c1-fcb5-430a-902c-f20af696537c")
    );

    let dtmf: SendDtmfTonesRequest = parse_round_trip("req_send_dtmf_tones_docs.json");
    assert_eq!(
        dtmf.tones,
        vec![
            Tone::Tone1,
            Tone::Tone2,
            Tone::Tone3,
            Tone::Star,
            Tone::Pound
        ]
    );
    assert_eq!(dtmf.delay_between_tones_ms, Some(5));
    assert_eq!(
        to_json(&dtmf)["tones"],
        json!(["tone1", "tone2", "tone3", "star", "pound"])
    );
}

#[test]
fn participant_and_meeting_actions() {
    let mute: MuteRequest = parse_round_trip("req_mute_kiota.json");
    assert_eq!(mute.client_context.as_deref(), Some("ctx-mute-self"));
    let unmute: UnmuteRequest = parse_round_trip("req_unmute_docs.json");
    assert!(unmute.client_context.is_some());
    let pmute: MuteRequest = parse_round_trip("req_participant_mute_kiota.json");
    assert_eq!(pmute.client_context.as_deref(), Some("ctx-mute-1"));

    let invite: InviteParticipantsRequest = parse_round_trip("req_invite_kiota.json");
    assert_eq!(invite.client_context.as_deref(), Some("ctx-invite-1"));
    let user = invite.participants[0].identity.user.as_ref().unwrap();
    assert_eq!(user.display_name.as_deref(), Some("Invitee"));

    let role: ChangeScreenSharingRoleRequest =
        parse_round_trip("req_change_screen_sharing_role_docs.json");
    assert_eq!(role.role, ScreenSharingRole::Viewer);
    let rec: UpdateRecordingStatusRequest =
        parse_round_trip("req_update_recording_status_docs.json");
    assert_eq!(rec.status, RecordingStatus::Recording);

    let hold: StartHoldMusicRequest = parse_round_trip("req_start_hold_music_docs.json");
    assert_eq!(
        hold.custom_prompt.unwrap().media_info().uri,
        "https://bot.contoso.com/onhold.wav"
    );
    let stop: StopHoldMusicRequest = parse_round_trip("req_stop_hold_music_docs.json");
    assert!(stop.client_context.is_some());
    let gallery: AddLargeGalleryViewRequest =
        parse_round_trip("req_add_large_gallery_view_docs.json");
    assert_eq!(
        gallery.client_context.as_deref(),
        Some("785f4929-92ca-497b-863f-c778c77c9758")
    );

    let group: CreateAudioRoutingGroupRequest =
        parse_round_trip("req_create_audio_routing_group_docs.json");
    assert_eq!(group.routing_mode, Some(RoutingMode::OneToOne));
    assert_eq!(
        group.sources,
        vec!["632899f8-2ea1-4604-8413-27bd2892079f".to_string()]
    );
    assert_eq!(group.receivers.len(), 1);
}

#[test]
fn create_call_meeting_variants() {
    let org: Call = parse_round_trip("req_create_call_join_organizer_docs.json");
    let Some(MeetingInfo::Organizer(info)) = &org.meeting_info else {
        panic!("organizer")
    };
    assert_eq!(info.allow_conversation_without_host, Some(true));
    let user = info.organizer.user.as_ref().unwrap();
    assert_eq!(
        user.tenant_id.as_deref(),
        Some("aa67bd4c-8475-432d-bd41-39f255720e0a")
    );
    assert_eq!(
        org.chat_info.as_ref().unwrap().message_id.as_deref(),
        Some("0")
    );

    let by_id: Call = parse_round_trip("req_create_call_join_meeting_id_docs.json");
    let Some(MeetingInfo::JoinMeetingId(info)) = &by_id.meeting_info else {
        panic!("joinMeetingId")
    };
    assert_eq!(info.join_meeting_id, "1234567");
    assert_eq!(info.passcode, None);

    // `microsoft.graph.x` without `#`, as a real bot sent it.
    let token: Call = parse_round_trip("req_create_call_token_app_hosted_docs.json");
    let Some(MeetingInfo::Token(info)) = &token.meeting_info else {
        panic!("token")
    };
    assert!(info.token.starts_with("eyJ"));
    assert!(matches!(
        token.media_config,
        Some(MediaConfig::AppHosted(_))
    ));
    assert_eq!(
        to_json(&token)["meetingInfo"]["@odata.type"],
        "#microsoft.graph.tokenMeetingInfo"
    );

    let group: Call = parse_round_trip("req_create_call_group_docs.json");
    assert_eq!(group.direction, Some(CallDirection::Outgoing));
    assert_eq!(group.targets.as_ref().unwrap().len(), 2);
    let Some(CallOptions::Outgoing(options)) = &group.call_options else {
        panic!("outgoing")
    };
    assert_eq!(options.allow_guest_to_bypass_lobby, Some(true));
    let Some(MediaConfig::ServiceHosted(media)) = &group.media_config else {
        panic!()
    };
    assert_eq!(media.remove_from_default_audio_group, Some(false));
}

// ---------------------------------------------------------------------------------------------
// Responses.

#[test]
fn create_call_201_response() {
    let call: Call = parse_round_trip("resp_create_call_201.json");
    assert_eq!(
        call.id.as_deref(),
        Some("2e1a0b00-2db4-4022-9570-243709c565ab")
    );
    assert_eq!(call.state, Some(CallState::Establishing));
    assert_eq!(call.direction, Some(CallDirection::Outgoing));
    assert_eq!(
        call.my_participant_id.as_deref(),
        Some("499ff390-7a72-40e8-83a0-8fac6295ae7e")
    );
    assert_eq!(
        call.call_chain_id.as_deref(),
        Some("d8217646-3110-40b1-bae6-e9ac6c3a9f74")
    );
    assert_eq!(
        call.odata_context.as_deref(),
        Some("https://graph.microsoft.com/v1.0/$metadata#app/calls/$entity")
    );
    assert!(call.subject.is_none() && call.result_info.is_none());
    assert!(call.additional.is_empty(), "{:?}", call.additional);

    // Plain serialization omits None; CallCreatedResponse restores the documented nulls.
    let plain = to_json(&call);
    assert!(plain.get("subject").is_none());
    let created = to_json(&CallCreatedResponse(&call));
    for key in CallCreatedResponse::NULL_KEYS {
        assert_eq!(created[*key], Value::Null, "{key}");
        assert!(created.as_object().unwrap().contains_key(*key), "{key}");
    }
    for key in ["countryCode", "endpointType", "region", "languageId"] {
        assert!(created["source"].as_object().unwrap().contains_key(key));
    }
    for key in ["endpointType", "replacesCallId"] {
        assert!(created["targets"][0].as_object().unwrap().contains_key(key));
    }
    assert_eq!(created["state"], "establishing");
    // The documented body (minus the beta extras we do not re-emit) equals ours as JSON.
    let mut documented: Value =
        serde_json::from_str(&common::fixture("resp_create_call_201.json")).unwrap();
    for beta in [
        "ringingTimeoutInSeconds",
        "answeredBy",
        "activeModalities",
        "routingPolicies",
        "terminationReason",
        "meetingCapability",
    ] {
        documented.as_object_mut().unwrap().remove(beta);
    }
    // The only other difference: we tag mediaInfo too (every complex type carries its @odata.type).
    documented["mediaConfig"]["preFetchMedia"][0]["@odata.type"] =
        json!("#microsoft.graph.mediaInfo");
    assert_eq!(created, documented);
}

#[test]
fn error_envelopes() {
    let e: GraphError = parse_round_trip("error_7504.json");
    assert_eq!(e.error.code, "7504");
    let inner = e.error.inner_error.as_ref().unwrap();
    assert_eq!(
        inner.request_id.as_deref(),
        Some("8d4e0c53-4b8a-4e5e-9e2b-1a2b3c4d5e6f")
    );
    assert_eq!(inner.date.as_deref(), Some("2020-02-13T17:30:24"));
    let out = to_json(&e);
    assert!(out["error"]["innerError"]["client-request-id"].is_string());

    let nf: GraphError = parse_round_trip("error_item_not_found.json");
    assert_eq!(nf.error.code, "itemNotFound");
    assert!(nf.error.inner_error.is_some(), "`innererror` accepted");
    assert!(
        to_json(&nf)["error"].get("innerError").is_some(),
        "written as innerError"
    );

    let numeric: GraphError =
        serde_json::from_str(r#"{"error":{"code":7505,"message":"m"}}"#).unwrap();
    assert_eq!(numeric.error.code, "7505");
}

// ---------------------------------------------------------------------------------------------
// Notifications §6.5.

fn notifications(name: &str) -> CommsNotifications {
    let n: CommsNotifications = parse_round_trip(name);
    let out = to_json(&n);
    assert_eq!(out["@odata.type"], "#microsoft.graph.commsNotifications");
    for item in out["value"].as_array().unwrap() {
        assert_eq!(item["@odata.type"], "#microsoft.graph.commsNotification");
        let ct = item["changeType"].as_str().unwrap();
        assert_eq!(ct, ct.to_ascii_lowercase(), "changeType emitted lowercase");
    }
    n
}

#[test]
fn notif_a_incoming() {
    let n = notifications("notif_a_incoming_p2p.json");
    let item = &n.value[0];
    assert_eq!(item.change_type, ChangeType::Created);
    assert_eq!(
        item.resource_url.as_deref(),
        Some("/communications/calls/57DAB8B1894C409AB240BD8BEAE78896")
    );
    let call = item.resource_data.as_ref().unwrap().as_call().unwrap();
    assert_eq!(call.state, Some(CallState::Incoming));
    assert_eq!(call.direction, Some(CallDirection::Incoming));
    assert_eq!(call.odata_etag.as_deref(), Some("W/\"5445\""));
    assert_eq!(
        call.odata_id.as_deref(),
        Some("/communications/calls/57DAB8B1894C409AB240BD8BEAE78896")
    );
    let source = call.source.as_ref().unwrap();
    assert_eq!(source.region.as_deref(), Some("westus"));
    assert_eq!(
        source
            .identity
            .user
            .as_ref()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Test User")
    );
    let target = &call.targets.as_ref().unwrap()[0];
    assert_eq!(
        target
            .identity
            .application
            .as_ref()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Test BOT")
    );
}

#[test]
fn notif_b_establishing_established() {
    for (name, state) in [
        ("notif_b_established.json", CallState::Established),
        ("notif_b_establishing.json", CallState::Establishing),
    ] {
        let n = notifications(name);
        assert_eq!(n.value[0].change_type, ChangeType::Updated);
        let call = n.value[0]
            .resource_data
            .as_ref()
            .unwrap()
            .as_call()
            .unwrap();
        assert_eq!(call.state, Some(state));
    }
}

#[test]
fn notif_c_terminated() {
    let n = notifications("notif_c_terminated.json");
    assert_eq!(n.value[0].change_type, ChangeType::Deleted);
    let call = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_call()
        .unwrap();
    assert_eq!(call.state, Some(CallState::Terminated));
    assert_eq!(
        call.result_info,
        Some(ResultInfo::new(200, 5001, "The conversation has ended."))
    );
}

#[test]
fn notif_d_roster() {
    let n = notifications("notif_d_roster.json");
    let roster = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_participants()
        .unwrap();
    assert_eq!(roster.len(), 2);
    assert!(roster[0].is_muted && !roster[0].is_in_lobby);
    let streams = roster[0].media_streams.as_ref().unwrap();
    assert_eq!(streams[2].media_type, Modality::VideoBasedScreenSharing);
    assert_eq!(streams[1].direction, MediaDirection::ReceiveOnly);
    assert_eq!(
        roster[1]
            .info
            .identity
            .application
            .as_ref()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Calling Bot")
    );
    assert_eq!(roster[1].media_streams.as_ref().unwrap()[0].source_id, "10");
}

#[test]
fn notif_e_play_prompt() {
    let n = notifications("notif_e_play_prompt_completed.json");
    let op = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_operation()
        .unwrap();
    assert!(matches!(op, CommsOperation::PlayPrompt(_)));
    assert_eq!(op.status(), Some(OperationStatus::Completed));
    assert_eq!(
        op.client_context(),
        Some("d45324c1-fcb5-430a-902c-f20af696537c")
    );
    assert_eq!(op.result_info().unwrap().code, 200);
    assert_eq!(op.odata_type(), "#microsoft.graph.playPromptOperation");
}

#[test]
fn notif_f_record() {
    let n = notifications("notif_f_record_completed.json");
    let Some(CommsOperation::Record(rec)) =
        n.value[0].resource_data.as_ref().unwrap().as_operation()
    else {
        panic!("record")
    };
    assert_eq!(
        rec.recording_location.as_deref(),
        Some("https://file.location/17e3b46c-f61d-4f4d-9635-c626ef18e6ad")
    );
    assert_eq!(
        rec.recording_access_token.as_deref(),
        Some("<access-token>")
    );
    assert_eq!(rec.result_info.as_ref().unwrap().subcode, 8515);
}

#[test]
fn notif_g_tone() {
    let n = notifications("notif_g_tone.json");
    let call = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_call()
        .unwrap();
    let tone = call.tone_info.as_ref().unwrap();
    assert_eq!((tone.sequence_id, tone.tone), (1, Tone::Tone1));
}

#[test]
fn notif_h_invite() {
    let n = notifications("notif_h_invite_completed.json");
    assert_eq!(n.value[0].resource.as_deref(), Some("/app/calls/481f0b00-ffff-4ca1-8c67-a5f1e31e3e82/operations/278405a3-f568-4b3e-b684-009193463064"));
    let Some(CommsOperation::InviteParticipants(op)) =
        n.value[0].resource_data.as_ref().unwrap().as_operation()
    else {
        panic!("invite")
    };
    assert_eq!(
        op.status,
        Some(OperationStatus::Completed),
        "PascalCase `Completed`"
    );
    let user = op.participants[0].identity.user.as_ref().unwrap();
    assert_eq!(user.identity_provider.as_deref(), Some("AAD"));
    assert!(user.tenant_id.is_some());
    assert_eq!(
        to_json(&n)["value"][0]["resourceData"]["status"],
        "completed"
    );
}

#[test]
fn notif_i_mute() {
    let n = notifications("notif_i_mute_roster.json");
    let roster = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_participants()
        .unwrap();
    assert!(roster[0].is_muted);
    assert!(roster[0].media_streams.as_ref().unwrap()[0].server_muted);
    assert_eq!(
        roster[0].roster_sequence_number,
        Some(42),
        "numeric string accepted"
    );
    assert_eq!(
        to_json(&n)["value"][0]["resourceData"][0]["rosterSequenceNumber"],
        42
    );
}

#[test]
fn notif_j_send_dtmf() {
    let n = notifications("notif_j_send_dtmf_completed.json");
    let Some(CommsOperation::SendDtmfTones(op)) =
        n.value[0].resource_data.as_ref().unwrap().as_operation()
    else {
        panic!("sendDtmfTones")
    };
    assert_eq!(
        op.completion_reason,
        Some(SendDtmfCompletionReason::CompletedSuccessfully)
    );
}

#[test]
fn notif_k_hold_music() {
    let n = notifications("notif_k_hold_music_completed.json");
    assert!(n.value[0]
        .resource_url
        .as_deref()
        .unwrap()
        .starts_with("communications/"));
    let ops: Vec<_> = n
        .value
        .iter()
        .map(|v| {
            v.resource_data
                .as_ref()
                .unwrap()
                .as_operation()
                .unwrap()
                .clone()
        })
        .collect();
    assert!(matches!(ops[0], CommsOperation::StartHoldMusic(_)));
    assert!(matches!(ops[1], CommsOperation::StopHoldMusic(_)));
}

#[test]
fn notif_l_content_sharing() {
    let n = notifications("notif_l_content_sharing.json");
    let ResourceData::Other(raw) = n.value[0].resource_data.as_ref().unwrap() else {
        panic!("contentSharingSession stays raw")
    };
    assert_eq!(raw[0]["id"], "F4BCB6E8F2C1494ABA9A4CC5FAFCD5AA");
    assert_eq!(n.value[0].change_type, ChangeType::Created);
}

#[test]
fn notif_wild_variants() {
    let n = notifications("notif_wild_pascal_case.json");
    assert_eq!(n.value[0].change_type, ChangeType::Updated);
    let call = n.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_call()
        .unwrap();
    assert_eq!(call.state, Some(CallState::Established));
    assert_eq!(call.direction, Some(CallDirection::Outgoing));
    assert_eq!(
        call.media_state.as_ref().unwrap().audio,
        Some(MediaState::Active)
    );
    assert!(call.meeting_capability.is_some());
    assert_eq!(
        call.source.as_ref().unwrap().endpoint_type,
        Some(EndpointType::Default)
    );
    let Some(CallOptions::Outgoing(o)) = &call.call_options else {
        panic!()
    };
    assert_eq!(o.allow_guest_to_bypass_lobby, Some(true));
    let out = to_json(&n);
    assert_eq!(out["value"][0]["resourceData"]["state"], "established");
    assert_eq!(
        out["value"][0]["resourceData"]["mediaState"]["audio"],
        "active"
    );

    let legacy = notifications("notif_wild_legacy.json");
    assert!(legacy.value[0].resource_url.is_none());
    assert_eq!(
        legacy.value[0].additional["subscriptionId"],
        "2887eb2a-2164-4b6f-bc0d-8d6c9d6d5b60"
    );

    let failed = notifications("notif_wild_transfer_failed.json");
    let call = failed.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_call()
        .unwrap();
    assert_eq!(
        call.result_info.as_ref().map(|r| (r.code, r.subcode)),
        Some((500, 7700))
    );
    assert_eq!(
        call.replaces_context.as_deref(),
        Some("t5f21f72-3b56-4a4f-b6a2-c0a1b9c3d0e4")
    );
    let out = to_json(&failed);
    assert_eq!(
        out["value"][0]["resourceData"]["resultInfo"]["subcode"],
        7700
    );
    assert!(out["value"][0]["resourceData"]["resultInfo"]
        .get("subCode")
        .is_none());

    let done = notifications("notif_wild_transfer_completed.json");
    let call = done.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_call()
        .unwrap();
    assert_eq!(call.termination_reason.as_deref(), Some("AppTransferred"));
    assert_eq!(call.result_info.as_ref().unwrap().subcode, 7015);

    let cancelled = notifications("notif_wild_record_cancelled.json");
    let Some(CommsOperation::Record(rec)) = cancelled.value[0]
        .resource_data
        .as_ref()
        .unwrap()
        .as_operation()
    else {
        panic!()
    };
    assert_eq!(rec.status, Some(OperationStatus::Failed));
    assert_eq!(
        rec.additional["completionReason"], "operationCanceled",
        "open-type extra kept"
    );
}

// ---------------------------------------------------------------------------------------------

/// Every fixture on disk is exercised by a test above (update the list when adding one).
#[test]
fn every_fixture_is_covered() {
    let covered = [
        "error_7504.json",
        "error_item_not_found.json",
        "notif_a_incoming_p2p.json",
        "notif_b_established.json",
        "notif_b_establishing.json",
        "notif_c_terminated.json",
        "notif_d_roster.json",
        "notif_e_play_prompt_completed.json",
        "notif_f_record_completed.json",
        "notif_g_tone.json",
        "notif_h_invite_completed.json",
        "notif_i_mute_roster.json",
        "notif_j_send_dtmf_completed.json",
        "notif_k_hold_music_completed.json",
        "notif_l_content_sharing.json",
        "notif_wild_legacy.json",
        "notif_wild_pascal_case.json",
        "notif_wild_record_cancelled.json",
        "notif_wild_transfer_completed.json",
        "notif_wild_transfer_failed.json",
        "req_add_large_gallery_view_docs.json",
        "req_answer_call_options_docs.json",
        "req_answer_js.json",
        "req_answer_kiota.json",
        "req_cancel_media_processing_docs.json",
        "req_change_screen_sharing_role_docs.json",
        "req_create_audio_routing_group_docs.json",
        "req_create_call_group_docs.json",
        "req_create_call_join_meeting_id_docs.json",
        "req_create_call_join_organizer_docs.json",
        "req_create_call_js.json",
        "req_create_call_kiota_additional_data.json",
        "req_create_call_kiota_typed.json",
        "req_create_call_token_app_hosted_docs.json",
        "req_invite_kiota.json",
        "req_mute_kiota.json",
        "req_participant_mute_kiota.json",
        "req_play_prompt_js.json",
        "req_play_prompt_kiota.json",
        "req_record_response_kiota.json",
        "req_redirect_kiota.json",
        "req_redirect_simulring_docs.json",
        "req_reject_kiota.json",
        "req_send_dtmf_tones_docs.json",
        "req_start_hold_music_docs.json",
        "req_stop_hold_music_docs.json",
        "req_subscribe_to_tone_kiota.json",
        "req_transfer_group_docs.json",
        "req_transfer_kiota.json",
        "req_unmute_docs.json",
        "req_update_recording_status_docs.json",
        "resp_create_call_201.json",
    ];
    assert_eq!(all_fixtures(), covered.map(String::from).to_vec());
}
