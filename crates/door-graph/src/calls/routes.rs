//! The core `/communications/calls` routes under `/v1.0` and `/beta`: get, delete, answer,
//! reject, redirect, transfer, keepAlive, `GET …/operations/{id}` and
//! `logTeleconferenceDeviceQuality` (placing a call is [`super::create`]). Each handler
//! authenticates, checks roles, parses, then runs in the call runtime (see the module docs of
//! [`super`]).

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Command, LegId, RejectReason as EngineReject, Target, TransferScope};
use ringside_graph_wire::{
    AnswerRequest, Call, CallOptions, CommsOperation, MediaConfig, RedirectRequest, RejectReason,
    RejectRequest, TransferRequest,
};
use ringside_model::Permission;
use serde_json::Value;

use super::pstn;
use super::render;
use super::request::{run, version_of};
use super::table::GraphCalls;
use super::wire;
use crate::openapi::{ActionErrors, ApiRoutes, BodyErrors, CallErrors, CommandErrors, CALL_ID};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_http::{parse_json, read_body, ApiError};
use ringside_runtime::door::DoorCtx;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(log_device_quality))
        .route(routes!(get_call, delete))
        .route(routes!(answer))
        .route(routes!(reject))
        .route(routes!(redirect))
        .route(routes!(transfer))
        .route(routes!(keep_alive))
        .route(routes!(get_operation))
}

/// 202 with an empty body.
pub(crate) fn accepted() -> Response {
    let mut response = StatusCode::ACCEPTED.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

/// `POST /communications/calls/logTeleconferenceDeviceQuality`: validated and logged; 200 empty.
#[utoipa::path(
    post,
    path = "/communications/calls/logTeleconferenceDeviceQuality",
    operation_id = "logTeleconferenceDeviceQuality",
    summary = "Report a teleconference device's media quality (validated and logged)",
    description = "`quality.callChainId` is required.",
    request_body = ref("#/components/schemas/TeleconferenceDeviceQualityRequest"),
    responses(
        (status = 200, description = "OK, empty body"),
        BodyErrors,
    ),
)]
async fn log_device_quality(
    State(state): State<GraphState>,
    caller: GraphCaller,
    request: Request,
) -> Result<Response, ApiError> {
    let bytes = read_body(request, &state).await?;
    let body: serde_json::Value = parse_json(&bytes)?;
    let quality = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("quality")))
        .map(|(_, v)| v)
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            ApiError::bad_request("quality (a teleconferenceDeviceQuality object) is required.")
        })?;
    let chain = quality
        .get("callChainId")
        .and_then(|v| v.as_str())
        .ok_or_else(|| ApiError::bad_request("quality.callChainId is required."))?;
    tracing::info!(app = %caller.app, call_chain_id = %ringside_directory::validate::clip(chain), "teleconference device quality reported");
    let mut response = StatusCode::OK.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    Ok(response)
}

/// `GET /communications/calls/{id}`.
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}",
    operation_id = "getCall",
    summary = "The call as last notified",
    description = "404 for another tenant's or application's call.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 200, description = "The call", body = Call),
        CallErrors,
    ),
)]
async fn get_call(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = version_of(&request);
    let leg = wire::call_id(&id)?;
    let base = state.base_url().to_string();
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        let mut resource = render::call_resource(call);
        resource.odata_context = Some(format!(
            "{base}/{version}/$metadata#communications/calls/$entity"
        ));
        resource.odata_id = None;
        serde_json::to_value(&resource)
            .map(Json)
            .map_err(ApiError::internal)
    })
    .await
}

