//! Engine state and events as Graph wire resources: identities of parties, the `call` resource of
//! a table row, rosters, operations with the right `@odata.type`, and the commsNotifications
//! envelope. Pure functions over the directory snapshot; reusable by every Graph calls route.

use ringside_directory::Directory;
use ringside_engine::{
    OperationId, OperationKind, OperationStatus, Participant as EngineParticipant,
};
use ringside_graph_wire::{
    Call, CallMediaState, CancelMediaProcessingOperation, ChangeType, CommsNotification,
    CommsNotifications, CommsOperation, CommsOperationBase, Identity, IdentitySet,
    InvitationParticipantInfo, InviteParticipantsOperation, MediaDirection, MediaState,
    MediaStream, Modality, MuteParticipantOperation, OperationStatus as WireStatus, Participant,
    ParticipantInfo, PlayPromptOperation, RecordOperation, ResourceData, ResultInfo,
    SendDtmfTonesOperation, StartHoldMusicOperation, StopHoldMusicOperation,
    SubscribeToToneOperation, UnmuteParticipantOperation,
};
use ringside_model::{Party, Tone};

use super::call::GraphCall;

/// `/communications/calls/{id}`.
pub(crate) fn call_url(call: impl std::fmt::Display) -> String {
    format!("/communications/calls/{call}")
}

/// `/communications/calls/{id}/operations/{opId}`.
pub(crate) fn operation_url(call: impl std::fmt::Display, op: impl std::fmt::Display) -> String {
    format!("/communications/calls/{call}/operations/{op}")
}

#[allow(dead_code)] // used by the operation routes (media, participants).
/// The absolute `Location` of an operation: `{base}/{version}/communications/calls/{id}/operations/{opId}`.
pub(crate) fn operation_location(
    base_url: &str,
    version: &str,
    call: impl std::fmt::Display,
    op: impl std::fmt::Display,
) -> String {
    format!("{base_url}/{version}{}", operation_url(call, op))
}

/// A party as a Graph identity set, with display names from the directory.
pub(crate) fn identity_set(d: &Directory, party: &Party) -> IdentitySet {
    match party {
        Party::User { tenant, user } => {
            let mut identity = Identity::with_id(user.to_string());
            identity.display_name = d.user(*tenant, *user).map(|u| u.display_name.clone());
            identity.tenant_id = Some(tenant.to_string());
            identity.identity_provider = Some("AAD".into());
            IdentitySet::user(identity)
        }
        Party::Application { app } => {
            let mut identity = Identity::with_id(app.to_string());
            identity.display_name = d.application(*app).map(|a| a.display_name.clone());
            IdentitySet::application(identity)
        }
        Party::ApplicationInstance { tenant, instance } => {
            let mut identity = Identity::with_id(instance.to_string());
            identity.display_name = d
                .instance(*tenant, *instance)
                .map(|i| i.display_name.clone());
            identity.tenant_id = Some(tenant.to_string());
            IdentitySet::application_instance(identity)
        }
        Party::Phone(number) => IdentitySet::phone(number.as_str()),
        Party::AcsUser(id) => IdentitySet {
            azure_communication_services_user: Some(Identity::with_id(id.clone())),
            ..Default::default()
        },
    }
}

/// Roles with which a bot sees who calls it; without any, the caller is `encrypted` (digest §2).
pub(crate) const CALLER_VISIBLE_WITH: [ringside_model::Permission; 5] = [
    ringside_model::Permission::CallsAccessMediaAll,
    ringside_model::Permission::CallsInitiateAll,
    ringside_model::Permission::CallsInitiateGroupCallAll,
    ringside_model::Permission::CallsJoinGroupCallAll,
    ringside_model::Permission::CallsJoinGroupCallAsGuestAll,
];

