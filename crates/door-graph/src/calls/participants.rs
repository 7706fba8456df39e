//! Graph participants and self-operations on a call (`/v1.0` and `/beta`, plain and
//! `microsoft.graph.`-qualified): participants list/get/invite/mute/delete/startHoldMusic/
//! stopHoldMusic, the bot's own mute/unmute, updateRecordingStatus, changeScreenSharingRole and
//! audioRoutingGroups (digest §3.7–3.9).
//!
//! Rules from the digest: invite, self mute/unmute and participant mute work on group calls only
//! (a two-party call answers 400 `notAllowed`, so a P2P call never silently turns into a group);
//! invite takes 1–5 invitees, exactly one with `replacesCallId`; one participant is on hold at a
//! time; `changeScreenSharingRole` only on app-hosted group calls. Participant ids are the
//! participants' leg ids (as in the roster). Operations are rendered, stored and notified as the
//! media operations are (see `mod.rs`).
//!
//! audioRoutingGroups are validated (routing mode, sources and receivers are participants of the
//! call, `oneToOne` has exactly one source) and kept with the call; Ringside's mixer does not apply
//! them: every participant keeps hearing the N-1 mix (README, "Graph calls").

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_engine::{Command, ConversationId, LegId, OperationId, OperationStatus, Target};
use ringside_graph_wire::{
    AudioRoutingGroup, ChangeScreenSharingRoleRequest, ClientContextRequest, CommsOperation,
    InviteParticipantsRequest, MediaConfig, RecordingStatus, RoutingMode, StartHoldMusicRequest,
    UpdateRecordingStatusOperation, UpdateRecordingStatusRequest,
};
use ringside_model::{Guid, Permission};
use serde_json::{json, Value};

use super::media_ops::{client_context, media_ref, prepare, start_operation_with};
use super::render;
use super::routes::{run, VERSIONS};
use super::table::GraphCalls;
use super::wire;
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_http::{read_body, ApiError};
use ringside_runtime::door::DoorCtx;

/// Most invitees in one `participants/invite`.
const MAX_INVITEES: usize = 5;

/// The routes of this file, for both versions.
pub(crate) fn routes() -> Router<GraphState> {
    let mut router = Router::new();
    for version in VERSIONS {
        let call = format!("/{version}/communications/calls/{{id}}");
        let participant = format!("{call}/participants/{{pid}}");
        router = router
            .route(&format!("{call}/participants"), get(list))
            .route(&format!("{call}/participants/invite"), post(invite))
            .route(&participant, get(get_one).delete(remove))
            .route(&format!("{participant}/mute"), post(mute_participant))
            .route(&format!("{participant}/startHoldMusic"), post(start_hold))
            .route(&format!("{participant}/stopHoldMusic"), post(stop_hold))
            .route(&format!("{call}/mute"), post(mute_self))
            .route(&format!("{call}/unmute"), post(unmute_self))
            .route(
                &format!("{call}/updateRecordingStatus"),
                post(update_recording_status),
            )
            .route(
                &format!("{call}/changeScreenSharingRole"),
                post(change_screen_sharing_role),
            )
            .route(
                &format!("{call}/addLargeGalleryView"),
                post(add_large_gallery_view),
            )
            .route(
                &format!("{call}/contentSharingSessions"),
                get(list_content_sharing),
            )
            .route(
                &format!("{call}/contentSharingSessions/{{sid}}"),
                get(get_content_sharing),
            )
            .route(
                &format!("{call}/audioRoutingGroups"),
                get(list_groups).post(create_group),
            )
            .route(
                &format!("{call}/audioRoutingGroups/{{gid}}"),
                get(get_group).patch(patch_group).delete(delete_group),
            );
    }
    router
}

// ---- helpers --------------------------------------------------------------------------------

/// A participant id from the path: a GUID, else 404 (Graph finds no such participant).
fn participant_id(text: &str) -> Result<LegId, ApiError> {
    Guid::parse(text.trim()).map(LegId).map_err(|_| {
        ApiError::not_found(format!(
            "Participant {} was not found.",
            ringside_directory::validate::clip(text)
        ))
    })
}

/// The caller's live call's conversation, refusing two-party calls for group-only actions.
fn group_call(
    ctx: &mut DoorCtx<'_, GraphCalls>,
    caller: &GraphCaller,
    leg: LegId,
    action: &str,
) -> Result<ConversationId, ApiError> {
    let conversation = ctx.door().owned(caller, leg)?.conversation;
    let group = ctx.conversation(conversation).is_some_and(|c| c.group);
    if !group {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "notAllowed",
            format!("{action} is only supported on group calls and meetings; call {leg} is a peer-to-peer call."),
        ));
    }
    Ok(conversation)
}

