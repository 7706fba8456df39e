//! The core `/communications/calls` routes under `/v1.0` and `/beta`: create, get, delete,
//! answer, reject, redirect, transfer, keepAlive and `GET …/operations/{id}`. Each handler
//! authenticates, checks roles, parses, then runs in the call runtime (see the module docs of
//! [`super`]).

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_engine::{
    Ack, BotIdentity, Command, Direction, LegId, LegState, RejectReason as EngineReject, Target,
};
use ringside_graph_wire::{
    AnswerRequest, Call, CallCreatedResponse, CallOptions, MediaConfig, RedirectRequest,
    RejectReason, RejectRequest, TransferRequest,
};
use ringside_model::{Licence, NumberType, Party, Permission};
use serde_json::Value;

use super::render;
use super::table::GraphCall;
use super::table::GraphCalls;
use super::wire;
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_http::{parse_json, read_body, ApiError};
use ringside_runtime::door::DoorCtx;

/// The Graph versions the calls API is served under.
pub(crate) const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// The routes of this file, for both versions.
pub(crate) fn routes() -> Router<GraphState> {
    let mut router = Router::new();
    for version in VERSIONS {
        let calls = format!("/{version}/communications/calls");
        router = router
            .route(&calls, post(create))
            .route(
                &format!("{calls}/logTeleconferenceDeviceQuality"),
                post(log_device_quality),
            )
            .route(&format!("{calls}/{{id}}"), get(get_call).delete(delete))
            .route(&format!("{calls}/{{id}}/answer"), post(answer))
            .route(&format!("{calls}/{{id}}/reject"), post(reject))
            .route(&format!("{calls}/{{id}}/redirect"), post(redirect))
            .route(&format!("{calls}/{{id}}/transfer"), post(transfer))
            .route(&format!("{calls}/{{id}}/keepAlive"), post(keep_alive))
            .route(
                &format!("{calls}/{{id}}/operations/{{op}}"),
                get(get_operation),
            );
    }
    router
}

/// Runs door code in the call runtime and flattens the two error layers.
pub(crate) async fn run<T: Send + 'static>(
    state: &GraphState,
    f: impl FnOnce(&mut DoorCtx<'_, GraphCalls>) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state.calls().exec(f).await.map_err(wire::runtime_error)?
}

/// `v1.0` or `beta`, from the request path.
pub(crate) fn version_of(request: &Request) -> &'static str {
    if request.uri().path().starts_with("/beta/") {
        "beta"
    } else {
        "v1.0"
    }
}