/// The caller as an app without calling roles sees it.
pub(crate) fn encrypted_participant() -> ParticipantInfo {
    ParticipantInfo {
        identity: IdentitySet {
            encrypted: Some(Identity::default()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The target of an offered call as the bot sees it: the resource account it was reached through
/// (`applicationInstance`, plus the dialled `phone` when a number was dialled), else the party.
pub(crate) fn offered_target(
    d: &Directory,
    callee: &Party,
    bot: &ringside_engine::BotIdentity,
) -> InvitationParticipantInfo {
    let mut target = invitation(d, callee);
    let tenant_of = |instance| {
        d.tenants()
            .map(|t| t.id)
            .find(|t| d.instance(*t, instance).is_some())
    };
    if let Some((instance, tenant)) = bot.instance.and_then(|i| tenant_of(i).map(|t| (i, t))) {
        let set = identity_set(d, &Party::ApplicationInstance { tenant, instance });
        target.identity.application_instance = set.application_instance;
    }
    target
}

/// A party as `participantInfo`.
pub(crate) fn participant_info(d: &Directory, party: &Party) -> ParticipantInfo {
    ParticipantInfo {
        identity: identity_set(d, party),
        ..Default::default()
    }
}

/// A party as `invitationParticipantInfo`.
pub(crate) fn invitation(d: &Directory, party: &Party) -> InvitationParticipantInfo {
    InvitationParticipantInfo {
        identity: identity_set(d, party),
        ..Default::default()
    }
}

/// The `call` resource of a table row (GET body, notification `resourceData`).
pub(crate) fn call_resource(call: &GraphCall) -> Call {
    let result_info = call
        .result_info
        .map(|(code, subcode, message)| ResultInfo::new(code.into(), subcode as i32, message));
    Call {
        odata_id: Some(call_url(call.id)),
        odata_etag: Some(format!("W/\"{}\"", call.etag)),
        id: Some(call.id.to_string()),
        callback_uri: Some(call.callback_uri.clone()),
        call_chain_id: Some(call.conversation.to_string()),
        call_options: call.call_options.clone(),
        chat_info: call.chat_info.clone(),
        meeting_info: call.meeting_info.clone(),
        direction: Some(call.direction),
        media_config: call.media_config.clone(),
        media_state: call.media_active.map(|active| CallMediaState {
            audio: Some(if active {
                MediaState::Active
            } else {
                MediaState::Inactive
            }),
            ..Default::default()
        }),
        my_participant_id: Some(call.id.to_string()),
        requested_modalities: Some(call.requested_modalities.clone()),
        result_info,
        source: call.source.clone(),
        state: Some(call.wire_state()),
        subject: call.subject.clone(),
        targets: Some(call.targets.clone()),
        tenant_id: Some(call.tenant.to_string()),
        ..Default::default()
    }
}

/// The roster as Graph participants (`mediaStreams` with one send/receive audio stream each).
pub(crate) fn participants(
    d: &Directory,
    roster: &[EngineParticipant],
    sequence: Option<u64>,
) -> Vec<Participant> {
    roster
        .iter()
        .map(|p| {
            let mut info = participant_info(d, &p.party);
            info.participant_id = Some(p.leg.to_string());
            Participant {
                id: Some(p.leg.to_string()),
                info,
                is_in_lobby: false,
                is_muted: p.muted,
                media_streams: Some(vec![MediaStream {
                    media_type: Modality::Audio,
                    source_id: p.leg.to_string(),
                    direction: if p.on_hold {
                        MediaDirection::Inactive
                    } else {
                        MediaDirection::SendReceive
                    },
                    server_muted: p.muted,
                    label: Some("main-audio".into()),
                    odata_type: ringside_graph_wire::ODataType::new(),
                }]),
                roster_sequence_number: sequence.and_then(|s| i64::try_from(s).ok()),
                ..Default::default()
            }
        })
        .collect()
}

/// Graph's `operationStatus`.
pub(crate) fn wire_status(status: OperationStatus) -> WireStatus {
    match status {
        OperationStatus::NotStarted => WireStatus::NotStarted,
        OperationStatus::Running => WireStatus::Running,
        OperationStatus::Completed => WireStatus::Completed,
        OperationStatus::Failed => WireStatus::Failed,
    }
}

/// A `model` tone as Graph's `tone` (`tone0`…`tone9`, `star`, `pound`, `a`…`d`, `flash`).
pub(crate) fn wire_tone(tone: Tone) -> Option<ringside_graph_wire::Tone> {
    let name = match tone {
        Tone::Digit(d) => format!("tone{d}"),
        Tone::Star => "star".into(),
        Tone::Pound => "pound".into(),
        Tone::A => "a".into(),
        Tone::B => "b".into(),
        Tone::C => "c".into(),
        Tone::D => "d".into(),
        Tone::Flash => "flash".into(),
    };
    ringside_graph_wire::Tone::from_wire(&name)
}

/// An operation resource of the subtype matching `kind`, with id, clientContext, status and
/// (when final) resultInfo. The transfer operation has no Graph resource; it renders as the base
/// `commsOperation`.
pub(crate) fn operation(
    kind: OperationKind,
    id: OperationId,
    client_context: &str,
    status: OperationStatus,
    result_info: Option<(u16, u32, &str)>,
) -> CommsOperation {
    let mut op = match kind {
        OperationKind::PlayPrompt => CommsOperation::PlayPrompt(PlayPromptOperation::default()),
        OperationKind::RecordResponse => CommsOperation::Record(RecordOperation::default()),
        OperationKind::SubscribeToTone => {
            CommsOperation::SubscribeToTone(SubscribeToToneOperation::default())
        }
        OperationKind::CancelMediaProcessing => {
            CommsOperation::CancelMediaProcessing(CancelMediaProcessingOperation::default())
        }
        OperationKind::SendDtmf => CommsOperation::SendDtmfTones(SendDtmfTonesOperation::default()),
        OperationKind::Mute => CommsOperation::MuteParticipant(MuteParticipantOperation::default()),
        OperationKind::Unmute => {
            CommsOperation::UnmuteParticipant(UnmuteParticipantOperation::default())
        }
        OperationKind::Hold => CommsOperation::StartHoldMusic(StartHoldMusicOperation::default()),
        OperationKind::Unhold => CommsOperation::StopHoldMusic(StopHoldMusicOperation::default()),
        OperationKind::AddParticipants => {
            CommsOperation::InviteParticipants(InviteParticipantsOperation::default())
        }
        OperationKind::Recognize
        | OperationKind::UnsubscribeFromTone
        | OperationKind::CancelAddParticipants
        | OperationKind::RemoveParticipant
        | OperationKind::Transfer => CommsOperation::Base(CommsOperationBase::default()),
    };
    set_common(&mut op, id, client_context, status, result_info);
    op
}

/// Sets the members every operation shares.
pub(crate) fn set_common(
    op: &mut CommsOperation,
    id: OperationId,
    client_context: &str,
    status: OperationStatus,
    result_info: Option<(u16, u32, &str)>,
) {
    macro_rules! each {
        ($op:expr, $inner:ident => $body:expr) => {
            match $op {
                CommsOperation::Base($inner) => $body,
                CommsOperation::PlayPrompt($inner) => $body,
                CommsOperation::Record($inner) => $body,
                CommsOperation::SubscribeToTone($inner) => $body,
                CommsOperation::CancelMediaProcessing($inner) => $body,
                CommsOperation::InviteParticipants($inner) => $body,
                CommsOperation::MuteParticipant($inner) => $body,
                CommsOperation::UnmuteParticipant($inner) => $body,
                CommsOperation::UpdateRecordingStatus($inner) => $body,
                CommsOperation::SendDtmfTones($inner) => $body,
                CommsOperation::StartHoldMusic($inner) => $body,
                CommsOperation::StopHoldMusic($inner) => $body,
                CommsOperation::AddLargeGalleryView($inner) => $body,
            }
        };
    }
    each!(op, o => {
        o.id = Some(id.to_string());
        o.client_context = (!client_context.is_empty()).then(|| client_context.to_string());
    });
    op.set_status(wire_status(status));
    if let Some((code, subcode, message)) = result_info {
        op.set_result_info(ResultInfo::new(code.into(), subcode as i32, message));
    }
}

/// One notification in its envelope.
pub(crate) fn envelope(
    change: ChangeType,
    resource_url: String,
    data: ResourceData,
) -> CommsNotifications {
    CommsNotifications {
        value: vec![CommsNotification::new(change, resource_url, data)],
        ..Default::default()
    }
}
