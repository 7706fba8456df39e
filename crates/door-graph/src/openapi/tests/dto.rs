//! The DTO schemas hold every field the DTOs write: a full example of each request, response and
//! notification DTO (every optional member set, every variant of the polymorphic ones) is written
//! with serde and validated against its schema in the served document, made strict: an object
//! schema allows no property it does not list (open types included; the examples carry no
//! extras). The examples name every field, without `..Default::default()`, so a field added to a
//! DTO does not compile here until it is given a value, and then fails until its schema has it.

use ringside_graph_wire::*;
use serde_json::{json, Map, Value};

/// Every object schema allows only its own properties.
fn strict(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.remove("additionalProperties");
                map.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// The served document's component schemas, strict.
fn strict_components() -> Value {
    let mut components = super::document()["components"]["schemas"].clone();
    strict(&mut components);
    components
}

/// The errors of `instance` against the component `name` of `components`.
fn errors(components: &Value, name: &str, instance: &Value) -> Vec<String> {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": {"schemas": components},
    });
    let validator = jsonschema::draft202012::new(&root).expect("a valid schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn extras() -> AdditionalData {
    Map::new()
}

fn identity(id: &str) -> Identity {
    Identity {
        odata_type: ODataType::new(),
        id: Some(id.into()),
        display_name: Some("Name".into()),
        tenant_id: Some("tenant".into()),
        identity_provider: Some("AAD".into()),
        application_type: Some("bot".into()),
        hidden: Some(false),
        email: Some("a@example.com".into()),
        azure_communication_services_resource_id: Some("acs".into()),
        additional: extras(),
    }
}

fn identity_set() -> IdentitySet {
    IdentitySet {
        odata_type: ODataType::new(),
        user: Some(identity("user")),
        application: Some(identity("application")),
        application_instance: Some(identity("instance")),
        phone: Some(identity("+15550100")),
        guest: Some(identity("guest")),
        encrypted: Some(identity("encrypted")),
        azure_communication_services_user: Some(identity("acs")),
        device: Some(identity("device")),
        on_premises: Some(identity("onPremises")),
        asserted_identity: Some(identity("asserted")),
        endpoint_type: Some(EndpointType::Default),
        additional: extras(),
    }
}

fn participant_info() -> ParticipantInfo {
    ParticipantInfo {
        odata_type: ODataType::new(),
        identity: identity_set(),
        country_code: Some("US".into()),
        endpoint_type: Some(EndpointType::Default),
        language_id: Some("en-US".into()),
        participant_id: Some("p".into()),
        region: Some("amer".into()),
    }
}

fn invitation() -> InvitationParticipantInfo {
    InvitationParticipantInfo {
        odata_type: ODataType::new(),
        identity: identity_set(),
        replaces_call_id: Some("c".into()),
        hidden: Some(false),
        participant_id: Some("p".into()),
        remove_from_default_audio_routing_group: Some(true),
        endpoint_type: Some(EndpointType::Default),
        language_id: Some("en-US".into()),
        region: Some("amer".into()),
        additional: extras(),
    }
}

fn media_info() -> MediaInfo {
    MediaInfo {
        odata_type: ODataType::new(),
        uri: "https://cdn.example.com/a.wav".into(),
        resource_id: Some("a".into()),
    }
}

fn prompt() -> Prompt {
    Prompt::Media(MediaPrompt {
        odata_type: ODataType::new(),
        media_info: media_info(),
    })
}

fn service_hosted() -> MediaConfig {
    MediaConfig::ServiceHosted(ServiceHostedMediaConfig {
        odata_type: ODataType::new(),
        pre_fetch_media: Some(vec![media_info()]),
        remove_from_default_audio_group: Some(false),
    })
}

fn app_hosted() -> MediaConfig {
    MediaConfig::AppHosted(AppHostedMediaConfig {
        odata_type: ODataType::new(),
        blob: Some("{}".into()),
        remove_from_default_audio_group: Some(false),
    })
}

