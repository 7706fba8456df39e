//! The participants of a call connection: list and get (200), `:add` (202, with an invitation
//! id), `:remove` (202), `:mute` (200, ACS users only) and `:cancelAddParticipant` (202).

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ringside_acs_wire::{
    AddParticipantRequest, CancelAddParticipantRequest, CancelAddParticipantResponse,
    MuteParticipantsRequest, MuteParticipantsResult, RemoveParticipantRequest,
    RemoveParticipantResponse,
};
use ringside_engine::{Ack, Command, Target};
use ringside_model::{Guid, Party};
use serde_json::json;

use super::parties::{party, party_from_raw};
use super::{engine_error, participant_leg, pending, remember, reply, resource_tenant, Connection};
use crate::auth::AcsCaller;
use crate::error::AcsError;
use crate::incoming::identifier;
use crate::request::{connection_id, invalid, live, required, run, Body, Result};
use crate::wire::teams_extension_identifier;
use crate::AcsState;

/// `GET /calling/callConnections/{id}/participants`.
pub(super) async fn list_participants(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path((id, segment)): Path<(String, String)>,
) -> Result<Response> {
    if segment != "participants" {
        return Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{segment}' is not a call connection resource."),
        ));
    }
    let id = connection_id(&id)?;
    let value = run(&state, move |ctx| {
        let call = live(ctx, caller.resource, id)?.clone();
        let roster = ctx.participants(call.conversation).map_err(engine_error)?;
        let others: Vec<_> = roster.into_iter().filter(|p| p.leg != id).collect();
        Ok(json!({"value": ctx.door().render_participants(&others)}))
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `GET /calling/callConnections/{id}/participants/{rawId}`.
pub(super) async fn get_participant(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path((id, raw)): Path<(String, String)>,
) -> Result<Response> {
    let id = connection_id(&id)?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let who = party_from_raw(&state, tenant, &raw, None)?;
    let value = run(&state, move |ctx| {
        let call = live(ctx, caller.resource, id)?.clone();
        let roster = ctx.participants(call.conversation).map_err(engine_error)?;
        let found: Vec<_> = roster.into_iter().filter(|p| p.party == who).collect();
        ctx.door()
            .render_participants(&found)
            .into_iter()
            .next()
            .ok_or_else(|| {
                AcsError::new(
                    StatusCode::NOT_FOUND,
                    "8522",
                    "The participant is not in the call.",
                )
            })
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `participants:add`: 202 with the participant, the context and the invitation id. The
/// `customCallingContext` reaches the invitee (an IncomingCall's `customContext`);
/// `sourceCallerIdNumber` and `sourceDisplayName` are not used (nor refused when malformed).
pub(super) async fn add(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: AddParticipantRequest = body.parse(&[
        "participantToAdd",
        "sourceCallerIdNumber",
        "sourceDisplayName",
        "customCallingContext",
    ])?;
    let who = party(&state, tenant, &request.participant_to_add)?;
    let extension = teams_extension_identifier(&request.participant_to_add);
    let timeout = match request.invitation_timeout_in_seconds {
        None => None,
        Some(s) if s <= 180 => Some(Duration::from_secs(s.max(1))),
        Some(_) => return Err(invalid("invitationTimeoutInSeconds must be at most 180.")),
    };
    let rendered = extension.clone().unwrap_or_else(|| identifier(&who));
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        Some(rendered.clone()),
    )?;
    let context = op.context.clone();
    let custom = super::setup::custom_headers(body)?;
    let invitation = run(&state, move |ctx| {
        let conversation = live(ctx, resource, id)?.conversation;
        let ack = ctx
            .command(Command::AddParticipants {
                leg: id,
                targets: vec![Target::party(who)],
                timeout,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        ctx.set_call_headers(conversation, custom);
        let invitation = ack
            .operation()
            .map(|o| o.id.to_string())
            .unwrap_or_default();
        if let (Some(identifier), Ack::Operation { legs, .. }) = (&extension, &ack) {
            for leg in legs {
                ctx.door().name_leg(*leg, identifier.clone());
            }
        }
        remember(ctx, id, &ack, op);
        Ok(invitation)
    })
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "participant": {"identifier": rendered, "isMuted": false, "isOnHold": false},
            "operationContext": context,
            "invitationId": invitation,
        })),
    )
        .into_response())
}

/// `participants:remove`: 202 `{operationContext}`.
pub(super) async fn remove(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: RemoveParticipantRequest = body.parse(&["participantToRemove"])?;
    let who = party(&state, tenant, &request.participant_to_remove)?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        Some(identifier(&who)),
    )?;
    let context = op.context.clone();
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let participant = participant_leg(ctx, &call, &who)?;
        let ack = ctx
            .command(Command::RemoveParticipant {
                leg: id,
                participant,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &RemoveParticipantResponse::new(&context),
    ))
}

/// `participants:mute` (one ACS user): 200 `{operationContext}`.
pub(super) async fn mute(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: MuteParticipantsRequest = body.parse(&["targetParticipants[]"])?;
    let list = request.target_participants;
    if list.len() != 1 {
        return Err(invalid(
            "targetParticipants must name exactly one participant.",
        ));
    }
    let who = party(&state, tenant, &list[0])?;
    if !matches!(who, Party::AcsUser(_)) {
        return Err(AcsError::new(
            StatusCode::BAD_REQUEST,
            "8523",
            "Only ACS users can be muted.",
        ));
    }
    let context = request.operation_context.unwrap_or_default();
    let answer = context.clone();
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let participant = participant_leg(ctx, &call, &who)?;
        ctx.command(Command::Mute {
            leg: id,
            participant,
            client_context: context,
        })
        .map_err(engine_error)?;
        Ok(())
    })
    .await?;
    Ok(reply(StatusCode::OK, &MuteParticipantsResult::new(&answer)))
}

/// `participants:cancelAddParticipant`: 202 with the invitation id and the context.
pub(super) async fn cancel_add(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    let request: CancelAddParticipantRequest = body.parse(&[])?;
    let invitation = required(request.invitation_id, "invitationId")?;
    let operation = Guid::parse(invitation.trim())
        .map(ringside_engine::OperationId)
        .map_err(|_| AcsError::new(StatusCode::NOT_FOUND, "8522", "No such invitation."))?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        Some(json!(invitation)),
    )?;
    let context = op.context.clone();
    run(&state, move |ctx| {
        live(ctx, resource, id)?;
        let ack = ctx
            .command(Command::CancelAddParticipants {
                leg: id,
                operation,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &CancelAddParticipantResponse {
            invitation_id: Some(invitation),
            operation_context: Some(context),
        },
    ))
}