/// `DELETE /communications/calls/{id}`: the bot leaves (a group call goes on).
#[utoipa::path(
    delete,
    path = "/communications/calls/{callId}",
    operation_id = "deleteCall",
    summary = "Hang up (a group call goes on without the bot)",
    description = "The call terminates; its notifications follow.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 204, description = "No content"),
        CommandErrors,
    ),
)]
async fn delete(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let leg = wire::call_id(&id)?;
    run(&state, move |ctx| {
        ctx.door().owned(&caller, leg)?;
        ctx.command(Command::HangUp { leg })
            .map_err(wire::engine_error)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// `POST …/answer`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/answer",
    operation_id = "answerCall",
    summary = "Answer an incoming call within 15 s",
    description = "Calls.AccessMedia.All is needed as well for appHostedMediaConfig, and a join role to answer a group call's invitation.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = AnswerRequest,
    responses(
        (status = 202, description = "Accepted; results follow as notifications to the callbackUri"),
        ActionErrors,
    ),
)]
async fn answer(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let body: AnswerRequest = wire::action_body(&bytes)?;
    if let Some(options) = &body.call_options {
        wire::supported_call_options(Some(&CallOptions::Incoming(options.clone())))?;
    }
    let callback = body
        .callback_uri
        .as_deref()
        .map(wire::callback_uri)
        .transpose()?;
    if matches!(body.media_config, MediaConfig::AppHosted(_)) {
        caller.require_any(&[Permission::CallsAccessMediaAll])?;
    }
    let (prefetch_as, prefetch_config) = (caller.clone(), body.media_config.clone());
    let response = run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        // Answering into a group call (an invitation) needs a join role (digest §3.0).
        if ctx.conversation(conversation).is_some_and(|c| c.group) {
            caller.require_any(&[
                Permission::CallsJoinGroupCallAll,
                Permission::CallsJoinGroupCallAsGuestAll,
            ])?;
        }
        let call = ctx.door().owned(&caller, leg)?;
        let before = call.clone();
        if let Some(uri) = callback {
            call.callback_uri = uri;
        }
        call.out_of_main_mix = wire::out_of_main_mix(&body.media_config);
        call.media_config = Some(body.media_config);
        if let Some(options) = body.call_options {
            call.call_options = Some(CallOptions::Incoming(options));
        }
        if !body.accepted_modalities.is_empty() {
            call.requested_modalities = body.accepted_modalities;
        }
        let out_of_main = call.out_of_main_mix;
        if let Err(error) = ctx.command(Command::Answer { leg }) {
            if let Some(call) = ctx.door().get_mut(leg) {
                *call = before;
            }
            return Err(wire::engine_error(error));
        }
        if out_of_main {
            super::audio_routing::apply_routing(ctx, leg)?;
        }
        Ok(accepted())
    })
    .await?;
    super::media_ops::prefetch_config(&state, &prefetch_as, &prefetch_config);
    Ok(response)
}

/// `POST …/reject`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/reject",
    operation_id = "rejectCall",
    summary = "Reject an incoming call (none, busy, forbidden)",
    description = "An empty body rejects with reason none.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = Option<RejectRequest>,
    responses(
        (status = 202, description = "Accepted; results follow as notifications to the callbackUri"),
        ActionErrors,
    ),
)]
async fn reject(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let body: RejectRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        RejectRequest::default()
    } else {
        wire::action_body(&bytes)?
    };
    let reason = match body.reason {
        None | Some(RejectReason::None) => EngineReject::None,
        Some(RejectReason::Busy) => EngineReject::Busy,
        Some(RejectReason::Forbidden) => EngineReject::Forbidden,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "reason '{}' is not supported: use none, busy or forbidden.",
                other.as_str()
            )))
        }
    };
    let callback = body
        .callback_uri
        .as_deref()
        .map(wire::callback_uri)
        .transpose()?;
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        let before = call.callback_uri.clone();
        if let Some(uri) = callback {
            call.callback_uri = uri;
        }
        if let Err(error) = ctx.command(Command::Reject { leg, reason }) {
            if let Some(call) = ctx.door().get_mut(leg) {
                call.callback_uri = before;
            }
            return Err(wire::engine_error(error));
        }
        Ok(accepted())
    })
    .await
}

