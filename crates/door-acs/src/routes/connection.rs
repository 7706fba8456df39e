//! The call connection: `GET` (CallConnectionProperties), hang up (`DELETE`, 204), `:terminate`
//! (204, for everyone) and `:transferToParticipant` (202).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ringside_acs_wire::{TransferCallResponse, TransferToParticipantRequest};
use ringside_engine::{Ack, Command, Target, TransferScope};

use super::parties::party;
use super::{engine_error, participant_leg, pending, remember, reply, Connection};
use crate::auth::AcsCaller;
use crate::error::AcsError;
use crate::request::{connection_id, live, run, Body, Result};
use crate::AcsState;

/// `GET /calling/callConnections/{id}`.
pub(super) async fn get_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
) -> Result<Response> {
    if segment.contains(':') {
        return Err(AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "Actions are POSTed.",
        ));
    }
    let id = connection_id(&segment)?;
    let value = run(&state, move |ctx| {
        Ok(live(ctx, caller.resource, id)?.properties())
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `DELETE /calling/callConnections/{id}`: the bot leaves; 204.
pub(super) async fn hang_up(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
) -> Result<Response> {
    let id = connection_id(&segment)?;
    run(&state, move |ctx| {
        live(ctx, caller.resource, id)?;
        ctx.command(Command::HangUp { leg: id })
            .map_err(engine_error)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `:terminate`: the call ends for everyone; 204.
pub(super) async fn terminate(at: Connection) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    run(&state, move |ctx| {
        live(ctx, resource, id)?;
        ctx.command(Command::Terminate { leg: id })
            .map_err(engine_error)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `:transferToParticipant`: 202 `{operationContext}`. `customCallingContext` and
/// `sourceCallerIdNumber` are not used (nor refused when malformed).
pub(super) async fn transfer(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: TransferToParticipantRequest = body.parse(&[
        "targetParticipant",
        "transferee",
        "customCallingContext",
        "sourceCallerIdNumber",
    ])?;
    let target = party(&state, tenant, &request.target_participant)?;
    let transferee = request
        .transferee
        .as_ref()
        .map(|who| party(&state, tenant, who))
        .transpose()?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    let context = op.context.clone();
    let custom = super::setup::custom_headers(body)?;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let transferee = match transferee {
            Some(p) => Some(participant_leg(ctx, &call, &p)?),
            None => None,
        };
        let ack = ctx
            .command(Command::Transfer {
                leg: id,
                target: Target::party(target),
                transferee,
                // ACS: in a group call only the transferee leaves; the service stays.
                scope: TransferScope::Participant,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        if let Ack::Operation { legs, .. } = &ack {
            // The target rings in the service's call, or in the transferee's own (group call).
            let rings_in = legs.first().and_then(|l| ctx.engine().leg(*l));
            if let Some(target) = rings_in {
                ctx.set_call_headers(target.conversation, custom);
            }
        }
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &TransferCallResponse::new(&context),
    ))
}