fn incoming_options() -> IncomingCallOptions {
    IncomingCallOptions {
        odata_type: ODataType::new(),
        hide_bot_after_escalation: Some(true),
        is_content_sharing_notification_enabled: Some(true),
        is_delta_roster_enabled: Some(true),
        is_interactive_roster_enabled: Some(true),
    }
}

fn chat_info() -> ChatInfo {
    ChatInfo {
        odata_type: ODataType::new(),
        thread_id: Some("19:meeting_x@thread.v2".into()),
        message_id: Some("0".into()),
        reply_chain_message_id: Some("0".into()),
    }
}

fn meeting_infos() -> Vec<MeetingInfo> {
    vec![
        MeetingInfo::Organizer(Box::new(OrganizerMeetingInfo {
            odata_type: ODataType::new(),
            organizer: identity_set(),
            allow_conversation_without_host: Some(true),
            additional: extras(),
        })),
        MeetingInfo::Token(TokenMeetingInfo {
            odata_type: ODataType::new(),
            token: "token".into(),
        }),
        MeetingInfo::JoinMeetingId(JoinMeetingIdMeetingInfo {
            odata_type: ODataType::new(),
            join_meeting_id: "123456789012".into(),
            passcode: Some("abc".into()),
            additional: extras(),
        }),
    ]
}

fn call(meeting_info: MeetingInfo, call_options: CallOptions, media: MediaConfig) -> Call {
    Call {
        odata_type: ODataType::new(),
        odata_context: Some("context".into()),
        odata_id: Some("id".into()),
        odata_etag: Some("etag".into()),
        id: Some("c".into()),
        callback_uri: Some("https://bot.example.com/cb".into()),
        call_chain_id: Some("chain".into()),
        call_options: Some(call_options),
        call_routes: Some(vec![CallRoute {
            odata_type: ODataType::new(),
            final_identity: Some(identity_set()),
            original: Some(identity_set()),
            routing_type: Some(RoutingType::Forwarded),
        }]),
        chat_info: Some(chat_info()),
        direction: Some(CallDirection::Outgoing),
        incoming_context: Some(IncomingContext {
            odata_type: ODataType::new(),
            source_participant_id: Some("s".into()),
            observed_participant_id: Some("o".into()),
            on_behalf_of: Some(identity_set()),
            transferor: Some(identity_set()),
        }),
        media_config: Some(media),
        media_state: Some(CallMediaState {
            odata_type: ODataType::new(),
            audio: Some(MediaState::Active),
        }),
        meeting_info: Some(meeting_info),
        my_participant_id: Some("p".into()),
        requested_modalities: Some(vec![Modality::Audio]),
        result_info: Some(ResultInfo::new(200, 5001, "ok")),
        source: Some(participant_info()),
        state: Some(CallState::Established),
        subject: Some("subject".into()),
        targets: Some(vec![invitation()]),
        tenant_id: Some("tenant".into()),
        tone_info: Some(ToneInfo {
            odata_type: ODataType::new(),
            sequence_id: 1,
            tone: Tone::Tone1,
        }),
        transcription: Some(CallTranscriptionInfo {
            odata_type: ODataType::new(),
            state: Some(CallTranscriptionState::Active),
            last_modified_date_time: Some("2026-01-01T00:00:00Z".into()),
        }),
        replaces_context: Some("r".into()),
        active_modalities: Some(vec![Modality::Audio]),
        answered_by: Some(participant_info()),
        meeting_capability: Some(json!({"allowAnonymousUsersToJoin": true})),
        ringing_timeout_in_seconds: Some(60),
        routing_policies: Some(vec![RoutingPolicy::NoMissedCall]),
        termination_reason: Some("AppTransferred".into()),
        additional: extras(),
    }
}