/// 202 with an empty body.
pub(crate) fn accepted() -> Response {
    let mut response = StatusCode::ACCEPTED.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

fn with_location(mut response: Response, location: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `POST /communications/calls`.
async fn create(
    State(state): State<GraphState>,
    caller: GraphCaller,
    request: Request,
) -> Result<Response, ApiError> {
    // Some calling role is needed before the body is even read; which one depends on the call.
    caller.require_any(&[
        Permission::CallsInitiateAll,
        Permission::CallsInitiateGroupCallAll,
        Permission::CallsJoinGroupCallAll,
        Permission::CallsJoinGroupCallAsGuestAll,
    ])?;
    let version = version_of(&request);
    let bytes = read_body(request, &state).await?;
    let call: Call = parse_json(&bytes)?;
    let callback = call
        .callback_uri
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("callbackUri is required."))
        .and_then(wire::callback_uri)?;
    let media_config = call
        .media_config
        .clone()
        .ok_or_else(|| ApiError::bad_request("mediaConfig is required."))?;
    if call.meeting_info.is_some() || call.chat_info.is_some() {
        return join_meeting(state, caller, version, call, callback, media_config).await;
    }
    let targets_in = call.targets.clone().unwrap_or_default();
    if targets_in.is_empty() {
        return Err(ApiError::bad_request(
            "targets is required (1 to 5 invitationParticipantInfo) when no meetingInfo is given.",
        ));
    }
    if let Some(tenant) = call.tenant_id.as_deref().filter(|t| !t.is_empty()) {
        if !tenant.eq_ignore_ascii_case(&caller.tenant.to_string()) {
            return Err(ApiError::forbidden(
                "7505",
                "Request authorization tenant mismatch.",
            ));
        }
    }
    let group = targets_in.len() > 1;
    caller.require_any(&[if group {
        Permission::CallsInitiateGroupCallAll
    } else {
        Permission::CallsInitiateAll
    }])?;
    if matches!(media_config, MediaConfig::AppHosted(_)) {
        caller.require_any(&[Permission::CallsAccessMediaAll])?;
    }
    let (prefetch_as, prefetch_config) = (caller.clone(), media_config.clone());
    let mut targets = Vec::with_capacity(targets_in.len());
    for target in &targets_in {
        let party = wire::party(caller.tenant, &target.identity)?;
        let replaces = match target.replaces_call_id.as_deref() {
            Some(id) => Some(wire::call_id(id)?),
            None => None,
        };
        targets.push(Target { party, replaces });
    }
    let to_phone = targets.iter().any(|t| matches!(t.party, Party::Phone(_)));
    // The bot acts as itself, or as one of its application instances.
    let instance = match call
        .source
        .as_ref()
        .and_then(|s| s.identity.application_instance.as_ref())
    {
        Some(identity) => {
            let id = identity.id.as_deref().ok_or_else(|| {
                ApiError::bad_request("source.identity.applicationInstance.id is required.")
            })?;
            let id = ringside_model::Guid::parse(id)
                .map(ringside_model::InstanceId)
                .map_err(|_| {
                    ApiError::bad_request("source.identity.applicationInstance.id is not a GUID.")
                })?;
            state.directory().read(|d| {
                let Some(instance) = d.instance(caller.tenant, id) else {
                    return Err(ApiError::bad_request(format!(
                        "The application instance {id} does not exist in the tenant."
                    )));
                };
                if instance.app_id != caller.app {
                    return Err(ApiError::forbidden(
                        "7504",
                        format!("Insufficient enterprise tenant permissions, cannot access this API. The application instance {id} belongs to another application."),
                    ));
                }
                // PSTN needs a number on the account; a Calling Plan number also needs the
                // Calling Plan licence (Direct Routing / Operator Connect numbers do not).
                let pstn_ready = d.number_of(id.guid()).is_some_and(|n| {
                    n.number_type != NumberType::CallingPlan
                        || instance.licences.contains(&Licence::CallingPlan)
                });
                if to_phone && !pstn_ready {
                    return Err(ApiError::forbidden(
                        "7504",
                        format!("Insufficient enterprise tenant permissions, cannot access this API. Calling a phone number needs the application instance {id} to have a phone number (and a Calling Plan licence for a Calling Plan number)."),
                    ));
                }
                Ok(())
            })?;
            Some(id)
        }
        None => {
            if to_phone {
                return Err(ApiError::forbidden(
                    "7504",
                    "Insufficient enterprise tenant permissions, cannot access this API. Calling a phone number needs source.identity.applicationInstance: a resource account with a phone number and a Calling Plan licence.",
                ));
            }
            None
        }
    };
    let source_party = match instance {
        Some(instance) => Party::ApplicationInstance {
            tenant: caller.tenant,
            instance,
        },
        None => Party::Application { app: caller.app },
    };
    let ring_timeout = call
        .ringing_timeout_in_seconds
        .filter(|s| *s > 0)
        .map(|s| Duration::from_secs(s as u64));
    let bot = BotIdentity {
        app: caller.app,
        instance,
        keep_alive: true,
    };
    let base = state.base_url().to_string();
    let tenant = caller.tenant;
    let body = run(&state, move |ctx| {
        let ack = ctx
            .command(Command::CreateCall {
                tenant,
                bot,
                source: source_party.clone(),
                targets,
                group,
                ring_timeout,
            })
            .map_err(wire::engine_error)?;
        let Ack::Call {
            conversation, leg, ..
        } = ack
        else {
            return Err(ApiError::internal("CreateCall did not create a call"));
        };
        let source = ctx
            .directory()
            .read(|d| render::participant_info(d, &source_party));
        let mut row = GraphCall::new(
            leg,
            conversation,
            tenant,
            bot,
            callback,
            Direction::Outgoing,
            LegState::Establishing,
        );
        row.source = Some(source);
        row.targets = targets_in;
        row.media_config = Some(media_config);
        row.call_options = call.call_options.clone();
        row.subject = call.subject.clone();
        if let Some(modalities) = call.requested_modalities.clone().filter(|m| !m.is_empty()) {
            row.requested_modalities = modalities;
        }
        let mut resource = render::call_resource(&row);
        resource.odata_context = Some(format!(
            "{base}/{version}/$metadata#communications/calls/$entity"
        ));
        resource.odata_id = None;
        resource.odata_etag = None;
        ctx.door().insert(row);
        CallCreatedResponse(&resource)
            .to_value()
            .map(|v| (leg, v))
            .map_err(ApiError::internal)
    })
    .await?;
    super::media_ops::prefetch_config(&state, &prefetch_as, &prefetch_config);
    let (leg, value) = body;
    let location = format!("{}/{version}{}", state.base_url(), render::call_url(leg));
    Ok(with_location(
        (StatusCode::CREATED, Json(value)).into_response(),
        &location,
    ))
}

/// `POST /communications/calls` with `meetingInfo`/`chatInfo`: the bot joins the meeting's
/// conversation (opened on first join), established at once; 201 with the call.
async fn join_meeting(
    state: GraphState,
    caller: GraphCaller,
    version: &'static str,
    call: Call,
    callback: String,
    media_config: MediaConfig,
) -> Result<Response, ApiError> {
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsJoinGroupCallAsGuestAll,
    ])?;
    if matches!(media_config, MediaConfig::AppHosted(_)) {
        caller.require_any(&[Permission::CallsAccessMediaAll])?;
    }
    if let Some(tenant) = call.tenant_id.as_deref().filter(|t| !t.is_empty()) {
        if !tenant.eq_ignore_ascii_case(&caller.tenant.to_string()) {
            return Err(ApiError::forbidden(
                "7505",
                "Request authorization tenant mismatch.",
            ));
        }
    }
    let meeting = crate::meetings::find_for_join(
        &state,
        caller.tenant,
        call.meeting_info.as_ref(),
        call.chat_info.as_ref(),
    )
    .await?;
    let bot = BotIdentity {
        app: caller.app,
        instance: None,
        keep_alive: true,
    };
    let source_party = Party::Application { app: caller.app };
    let base = state.base_url().to_string();
    let tenant = caller.tenant;
    let (prefetch_as, prefetch_config) = (caller.clone(), media_config.clone());
    let (leg, value) = run(&state, move |ctx| {
        let conversation = ctx
            .named_conversation(&meeting.id, tenant)
            .map_err(wire::engine_error)?;
        let ack = ctx
            .command(Command::Join {
                conversation,
                bot,
                source: source_party.clone(),
            })
            .map_err(wire::engine_error)?;
        let Ack::Call { leg, .. } = ack else {
            return Err(ApiError::internal("Join did not create a call"));
        };
        let source = ctx
            .directory()
            .read(|d| render::participant_info(d, &source_party));
        let mut row = GraphCall::new(
            leg,
            conversation,
            tenant,
            bot,
            callback,
            Direction::Outgoing,
            LegState::Establishing,
        );
        row.source = Some(source);
        row.media_config = Some(media_config);
        row.call_options = call.call_options.clone();
        row.subject = call.subject.clone().or(meeting.subject.clone());
        row.chat_info =
            Some(
                call.chat_info
                    .clone()
                    .unwrap_or_else(|| ringside_graph_wire::ChatInfo {
                        thread_id: Some(meeting.thread_id.clone()),
                        message_id: Some("0".into()),
                        ..Default::default()
                    }),
            );
        row.meeting_info = call.meeting_info.clone();
        if let Some(modalities) = call.requested_modalities.clone().filter(|m| !m.is_empty()) {
            row.requested_modalities = modalities;
        }
        let mut resource = render::call_resource(&row);
        resource.odata_context = Some(format!(
            "{base}/{version}/$metadata#communications/calls/$entity"
        ));
        resource.odata_id = None;
        resource.odata_etag = None;
        ctx.door().insert(row);
        CallCreatedResponse(&resource)
            .to_value()
            .map(|v| (leg, v))
            .map_err(ApiError::internal)
    })
    .await?;
    super::media_ops::prefetch_config(&state, &prefetch_as, &prefetch_config);
    let location = format!("{}/{version}{}", state.base_url(), render::call_url(leg));
    Ok(with_location(
        (StatusCode::CREATED, Json(value)).into_response(),
        &location,
    ))
}

/// `POST /communications/calls/logTeleconferenceDeviceQuality`: validated and logged; 200 empty.
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
async fn answer(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let body: AnswerRequest = wire::action_body(&bytes)?;
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
        call.media_config = Some(body.media_config);
        if let Some(options) = body.call_options {
            call.call_options = Some(CallOptions::Incoming(options));
        }
        if !body.accepted_modalities.is_empty() {
            call.requested_modalities = body.accepted_modalities;
        }
        if let Err(error) = ctx.command(Command::Answer { leg }) {
            if let Some(call) = ctx.door().get_mut(leg) {
                *call = before;
            }
            return Err(wire::engine_error(error));
        }
        Ok(accepted())
    })
    .await?;
    super::media_ops::prefetch_config(&state, &prefetch_as, &prefetch_config);
    Ok(response)
}

/// `POST …/reject`.
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
        .map(|t| wire::party(caller.tenant, &t.identity))
        .collect::<Result<Vec<_>, _>>()?;
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
        let conversation = call.conversation;
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