/// 404 unless `participant` is in the call's roster (connected) — or, with `pending_ok`, at least
/// a live leg of the same conversation (an invitee still ringing).
fn check_participant(
    ctx: &DoorCtx<'_, GraphCalls>,
    conversation: ConversationId,
    participant: LegId,
    pending_ok: bool,
) -> Result<(), ApiError> {
    let in_roster = ctx
        .participants(conversation)
        .map_err(wire::engine_error)?
        .iter()
        .any(|p| p.leg == participant);
    let pending = pending_ok
        && ctx
            .leg(participant)
            .is_some_and(|l| l.conversation == conversation && !l.state.is_terminated());
    if in_roster || pending {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "Participant {participant} was not found in the call."
        )))
    }
}

/// A 202 with the same operation body and `Location` a 200 would carry.
fn accepted(mut response: Response) -> Response {
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::ACCEPTED;
    }
    response
}

/// The roster as Graph participants, with the bot's `recordingInfo`.
fn roster(
    ctx: &mut DoorCtx<'_, GraphCalls>,
    caller: &GraphCaller,
    leg: LegId,
) -> Result<Vec<Value>, ApiError> {
    let call = ctx.door().visible(caller, leg)?;
    let (conversation, recording) = (call.conversation, call.recording_status);
    let sequence = ctx.conversation(conversation).map(|c| c.roster_sequence);
    // A conversation that is gone (the call ended) has nobody left.
    let roster = ctx.participants(conversation).unwrap_or_default();
    let participants = ctx
        .directory()
        .read(|d| render::participants(d, &roster, sequence));
    participants
        .into_iter()
        .map(|p| {
            let mut value = serde_json::to_value(&p).map_err(ApiError::internal)?;
            if let (Some(status), Some(id)) = (recording, p.id.as_deref()) {
                if id == leg.to_string() {
                    value["recordingInfo"] = json!({ "recordingStatus": status });
                }
            }
            Ok(value)
        })
        .collect()
}

fn context_url(base: &str, version: &str, leg: LegId, tail: &str) -> String {
    format!("{base}/{version}/$metadata#communications/calls('{leg}')/{tail}")
}

// ---- participants ---------------------------------------------------------------------------

/// `GET …/participants`: `{value: [participant]}` (connected participants, join order).
async fn list(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "participants");
    run(&state, move |ctx| {
        let value = roster(ctx, &caller, leg)?;
        Ok(Json(json!({ "@odata.context": context, "value": value })))
    })
    .await
}

/// `GET …/participants/{pid}`.
async fn get_one(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let participant = participant_id(&pid)?;
    let context = context_url(state.base_url(), version, leg, "participants/$entity");
    run(&state, move |ctx| {
        let found = roster(ctx, &caller, leg)?
            .into_iter()
            .find(|p| p["id"] == participant.to_string())
            .ok_or_else(|| {
                ApiError::not_found(format!("Participant {participant} was not found."))
            })?;
        let mut body = found;
        body["@odata.context"] = Value::String(context);
        Ok(Json(body))
    })
    .await
}

/// `POST …/participants/invite`: 200 with an `inviteParticipantsOperation` (`running`) echoing
/// the invitees; completion and a roster update follow as notifications.
async fn invite(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::CallsInitiateGroupCallAll])?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: InviteParticipantsRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context.clone())?;
    if body.participants.is_empty() || body.participants.len() > MAX_INVITEES {
        return Err(ApiError::bad_request(format!(
            "participants must hold 1 to {MAX_INVITEES} invitationParticipantInfo objects."
        )));
    }
    let replacing = body
        .participants
        .iter()
        .filter(|p| p.replaces_call_id.is_some())
        .count();
    if replacing > 0 && body.participants.len() > 1 {
        return Err(ApiError::bad_request(
            "Only one participant can be invited with replacesCallId.",
        ));
    }
    let mut targets = Vec::with_capacity(body.participants.len());
    for info in &body.participants {
        let party = wire::party(caller.tenant, &info.identity)?;
        let replaces = info
            .replaces_call_id
            .as_deref()
            .map(wire::call_id)
            .transpose()?;
        if targets.iter().any(|t: &Target| t.party == party) {
            return Err(ApiError::bad_request(
                "The same identity cannot be invited twice.",
            ));
        }
        targets.push(Target { party, replaces });
    }
    let leg = target.leg;
    let location = target.location();
    let odata = target.context();
    let invitees = body.participants;
    run(&state, move |ctx| {
        group_call(ctx, &caller, leg, "participants/invite")?;
        for target in &targets {
            if let Some(other) = target.replaces {
                // The call being replaced must be the same bot's.
                ctx.door().owned(&caller, other)?;
            }
        }
        start_operation_with(
            ctx,
            &caller,
            leg,
            None,
            Command::AddParticipants {
                leg,
                targets,
                timeout: None,
                client_context: context.clone(),
            },
            location,
            odata,
            move |op| {
                if let CommsOperation::InviteParticipants(invite) = op {
                    invite.participants = invitees;
                }
            },
        )
    })
    .await
}