/// `POST …/redirect`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/redirect",
    operation_id = "redirectCall",
    summary = "Redirect an incoming call to 1-25 targets",
    description = "timeout: 15 to 90 seconds.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = RedirectRequest,
    responses(
        (status = 202, description = "Accepted; results follow as notifications to the callbackUri"),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.Initiate.All"]))),
)]
async fn redirect(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    caller.require_any(&[Permission::CallsInitiateAll])?;
    let bytes = read_body(request, &state).await?;
    let body: RedirectRequest = wire::action_body(&bytes)?;
    if body.targets.is_empty() || body.targets.len() > ringside_engine::limits::MAX_REDIRECT_TARGETS
    {
        return Err(ApiError::bad_request(
            "targets must hold 1 to 25 invitationParticipantInfo.",
        ));
    }
    let timeout = match body.timeout {
        None => None,
        Some(seconds) if (15..=90).contains(&seconds) => Some(Duration::from_secs(seconds as u64)),
        Some(seconds) => {
            return Err(ApiError::bad_request(format!(
                "timeout {seconds} is out of range: 15 to 90 seconds."
            )))
        }
    };
    let targets = body
        .targets
        .iter()
        .map(|t| {
            wire::supported_invitation(t).and_then(|()| wire::party(caller.tenant, &t.identity))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let callback = body
        .callback_uri
        .as_deref()
        .map(wire::callback_uri)
        .transpose()?;
    run(&state, move |ctx| {
        let bot = ctx.door().owned(&caller, leg)?.bot;
        if pstn::any_phone(targets.iter())
            && !ctx
                .directory()
                .read(|d| pstn::bot_dials_out(d, caller.tenant, &bot))
        {
            return Err(pstn::refuse_transfer("Redirect"));
        }
        let call = ctx.door().owned(&caller, leg)?;
        let before = call.callback_uri.clone();
        if let Some(uri) = callback {
            call.callback_uri = uri;
        }
        if let Err(error) = ctx.command(Command::Redirect {
            leg,
            targets,
            timeout,
        }) {
            if let Some(call) = ctx.door().get_mut(leg) {
                call.callback_uri = before;
            }
            return Err(wire::engine_error(error));
        }
        Ok(accepted())
    })
    .await
}

/// `POST …/transfer` (blind, or consultative with `transferTarget.replacesCallId`).
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/transfer",
    operation_id = "transferCall",
    summary = "Blind or consultative (replacesCallId) transfer",
    description = "The transferee is named by participantId or identity (required out of a group call).",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = TransferRequest,
    responses(
        (status = 202, description = "Accepted; results follow as notifications to the callbackUri"),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.Initiate.All"]))),
)]
async fn transfer(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    caller.require_any(&[Permission::CallsInitiateAll])?;
    let bytes = read_body(request, &state).await?;
    let body: TransferRequest = wire::action_body(&bytes)?;
    wire::supported_invitation(&body.transfer_target)?;
    let party = wire::party(caller.tenant, &body.transfer_target.identity)?;
    let replaces = body
        .transfer_target
        .replaces_call_id
        .as_deref()
        .map(wire::call_id)
        .transpose()?;
    let transferee = body.transferee.clone();
    let client_context = body.client_context.clone().unwrap_or_default();
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        let (conversation, bot) = (call.conversation, call.bot);
        if pstn::any_phone(std::iter::once(&party))
            && !ctx
                .directory()
                .read(|d| pstn::bot_dials_out(d, caller.tenant, &bot))
        {
            return Err(pstn::refuse_transfer("Transfer"));
        }
        if let Some(other) = replaces {
            // The consultative call must be the same bot's.
            ctx.door().owned(&caller, other)?;
        }
        let transferee = match transferee {
            None => None,
            Some(info) => Some(find_participant(ctx, conversation, leg, &caller, &info)?),
        };
        ctx.command(Command::Transfer {
            leg,
            target: Target { party, replaces },
            transferee,
            scope: TransferScope::Call,
            client_context,
        })
        .map_err(wire::engine_error)?;
        Ok(accepted())
    })
    .await
}

/// The participant leg a `participantInfo` names: by `participantId`, else by identity.
fn find_participant(
    ctx: &DoorCtx<'_, GraphCalls>,
    conversation: ringside_engine::ConversationId,
    own: LegId,
    caller: &GraphCaller,
    info: &ringside_graph_wire::ParticipantInfo,
) -> Result<LegId, ApiError> {
    if let Some(id) = info.participant_id.as_deref() {
        let leg = ringside_model::Guid::parse(id)
            .map(LegId)
            .map_err(|_| ApiError::bad_request("transferee.participantId is not a GUID."))?;
        return Ok(leg);
    }
    let party = wire::party(caller.tenant, &info.identity)?;
    ctx.participants(conversation)
        .map_err(wire::engine_error)?
        .into_iter()
        .find(|p| p.leg != own && p.party == party)
        .map(|p| p.leg)
        .ok_or_else(|| ApiError::bad_request("transferee is not a participant of the call."))
}

/// `POST …/keepAlive`: 200 with an empty body; 404 once the call has ended.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/keepAlive",
    operation_id = "keepAlive",
    summary = "Restart the 45-minute keepAlive interval",
    description = "404 once the call has ended.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 200, description = "OK, empty body"),
        CommandErrors,
    ),
)]
async fn keep_alive(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    run(&state, move |ctx| {
        ctx.door().owned(&caller, leg)?;
        ctx.command(Command::KeepAlive { leg })
            .map_err(wire::engine_error)?;
        let mut response = StatusCode::OK.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        Ok(response)
    })
    .await
}

/// `GET …/operations/{opId}`: the operation as last returned or notified.
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/operations/{commsOperationId}",
    operation_id = "getOperation",
    summary = "An operation as last returned or notified",
    description = "Operations the bot started on this call.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("commsOperationId" = String, Path, description = "The operation's id (a GUID)"),
    ),
    responses(
        (status = 200, description = "The operation", body = CommsOperation),
        CallErrors,
    ),
)]
async fn get_operation(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, op)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let leg = wire::call_id(&id)?;
    let op_id = ringside_model::Guid::parse(&op)
        .map(ringside_engine::OperationId)
        .map_err(|_| {
            ApiError::not_found(format!(
                "Operation {} was not found.",
                ringside_directory::validate::clip(&op)
            ))
        })?;
    run(&state, move |ctx| {
        let call = ctx.door().visible(&caller, leg)?;
        let op = call
            .operations
            .get(&op_id)
            .ok_or_else(|| ApiError::not_found(format!("Operation {op_id} was not found.")))?;
        serde_json::to_value(op)
            .map(Json)
            .map_err(ApiError::internal)
    })
    .await
}
