//! Call setup: `POST /calling/callConnections` (createCall, 201), `:answer` (200), `:reject` and
//! `:redirect` (204) of an offered call named by its `incomingCallContext`, and `:connect` (200)
//! to a call named by its `serverCallId`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ringside_acs_wire::{
    AnswerCallRequest, CallRejectReason, CommunicationIdentifierModel, ConnectRequest,
    CreateCallRequest, MediaStreamingOptions, RedirectCallRequest, RejectCallRequest,
    TranscriptionOptions,
};
use ringside_engine::{Ack, BotIdentity, Command, LegId, LegState, RejectReason, Target};
use ringside_model::{AcsResourceId, AppId, Guid, InstanceId, Party, TenantId, E164};
use serde_json::Value;

use super::parties::party;
use super::{engine_error, resource_tenant};
use crate::auth::AcsCaller;
use crate::calls::{AcsCall, AcsCalls};
use crate::error::AcsError;
use crate::incoming::identifier;
use crate::media_streaming::{CallStreaming, StreamingOptions};
use crate::request::{
    callback_uri, connection_id, invalid, not_found, not_implemented, required, run, Body, Result,
};
use crate::transcription::CallTranscription;
use crate::versions::EventShape;
use crate::wire::conversation_of;
use crate::AcsState;
use ringside_runtime::door::DoorCtx;
use ringside_runtime::headers::CallHeaders;

/// `mediaStreamingOptions`, if given (400 when invalid).
fn media_streaming_options(
    given: Option<&MediaStreamingOptions>,
) -> Result<Option<StreamingOptions>> {
    given
        .map(|options| crate::media_streaming::options(options).map_err(invalid))
        .transpose()
}

/// Streaming state of a new connection with these options.
fn streaming(options: Option<StreamingOptions>) -> CallStreaming {
    CallStreaming {
        options,
        ..Default::default()
    }
}

/// The bot a call is placed for: the resource account, else the ACS resource itself.
fn bot_for(resource: AcsResourceId, instance: Option<(InstanceId, AppId)>) -> BotIdentity {
    BotIdentity {
        app: instance.map_or(AppId(resource.guid()), |(_, app)| app),
        instance: instance.map(|(i, _)| i),
        keep_alive: false,
    }
}

/// `transcriptionOptions`, if given: without the recognition engine 405 `8520` (as
/// `:startTranscription`: a service that asked for transcription must not be left waiting for
/// it); with it checked (400 `8523`; another locale or a custom model 405 `8520`) and kept with the
/// transcriber that will serve them. `callIntelligenceOptions` only names the Azure AI resource
/// the cloud would use; Ringside's speech is its own.
async fn transcription_options(state: &AcsState, body: &Body) -> Result<CallTranscription> {
    let Some(given) = body.member("transcriptionOptions") else {
        return Ok(CallTranscription::default());
    };
    let Some(transcriber) = state.calls().transcriber().await else {
        return Err(not_implemented(
            "Transcription (no speech engine is configured)",
        ));
    };
    let given: TranscriptionOptions = serde_json::from_value(given.clone())
        .map_err(|error| invalid(format!("transcriptionOptions: {error}.")))?;
    let options = crate::transcription::options(&given).map_err(super::transcription::refusal)?;
    Ok(CallTranscription {
        options: Some(options),
        transcriber: Some(transcriber),
        ..CallTranscription::default()
    })
}