/// `POST …/participants/{pid}/mute`: a server mute, 200 with a `muteParticipantOperation`.
async fn mute_participant(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let participant = participant_id(&pid)?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: ClientContextRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context)?;
    let leg = target.leg;
    let (location, odata) = (target.location(), target.context());
    run(&state, move |ctx| {
        let conversation = group_call(ctx, &caller, leg, "mute")?;
        check_participant(ctx, conversation, participant, false)?;
        start_operation_with(
            ctx,
            &caller,
            leg,
            None,
            Command::Mute {
                leg,
                participant,
                client_context: context,
            },
            location,
            odata,
            |_| {},
        )
    })
    .await
}

/// `DELETE …/participants/{pid}`: 204; drops a connected participant or cancels an invitation.
async fn remove(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    let participant = participant_id(&pid)?;
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsJoinGroupCallAsGuestAll,
        Permission::CallsInitiateGroupCallAll,
    ])?;
    run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        if participant == leg {
            return Err(ApiError::bad_request(
                "A bot removes itself with DELETE /communications/calls/{id}.",
            ));
        }
        check_participant(ctx, conversation, participant, true)?;
        ctx.command(Command::RemoveParticipant {
            leg,
            participant,
            client_context: String::new(),
        })
        .map_err(wire::engine_error)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

/// `POST …/participants/{pid}/startHoldMusic`: 202 with a `startHoldMusicOperation`.
async fn start_hold(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let participant = participant_id(&pid)?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: StartHoldMusicRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context.clone())?;
    let music = match &body.custom_prompt {
        Some(prompt) => Some(media_ref(&state, &caller, prompt)?),
        None => None,
    };
    if let Some(music) = &music {
        state.calls().prefetch(std::slice::from_ref(music)).await;
    }
    let leg = target.leg;
    let (location, odata) = (target.location(), target.context());
    run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        check_participant(ctx, conversation, participant, false)?;
        start_operation_with(
            ctx,
            &caller,
            leg,
            None,
            Command::Hold {
                leg,
                participant,
                music,
                client_context: context,
            },
            location,
            odata,
            |_| {},
        )
        .map(accepted)
    })
    .await
}

/// `POST …/participants/{pid}/stopHoldMusic`: 202 with a `stopHoldMusicOperation`.
async fn stop_hold(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let participant = participant_id(&pid)?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: ClientContextRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context)?;
    let leg = target.leg;
    let (location, odata) = (target.location(), target.context());
    run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        check_participant(ctx, conversation, participant, false)?;
        start_operation_with(
            ctx,
            &caller,
            leg,
            None,
            Command::Unhold {
                leg,
                participant,
                client_context: context,
            },
            location,
            odata,
            |_| {},
        )
        .map(accepted)
    })
    .await
}

// ---- the bot's own participant ----------------------------------------------------------------

async fn self_mute(
    state: GraphState,
    caller: GraphCaller,
    id: String,
    request: Request,
    muted: bool,
) -> Result<Response, ApiError> {
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: ClientContextRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context)?;
    let leg = target.leg;
    let (location, odata) = (target.location(), target.context());
    run(&state, move |ctx| {
        group_call(ctx, &caller, leg, if muted { "mute" } else { "unmute" })?;
        let command = if muted {
            Command::Mute {
                leg,
                participant: leg,
                client_context: context,
            }
        } else {
            Command::Unmute {
                leg,
                participant: leg,
                client_context: context,
            }
        };
        start_operation_with(ctx, &caller, leg, None, command, location, odata, |_| {})
    })
    .await
}

/// `POST …/mute`: the bot mutes itself (group calls), 200 with a `muteParticipantOperation`.
async fn mute_self(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    self_mute(state, caller, id, request, true).await
}

