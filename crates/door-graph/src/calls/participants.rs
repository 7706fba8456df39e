//! Graph participants of a call (`/v1.0` and `/beta`, plain and `microsoft.graph.`-qualified):
//! list/get/invite/mute/delete/startHoldMusic/stopHoldMusic (digest §3.7–3.9), and the helpers the
//! bot's own operations ([`super::self_ops`]) and audioRoutingGroups ([`super::audio_routing`]) share.
//!
//! Rules from the digest: invite and participant mute work on group calls only (a two-party call
//! answers 400 `notAllowed`, so a P2P call never silently turns into a group); invite takes 1–5
//! invitees, exactly one with `replacesCallId`; one participant is on hold at a time. Participant ids
//! are the participants' leg ids (as in the roster). Operations are rendered, stored and notified as
//! the media operations are (see `mod.rs`).

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Command, ConversationId, LegId, Target};
use ringside_graph_wire::{
    ClientContextRequest, CommsOperation, InviteParticipantsRequest, StartHoldMusicRequest,
};
use ringside_model::{Guid, Permission};
use serde_json::{json, Value};

use super::media_ops::{client_context, media_ref, prepare, start_operation_with};
use super::pstn;
use super::render;
use super::request::run;
use super::table::GraphCalls;
use super::wire;
use crate::openapi::{ActionErrors, ApiRoutes, CallErrors, CommandErrors, CALL_ID, PARTICIPANT_ID};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_graph_wire::{Participant, ParticipantCollection};
use ringside_http::ApiError;
use ringside_runtime::door::DoorCtx;
use utoipa_axum::routes;

/// Most invitees in one `participants/invite`.
const MAX_INVITEES: usize = 5;

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(list))
        .route(routes!(invite))
        .route(routes!(get_one, remove))
        .route(routes!(mute_participant))
        .route(routes!(start_hold))
        .route(routes!(stop_hold))
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
pub(super) fn group_call(
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

pub(super) fn context_url(base: &str, version: &str, leg: LegId, tail: &str) -> String {
    format!("{base}/{version}/$metadata#communications/calls('{leg}')/{tail}")
}

// ---- participants ---------------------------------------------------------------------------

/// `GET …/participants`: `{value: [participant]}` (connected participants, join order).
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/participants",
    operation_id = "listParticipants",
    summary = "The roster",
    description = "Connected participants in join order; empty once the call has ended.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 200, description = "The participants", body = ParticipantCollection),
        CallErrors,
    ),
)]
async fn list(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "participants");
    run(&state, move |ctx| {
        let value = roster(ctx, &caller, leg)?;
        Ok(Json(json!({ "@odata.context": context, "value": value })))
    })
    .await
}

/// `GET …/participants/{pid}`.
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/participants/{participantId}",
    operation_id = "getParticipant",
    summary = "One participant",
    description = "A participant of the roster.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("participantId" = String, Path, description = PARTICIPANT_ID),
    ),
    responses(
        (status = 200, description = "The participant", body = Participant),
        CallErrors,
    ),
)]
async fn get_one(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, pid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::request::version_of(&request);
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/participants/invite",
    operation_id = "inviteParticipants",
    summary = "Invite 1-5 participants (1 with replacesCallId); group calls only",
    description = "A two-party call answers 400 notAllowed.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = InviteParticipantsRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `inviteParticipantsOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.InitiateGroupCall.All"]))),
)]
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
        wire::supported_invitation(info)?;
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
        let bot = ctx.door().owned(&caller, leg)?.bot;
        if pstn::any_phone(pstn::parties(&targets))
            && !ctx
                .directory()
                .read(|d| pstn::bot_dials_out(d, caller.tenant, &bot))
        {
            return pstn::failed_invite(ctx, leg, invitees, &context, odata, location);
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/participants/{participantId}/mute",
    operation_id = "muteParticipant",
    summary = "Server-mute a participant (group calls)",
    description = "A two-party call answers 400 notAllowed.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("participantId" = String, Path, description = PARTICIPANT_ID),
    ),
    request_body = ClientContextRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `muteParticipantOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
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
#[utoipa::path(
    delete,
    path = "/communications/calls/{callId}/participants/{participantId}",
    operation_id = "removeParticipant",
    summary = "Drop a participant or cancel its invitation",
    description = "The bot leaves with DELETE on the call instead (400 here).",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("participantId" = String, Path, description = PARTICIPANT_ID),
    ),
    responses(
        (status = 204, description = "No content"),
        CommandErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All", "Calls.InitiateGroupCall.All"]))),
)]
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/participants/{participantId}/startHoldMusic",
    operation_id = "startHoldMusic",
    summary = "Hold one participant with music",
    description = "One participant is on hold at a time.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("participantId" = String, Path, description = PARTICIPANT_ID),
    ),
    request_body = StartHoldMusicRequest,
    responses(
        (status = 202, body = CommsOperation,
            description = "The `startHoldMusicOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/participants/{participantId}/stopHoldMusic",
    operation_id = "stopHoldMusic",
    summary = "Bring the held participant back",
    description = "The participant hears the call again.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("participantId" = String, Path, description = PARTICIPANT_ID),
    ),
    request_body = ClientContextRequest,
    responses(
        (status = 202, body = CommsOperation,
            description = "The `stopHoldMusicOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
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