/// Every call example: each meetingInfo, callOptions and mediaConfig variant.
fn calls() -> Vec<Call> {
    let outgoing = CallOptions::Outgoing(OutgoingCallOptions {
        odata_type: ODataType::new(),
        hide_bot_after_escalation: Some(true),
        is_content_sharing_notification_enabled: Some(true),
        is_delta_roster_enabled: Some(true),
        is_interactive_roster_enabled: Some(true),
        allow_guest_to_bypass_lobby: Some(true),
    });
    let incoming = CallOptions::Incoming(incoming_options());
    meeting_infos()
        .into_iter()
        .zip([outgoing.clone(), incoming, outgoing])
        .zip([service_hosted(), app_hosted(), service_hosted()])
        .map(|((meeting, options), media)| call(meeting, options, media))
        .collect()
}

fn participant() -> Participant {
    Participant {
        odata_type: ODataType::new(),
        odata_context: Some("context".into()),
        odata_id: Some("id".into()),
        odata_etag: Some("etag".into()),
        id: Some("p".into()),
        info: participant_info(),
        is_in_lobby: false,
        is_muted: true,
        media_streams: Some(vec![MediaStream {
            odata_type: ODataType::new(),
            media_type: Modality::Audio,
            source_id: "1".into(),
            direction: MediaDirection::SendReceive,
            server_muted: false,
            label: Some("main-audio".into()),
        }]),
        metadata: Some("metadata".into()),
        recording_info: Some(RecordingInfo {
            odata_type: ODataType::new(),
            initiator: Some(identity_set()),
            recording_status: Some(RecordingStatus::Recording),
        }),
        removed_state: Some(RemovedState {
            odata_type: ODataType::new(),
            reason: Some("removed".into()),
        }),
        restricted_experience: Some(OnlineMeetingRestricted {
            odata_type: ODataType::new(),
            content_sharing_disabled: Some("watermarkProtection".into()),
            video_disabled: Some("watermarkProtection".into()),
        }),
        roster_sequence_number: Some(3),
    }
}

/// Fills an operation struct: the shared members, then `$extra` members.
macro_rules! operation {
    ($ty:ident { $($extra:tt)* }) => {
        $ty {
            odata_type: ODataType::new(),
            odata_context: Some("context".into()),
            odata_id: Some("id".into()),
            odata_etag: Some("etag".into()),
            id: Some("op".into()),
            client_context: Some("ctx".into()),
            status: Some(OperationStatus::Completed),
            result_info: Some(ResultInfo::new(200, 0, "ok")),
            $($extra)*
            additional: extras(),
        }
    };
}

/// One operation of every subtype.
fn operations() -> Vec<CommsOperation> {
    use CommsOperation as C;
    vec![
        C::Base(operation!(CommsOperationBase {})),
        C::PlayPrompt(operation!(PlayPromptOperation {})),
        C::Record(operation!(RecordOperation {
            recording_location: Some("https://ringside/r".into()),
            recording_access_token: Some("token".into()),
        })),
        C::SubscribeToTone(operation!(SubscribeToToneOperation {})),
        C::CancelMediaProcessing(operation!(CancelMediaProcessingOperation {})),
        C::InviteParticipants(operation!(InviteParticipantsOperation {
            participants: vec![invitation()],
        })),
        C::MuteParticipant(operation!(MuteParticipantOperation {})),
        C::UnmuteParticipant(operation!(UnmuteParticipantOperation {})),
        C::UpdateRecordingStatus(operation!(UpdateRecordingStatusOperation {})),
        C::SendDtmfTones(operation!(SendDtmfTonesOperation {
            completion_reason: Some(SendDtmfCompletionReason::CompletedSuccessfully),
        })),
        C::StartHoldMusic(operation!(StartHoldMusicOperation {})),
        C::StopHoldMusic(operation!(StopHoldMusicOperation {})),
        C::AddLargeGalleryView(operation!(AddLargeGalleryViewOperation {})),
    ]
}