/// `POST …/unmute`: 200 with an `unmuteParticipantOperation`.
async fn unmute_self(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    self_mute(state, caller, id, request, false).await
}

/// `POST …/updateRecordingStatus`: 200 with a completed `updateRecordingStatusOperation`; the
/// status shows as the bot participant's `recordingInfo`.
async fn update_recording_status(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsAccessMediaAll,
    ])?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: UpdateRecordingStatusRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context)?;
    if matches!(
        body.status,
        RecordingStatus::Unknown | RecordingStatus::UnknownFutureValue
    ) {
        return Err(ApiError::bad_request(
            "status must be notRecording, recording or failed.",
        ));
    }
    let leg = target.leg;
    let (location, odata) = (target.location(), target.context());
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        call.recording_status = Some(body.status);
        let id = OperationId(ringside_runtime::ids::new_guid());
        let mut op =
            CommsOperation::UpdateRecordingStatus(UpdateRecordingStatusOperation::default());
        render::set_common(
            &mut op,
            id,
            &context,
            OperationStatus::Completed,
            Some(crate::codes::outcome(ringside_engine::Outcome::Success)),
        );
        if let Some(call) = ctx.door().get_mut(leg) {
            call.remember_operation(id, op.clone());
            call.quiet(id);
        }
        let mut body = serde_json::to_value(&op).map_err(ApiError::internal)?;
        body["@odata.context"] = Value::String(format!("{odata}#updateRecordingStatusOperation"));
        let mut response = (StatusCode::OK, Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&location(id)) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Ok(response)
    })
    .await
}

/// `POST …/changeScreenSharingRole`: 202; app-hosted group calls only.
async fn change_screen_sharing_role(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::CallsAccessMediaAll])?;
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let body: ChangeScreenSharingRoleRequest = wire::action_body(&bytes)?;
    run(&state, move |ctx| {
        group_call(ctx, &caller, leg, "changeScreenSharingRole")?;
        let call = ctx.door().owned(&caller, leg)?;
        if !matches!(call.media_config, Some(MediaConfig::AppHosted(_))) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "NotSupported",
                "changeScreenSharingRole is only supported on calls with appHostedMediaConfig.",
            ));
        }
        call.screen_sharing_role = Some(body.role);
        Ok(StatusCode::ACCEPTED.into_response())
    })
    .await
}

// ---- video and content sharing (Ringside carries audio only) -----------------------------------

/// `POST …/addLargeGalleryView`: Ringside has no video, so there is no gallery to add: 400
/// `NotSupported` after the usual checks.
async fn add_large_gallery_view(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsJoinGroupCallAsGuestAll,
        Permission::CallsInitiateGroupCallAll,
    ])?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: ClientContextRequest = wire::action_body(&bytes)?;
    client_context(body.client_context)?;
    let leg = target.leg;
    run(&state, move |ctx| {
        ctx.door().owned(&caller, leg)?;
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NotSupported",
            "addLargeGalleryView needs video; Ringside carries audio only.",
        ))
    })
    .await
}

/// `GET …/contentSharingSessions`: always empty (no screen sharing in Ringside).
async fn list_content_sharing(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "contentSharingSessions");
    run(&state, move |ctx| {
        ctx.door().visible(&caller, leg)?;
        Ok(Json(json!({ "@odata.context": context, "value": [] })))
    })
    .await
}

/// `GET …/contentSharingSessions/{id}`: 404 (there are none).
async fn get_content_sharing(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let leg = wire::call_id(&id)?;
    run(&state, move |ctx| {
        ctx.door().visible(&caller, leg)?;
        Err(ApiError::not_found(format!(
            "contentSharingSession '{}' was not found.",
            ringside_directory::validate::clip(&sid)
        )))
    })
    .await
}

// ---- audioRoutingGroups -----------------------------------------------------------------------

fn group_permission(caller: &GraphCaller) -> Result<(), ApiError> {
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsInitiateGroupCallAll,
    ])
}