/// `POST /calling/callConnections`: 201 CallConnectionProperties. `transcriptionOptions` are
/// checked ([`transcription_options`]); `callIntelligenceOptions` are not used (nor refused when
/// malformed).
pub(super) async fn create_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Extension(shape): Extension<EventShape>,
    bytes: Bytes,
) -> Result<Response> {
    let body = Body::read(&bytes)?;
    let request: CreateCallRequest = body.parse(&[
        "targets[]",
        "sourceCallerIdNumber",
        "teamsAppSource",
        "source",
        "transcriptionOptions",
        "callIntelligenceOptions",
    ])?;
    let transcription = transcription_options(&state, &body).await?;
    let streaming_options = media_streaming_options(request.media_streaming_options.as_ref())?;
    let callback = callback_uri(request.callback_uri, "callbackUri")?;
    let resource = caller.resource;
    let tenant = resource_tenant(&state, resource)?;
    let targets = create_targets(&state, tenant, &request.targets)?;
    let caller_id = request.source_caller_id_number.map(|n| n.value);
    let app = request.teams_app_source.map(|app| app.app_id);
    let instance = placed_for(
        &state,
        resource,
        tenant,
        app.as_deref(),
        caller_id.as_deref(),
    )?;
    if targets.iter().any(|t| matches!(t.party, Party::Phone(_))) && caller_id.is_none() {
        return Err(invalid(
            "sourceCallerIdNumber is required to call a phone number.",
        ));
    }
    let source_user = request.source.map(|user| user.id);
    let source_party = source_party(resource, tenant, instance, source_user);
    let source = identifier(&source_party);
    let display = request.source_display_name;
    let context = request.operation_context;
    let custom = custom_headers(&body)?;
    let targets_in = echoed_targets(&body);
    let group = targets.len() > 1;
    let bot = bot_for(resource, instance);
    let value = run(&state, move |ctx| {
        let ack = ctx
            .command(Command::CreateCall {
                tenant,
                bot,
                source: source_party,
                targets,
                group,
                ring_timeout: None,
            })
            .map_err(engine_error)?;
        let Ack::Call {
            conversation, leg, ..
        } = ack
        else {
            return Err(invalid("the call could not be created"));
        };
        ctx.set_call_headers(conversation, custom);
        let call = AcsCall {
            source,
            targets: targets_in,
            source_caller_id: caller_id,
            source_display_name: display,
            setup_context: context,
            streaming: streaming(streaming_options),
            transcription,
            shape,
            ..AcsCall::new(leg, conversation, resource, tenant, callback)
        };
        let value = call.properties();
        ctx.door().insert(call);
        Ok(value)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// `customCallingContext`, checked by the runtime (names, sizes, members) on the JSON as given.
/// A body's `customCallingContext`, checked (400 `8523` when malformed).
pub(super) fn custom_headers(body: &Body) -> Result<CallHeaders> {
    match body.member("customCallingContext") {
        None => Ok(CallHeaders::default()),
        Some(value) => {
            CallHeaders::parse(value).map_err(|e| invalid(format!("customCallingContext: {e}.")))
        }
    }
}

/// The `targets` of a createCall body as given (CallConnectionProperties echoes them).
fn echoed_targets(body: &Body) -> Vec<Value> {
    match body.member("targets") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    }
}

/// Who places a call: the resource account it is placed for, else the ACS user named by
/// `source`, else a new ACS user of the resource.
fn source_party(
    resource: AcsResourceId,
    tenant: TenantId,
    instance: Option<(InstanceId, AppId)>,
    source_user: Option<String>,
) -> Party {
    match (instance, source_user) {
        (Some((id, _)), _) => Party::ApplicationInstance {
            tenant,
            instance: id,
        },
        (None, Some(id)) => Party::AcsUser(id),
        (None, None) => Party::AcsUser(format!(
            "8:acs:{resource}_{}",
            ringside_runtime::ids::new_guid()
        )),
    }
}

/// The `targets` of createCall as engine targets (one to five).
fn create_targets(
    state: &AcsState,
    tenant: TenantId,
    given: &[CommunicationIdentifierModel],
) -> Result<Vec<Target>> {
    if given.is_empty() {
        return Err(invalid("targets is required (at least one identifier)."));
    }
    if given.len() > 5 {
        return Err(invalid("At most 5 targets can be called at once."));
    }
    given
        .iter()
        .map(|t| Ok(Target::party(party(state, tenant, t)?)))
        .collect()
}

/// The resource account a call is placed for: by `teamsAppSource`, or by the caller id's owner
/// (403 `7507` when either is not bound to the caller's resource).
fn placed_for(
    state: &AcsState,
    resource: AcsResourceId,
    tenant: TenantId,
    app: Option<&str>,
    caller_id: Option<&str>,
) -> Result<Option<(InstanceId, AppId)>> {
    let mut instance = None;
    if let Some(app) = app {
        let guid = Guid::parse(app).map_err(|_| invalid("teamsAppSource.appId is not a GUID."))?;
        instance = state.directory().read(|d| {
            d.instance(tenant, InstanceId(guid))
                .filter(|i| i.acs_resource == Some(resource))
                .map(|i| (i.id, i.app_id))
        });
        if instance.is_none() {
            return Err(AcsError::new(
                StatusCode::FORBIDDEN,
                "7507",
                "teamsAppSource is not a resource account bound to this ACS resource.",
            ));
        }
    }
    let Some(number) = caller_id else {
        return Ok(instance);
    };
    let e164 =
        E164::parse(number).map_err(|_| invalid("sourceCallerIdNumber is not an E.164 number."))?;
    let owner = state.directory().read(|d| match d.number_owner(&e164) {
        Some(ringside_directory::Account::Instance(i)) if i.acs_resource == Some(resource) => {
            Some((i.id, i.app_id))
        }
        _ => None,
    });
    match owner {
        Some(owner) => Ok(instance.or(Some(owner))),
        None => Err(AcsError::new(
            StatusCode::FORBIDDEN,
            "7507",
            "sourceCallerIdNumber is not a number of this ACS resource (a resource account bound to it).",
        )),
    }
}

/// The offered leg an `incomingCallContext` names (opened inside the runtime, which holds the key).
fn offered_leg(
    ctx: &mut DoorCtx<'_, AcsCalls>,
    resource: AcsResourceId,
    token: &str,
) -> Result<LegId> {
    let context = ctx
        .door()
        .open_context(token, ringside_runtime::node::unix_now())
        .ok_or_else(|| invalid("incomingCallContext is not valid (or has expired)."))?;
    if context.resource != resource.to_string() {
        return Err(invalid(
            "incomingCallContext belongs to another ACS resource.",
        ));
    }
    connection_id(&context.leg)
}

/// `POST /calling/callConnections:answer`: 200 CallConnectionProperties. `transcriptionOptions`
/// are checked ([`transcription_options`]); `answeredBy` and `callIntelligenceOptions` are not used
/// (nor refused when malformed).
pub(super) async fn answer_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Extension(shape): Extension<EventShape>,
    bytes: Bytes,
) -> Result<Response> {
    let body = Body::read(&bytes)?;
    let request: AnswerCallRequest = body.parse(&[
        "answeredBy",
        "transcriptionOptions",
        "callIntelligenceOptions",
    ])?;
    let transcription = transcription_options(&state, &body).await?;
    let streaming_options = media_streaming_options(request.media_streaming_options.as_ref())?;
    let token = required(request.incoming_call_context, "incomingCallContext")?;
    let resource = caller.resource;
    let callback = callback_uri(request.callback_uri, "callbackUri")?;
    let context = request.operation_context;
    let value = run(&state, move |ctx| {
        let leg = offered_leg(ctx, resource, &token)?;
        let offer = ctx.door().offers.get(&leg).cloned().ok_or_else(|| {
            AcsError::new(
                StatusCode::BAD_REQUEST,
                "8501",
                "The call is no longer ringing.",
            )
        })?;
        let answered_for = match &offer.callee {
            Party::ApplicationInstance { instance, .. } => ctx.directory().read(|d| {
                d.number_of(instance.guid())
                    .map(|n| n.number.as_str().to_string())
            }),
            _ => None,
        };
        // The table row first: the engine's events about the answer are rendered after this closure.
        let call = AcsCall {
            state: LegState::Incoming,
            source: identifier(&offer.caller),
            targets: vec![identifier(&offer.callee)],
            answered_for,
            setup_context: context,
            streaming: streaming(streaming_options),
            transcription,
            shape,
            ..AcsCall::new(
                leg,
                offer.conversation,
                offer.resource,
                offer.tenant,
                callback,
            )
        };
        ctx.door().insert(call);
        ctx.command(Command::Answer { leg }).map_err(|e| {
            ctx.door().calls.remove(&leg);
            engine_error(e)
        })?;
        ctx.door().offers.remove(&leg);
        let call = ctx.door().calls.get_mut(&leg).ok_or_else(not_found)?;
        call.state = LegState::Establishing;
        Ok(call.properties())
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `POST /calling/callConnections:reject`: 204.
pub(super) async fn reject_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let request: RejectCallRequest = Body::read(&bytes)?.parse(&[])?;
    let token = required(request.incoming_call_context, "incomingCallContext")?;
    let resource = caller.resource;
    let reason = match request.call_reject_reason {
        None | Some(CallRejectReason::None) => RejectReason::None,
        Some(CallRejectReason::Busy) => RejectReason::Busy,
        Some(CallRejectReason::Forbidden) => RejectReason::Forbidden,
        Some(CallRejectReason::Other(other)) => {
            return Err(invalid(format!(
                "callRejectReason '{}' is not none, busy or forbidden.",
                other.to_ascii_lowercase()
            )))
        }
    };
    run(&state, move |ctx| {
        let leg = offered_leg(ctx, resource, &token)?;
        ctx.command(Command::Reject { leg, reason })
            .map_err(engine_error)?;
        ctx.door().offers.remove(&leg);
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /calling/callConnections:redirect`: 204.
pub(super) async fn redirect_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let request: RedirectCallRequest = Body::read(&bytes)?.parse(&["target"])?;
    let token = required(request.incoming_call_context, "incomingCallContext")?;
    let resource = caller.resource;
    let tenant = resource_tenant(&state, caller.resource)?;
    let target = party(&state, tenant, &request.target)?;
    run(&state, move |ctx| {
        let leg = offered_leg(ctx, resource, &token)?;
        ctx.command(Command::Redirect {
            leg,
            targets: vec![target],
            timeout: None,
        })
        .map_err(engine_error)?;
        ctx.door().offers.remove(&leg);
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /calling/callConnections:connect` with a `serverCallId` locator: 200.
/// `transcriptionOptions` are checked ([`transcription_options`]); `callIntelligenceOptions` are not
/// used (nor refused when malformed).
pub(super) async fn connect_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Extension(shape): Extension<EventShape>,
    bytes: Bytes,
) -> Result<Response> {
    let body = Body::read(&bytes)?;
    let request: ConnectRequest = body.parse(&[
        "callLocator",
        "transcriptionOptions",
        "callIntelligenceOptions",
    ])?;
    let transcription = transcription_options(&state, &body).await?;
    let streaming_options = media_streaming_options(request.media_streaming_options.as_ref())?;
    let callback = callback_uri(request.callback_uri, "callbackUri")?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let Some(server_call_id) = request.call_locator.server_call_id else {
        return Err(not_implemented("Connecting by groupCallId or roomId"));
    };
    let conversation = conversation_of(&server_call_id).ok_or_else(not_found)?;
    let context = request.operation_context;
    let resource = caller.resource;
    let bot = bot_for(resource, None);
    let source_party = Party::AcsUser(format!(
        "8:acs:{resource}_{}",
        ringside_runtime::ids::new_guid()
    ));
    let value = run(&state, move |ctx| {
        if ctx
            .conversation(conversation)
            .is_none_or(|c| c.tenant != tenant)
        {
            return Err(not_found());
        }
        let ack = ctx
            .command(Command::Join {
                conversation,
                bot,
                source: source_party.clone(),
            })
            .map_err(engine_error)?;
        let Ack::Call { leg, .. } = ack else {
            return Err(not_found());
        };
        let call = AcsCall {
            source: identifier(&source_party),
            setup_context: context,
            streaming: streaming(streaming_options),
            transcription,
            shape,
            ..AcsCall::new(leg, conversation, resource, tenant, callback)
        };
        let value = call.properties();
        ctx.door().insert(call);
        Ok(value)
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}
