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
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_engine::{Command, ConversationId, LegId, Target};
use ringside_graph_wire::{
    ClientContextRequest, CommsOperation, InviteParticipantsRequest, StartHoldMusicRequest,
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
use ringside_http::ApiError;
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
            .route(&format!("{participant}/stopHoldMusic"), post(stop_hold));
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