/// Checks a group against the call's roster; fills in defaults.
fn validate_group(
    ctx: &DoorCtx<'_, GraphCalls>,
    conversation: ConversationId,
    group: &mut AudioRoutingGroup,
) -> Result<(), ApiError> {
    let mode = group
        .routing_mode
        .ok_or_else(|| ApiError::bad_request("routingMode is required (oneToOne or multicast)."))?;
    if !matches!(mode, RoutingMode::OneToOne | RoutingMode::Multicast) {
        return Err(ApiError::bad_request(
            "routingMode must be oneToOne or multicast.",
        ));
    }
    if group.sources.is_empty() || group.receivers.is_empty() {
        return Err(ApiError::bad_request(
            "sources and receivers must each name at least one participant.",
        ));
    }
    if mode == RoutingMode::OneToOne && group.sources.len() != 1 {
        return Err(ApiError::bad_request(
            "A oneToOne audioRoutingGroup has exactly one source.",
        ));
    }
    let roster: Vec<String> = ctx
        .participants(conversation)
        .map_err(wire::engine_error)?
        .iter()
        .map(|p| p.leg.to_string())
        .collect();
    for id in group.sources.iter().chain(&group.receivers) {
        if !roster.iter().any(|r| r.eq_ignore_ascii_case(id.trim())) {
            return Err(ApiError::bad_request(format!(
                "'{}' is not a participant of the call.",
                ringside_directory::validate::clip(id)
            )));
        }
    }
    Ok(())
}

/// An `audioRoutingGroup` body, 400 when it does not parse.
fn group_from(bytes: &[u8]) -> Result<AudioRoutingGroup, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!("The audioRoutingGroup body is invalid: {error}."))
    })
}

fn group_body(mut group: AudioRoutingGroup, context: String) -> Json<Value> {
    group.odata_context = Some(context);
    Json(serde_json::to_value(group).unwrap_or(Value::Null))
}

/// `POST …/audioRoutingGroups`: 200 with the group (Graph's documented status).
async fn create_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    group_permission(&caller)?;
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let mut group = group_from(&bytes)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        validate_group(ctx, conversation, &mut group)?;
        let id = group
            .id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| ringside_runtime::ids::new_guid().to_string());
        group.id = Some(id.clone());
        let call = ctx.door().owned(&caller, leg)?;
        if call
            .audio_routing_groups
            .iter()
            .any(|g| g.id.as_deref() == Some(id.as_str()))
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                format!(
                    "An audioRoutingGroup with id '{}' exists.",
                    ringside_directory::validate::clip(&id)
                ),
            ));
        }
        call.audio_routing_groups.push(group.clone());
        Ok(group_body(group, context))
    })
    .await
}

/// `GET …/audioRoutingGroups`.
async fn list_groups(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups");
    run(&state, move |ctx| {
        let call = ctx.door().visible(&caller, leg)?;
        Ok(Json(json!({
            "@odata.context": context,
            "value": call.audio_routing_groups,
        })))
    })
    .await
}

fn find_group<'a>(
    groups: &'a mut [AudioRoutingGroup],
    gid: &str,
) -> Result<&'a mut AudioRoutingGroup, ApiError> {
    groups
        .iter_mut()
        .find(|g| g.id.as_deref() == Some(gid))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "audioRoutingGroup '{}' was not found.",
                ringside_directory::validate::clip(gid)
            ))
        })
}

/// `GET …/audioRoutingGroups/{gid}`.
async fn get_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let call = ctx.door().visible(&caller, leg)?;
        let group = find_group(&mut call.audio_routing_groups, &gid)?.clone();
        Ok(group_body(group, context))
    })
    .await
}

/// `PATCH …/audioRoutingGroups/{gid}`: replaces the members given; 200 with the group.
async fn patch_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    group_permission(&caller)?;
    let version = super::routes::version_of(&request);
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let patch: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("The body is not a JSON object."))?;
    let Value::Object(patch) = patch else {
        return Err(ApiError::bad_request("The body is not a JSON object."));
    };
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        let conversation = call.conversation;
        let current = find_group(&mut call.audio_routing_groups, &gid)?.clone();
        let mut merged = serde_json::to_value(&current).map_err(ApiError::internal)?;
        for (key, value) in patch {
            if key.eq_ignore_ascii_case("id") {
                continue;
            }
            merged[key] = value;
        }
        let mut updated = group_from(merged.to_string().as_bytes())?;
        updated.id = current.id.clone();
        validate_group(ctx, conversation, &mut updated)?;
        let call = ctx.door().owned(&caller, leg)?;
        *find_group(&mut call.audio_routing_groups, &gid)? = updated.clone();
        Ok(group_body(updated, context))
    })
    .await
}

/// `DELETE …/audioRoutingGroups/{gid}`: 204.
async fn delete_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    group_permission(&caller)?;
    let leg = wire::call_id(&id)?;
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        find_group(&mut call.audio_routing_groups, &gid)?;
        call.audio_routing_groups
            .retain(|g| g.id.as_deref() != Some(gid.as_str()));
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}