fn online_meeting() -> OnlineMeeting {
    OnlineMeeting {
        odata_type: ODataType::new(),
        odata_context: Some("context".into()),
        id: Some("MSp1".into()),
        join_web_url: Some("https://teams.microsoft.com/l/meetup-join/x".into()),
        join_meeting_id_settings: Some(JoinMeetingIdSettings {
            odata_type: ODataType::new(),
            join_meeting_id: Some("123456789012".into()),
            passcode: Some("abc".into()),
            is_passcode_required: Some(true),
        }),
        chat_info: Some(chat_info()),
        participants: Some(MeetingParticipants {
            odata_type: ODataType::new(),
            organizer: Some(MeetingParticipantInfo {
                odata_type: ODataType::new(),
                identity: Some(identity_set()),
                upn: Some("a@example.com".into()),
                role: Some("presenter".into()),
            }),
        }),
        subject: Some("subject".into()),
        start_date_time: Some("2026-01-01T00:00:00Z".into()),
        end_date_time: Some("2026-01-01T01:00:00Z".into()),
        creation_date_time: Some("2026-01-01T00:00:00Z".into()),
    }
}

/// Every example, by the component schema it is checked against.
fn examples() -> Vec<(&'static str, Value)> {
    fn v<T: serde::Serialize>(value: T) -> Value {
        serde_json::to_value(value).expect("serializes")
    }
    let mut all = vec![
        (
            "AnswerRequest",
            v(AnswerRequest {
                callback_uri: Some("https://bot.example.com/cb".into()),
                media_config: service_hosted(),
                accepted_modalities: vec![Modality::Audio],
                participant_capacity: Some(2),
                call_options: Some(incoming_options()),
            }),
        ),
        (
            "RejectRequest",
            v(RejectRequest {
                reason: Some(RejectReason::Busy),
                callback_uri: Some("https://bot.example.com/cb".into()),
            }),
        ),
        (
            "RedirectRequest",
            v(RedirectRequest {
                targets: vec![invitation()],
                timeout: Some(30),
                callback_uri: Some("https://bot.example.com/cb".into()),
                routing_policies: Some(vec![RoutingPolicy::NoMissedCall]),
            }),
        ),
        (
            "TransferRequest",
            v(TransferRequest {
                transfer_target: invitation(),
                transferee: Some(participant_info()),
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "PlayPromptRequest",
            v(PlayPromptRequest {
                prompts: vec![prompt()],
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "RecordResponseRequest",
            v(RecordResponseRequest {
                prompts: Some(vec![prompt()]),
                barge_in_allowed: Some(true),
                initial_silence_timeout_in_seconds: Some(5),
                max_silence_timeout_in_seconds: Some(5),
                max_record_duration_in_seconds: Some(10),
                play_beep: Some(true),
                stop_tones: Some(vec!["#".into()]),
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "ClientContextRequest",
            v(ClientContextRequest {
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "SendDtmfTonesRequest",
            v(SendDtmfTonesRequest {
                tones: vec![Tone::Tone1],
                delay_between_tones_ms: Some(100),
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "ChangeScreenSharingRoleRequest",
            v(ChangeScreenSharingRoleRequest {
                role: ScreenSharingRole::Viewer,
            }),
        ),
        (
            "UpdateRecordingStatusRequest",
            v(UpdateRecordingStatusRequest {
                status: RecordingStatus::Recording,
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "InviteParticipantsRequest",
            v(InviteParticipantsRequest {
                participants: vec![invitation()],
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "StartHoldMusicRequest",
            v(StartHoldMusicRequest {
                custom_prompt: Some(prompt()),
                client_context: Some("ctx".into()),
            }),
        ),
        (
            "AudioRoutingGroup",
            v(AudioRoutingGroup {
                odata_type: ODataType::new(),
                odata_context: Some("context".into()),
                id: Some("g".into()),
                routing_mode: Some(RoutingMode::Multicast),
                sources: vec!["a".into()],
                receivers: vec!["b".into()],
            }),
        ),
        ("OnlineMeeting", v(online_meeting())),
        ("Participant", v(participant())),
        (
            "ParticipantCollection",
            v(ParticipantCollection {
                odata_context: Some("context".into()),
                value: vec![participant()],
            }),
        ),
        (
            "ResourceAccountCollection",
            v(ResourceAccountCollection {
                odata_context: "context".into(),
                value: vec![ResourceAccount {
                    id: "i".into(),
                    user_principal_name: "ra@example.com".into(),
                    app_id: "a".into(),
                    display_name: "RA".into(),
                    phone_number: Some("tel:+15550100".into()),
                    acs_resource_id: Some("acs".into()),
                }],
                odata_next_link: Some("next".into()),
            }),
        ),
        (
            "GraphError",
            v(GraphError {
                error: GraphErrorBody {
                    code: "itemNotFound".into(),
                    message: "Not found.".into(),
                    inner_error: Some(InnerError {
                        date: Some("2026-01-01T00:00:00".into()),
                        request_id: Some("r".into()),
                        client_request_id: Some("c".into()),
                    }),
                    target: Some("target".into()),
                    details: Some(vec![json!({"code": "x"})]),
                },
            }),
        ),
    ];
    for call in calls() {
        all.push(("Call", v(&call)));
        all.push((
            "Call",
            CallCreatedResponse(&call).to_value().expect("serializes"),
        ));
    }
    let mut resource_data = vec![
        ResourceData::Participants(vec![participant()]),
        ResourceData::Participant(Box::new(participant())),
        ResourceData::Other(json!([{"id": "session"}])),
    ];
    resource_data.extend(calls().into_iter().map(|c| ResourceData::Call(Box::new(c))));
    for operation in operations() {
        all.push(("CommsOperation", v(&operation)));
        resource_data.push(ResourceData::Operation(Box::new(operation)));
    }
    let notifications = resource_data
        .into_iter()
        .map(|data| CommsNotification {
            odata_type: ODataType::new(),
            change_type: ChangeType::Updated,
            resource_url: Some("/communications/calls/c".into()),
            resource: Some("/app/calls/c".into()),
            callback_uri: Some("https://bot.example.com/cb".into()),
            resource_data: Some(data),
            additional: extras(),
        })
        .collect();
    all.push((
        "CommsNotifications",
        v(CommsNotifications {
            odata_type: ODataType::new(),
            value: notifications,
        }),
    ));
    all
}

#[test]
fn every_dto_example_validates_against_its_strict_schema() {
    let components = strict_components();
    let examples = examples();
    assert!(examples.len() > 30, "{}", examples.len());
    for (name, instance) in &examples {
        let found = errors(&components, name, instance);
        assert!(found.is_empty(), "{name}: {found:#?}\n{instance:#}");
    }
}

#[test]
fn every_operation_variant_validates_against_its_own_schema() {
    let components = strict_components();
    for operation in operations() {
        let name = operation
            .odata_type()
            .trim_start_matches(NAMESPACE_PREFIX)
            .to_string();
        let mut name = name;
        if let Some(first) = name.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        let name = if name == "CommsOperation" {
            "CommsOperationBase".to_string()
        } else {
            name
        };
        let instance = serde_json::to_value(&operation).expect("serializes");
        let found = errors(&components, &name, &instance);
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
}

/// The check is not vacuous: a schema without one of the DTO's properties refuses the examples
/// that carry it, directly or nested.
#[test]
fn a_field_missing_from_its_schema_fails_the_check() {
    let examples = examples();
    for (schema, property, example) in [
        ("AnswerRequest", "callbackUri", "AnswerRequest"),
        ("Call", "ringingTimeoutInSeconds", "Call"),
        ("IdentitySet", "onPremises", "CommsNotifications"),
        ("RecordOperation", "recordingAccessToken", "CommsOperation"),
    ] {
        let mut components = strict_components();
        let removed = components[schema]["properties"]
            .as_object_mut()
            .and_then(|p| p.remove(property));
        assert!(removed.is_some(), "{schema} has {property}");
        let refused = examples
            .iter()
            .filter(|(name, _)| *name == example)
            .any(|(_, instance)| !errors(&components, example, instance).is_empty());
        assert!(refused, "removing {schema}.{property} went unnoticed");
    }
}
