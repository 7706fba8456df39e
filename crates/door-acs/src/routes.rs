//! The Call Automation operations (digest §2): call setup (`createCall`, `:answer`, `:reject`,
//! `:redirect`, `:connect`), the call connection (get, hang up, `:terminate`,
//! `:transferToParticipant`), participants (list, get, `:add`, `:remove`, `:mute`,
//! `:cancelAddParticipant`) and call media (`:play`, `:cancelAllMediaOperations`, `:recognize`
//! for DTMF, continuous DTMF, `:sendDtmfTones`, `:hold`/`:unhold`). Each answers with exactly the
//! success status the SDKs expect and errors in the ACS envelope with the subcode as `code`
//! (404 `8522` unknown call, 400 `8523` invalid argument, 400 `8501` not valid in this state,
//! 409 `8519` conflict, 405 `8520` not implemented).
//!
//! Media streaming: `mediaStreamingOptions` on create/answer/connect and `:startMediaStreaming`/
//! `:stopMediaStreaming` (202) run through `media_streaming.rs` and the streaming service.
//!
//! Not implemented (405 `8520`, saying so): transcription — no speech engine is attached to ACS
//! calls yet; text/SSML play sources and
//! speech/choice recognition — no TTS or speech engine. `moveHere` likewise.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ringside_engine::{
    Ack, BotIdentity, Command, EngineError, LegId, MediaRef, RecognizeOptions, RejectReason, Target,
};
use ringside_model::{AcsResourceId, AppId, Guid, InstanceId, Party, TenantId, UserId, E164};
use serde_json::{json, Map, Value};

use super::auth::AcsCaller;
use super::calls::{self, AcsCall, AcsCalls, PendingOp};
use super::error::AcsError;
use super::AcsState;
use ringside_runtime::door::DoorCtx;

/// The routes (behind the door's guard).
pub(crate) fn routes() -> Router<AcsState> {
    Router::new()
        .route("/calling/callConnections", post(create_call))
        .route("/calling/callConnections:answer", post(answer_call))
        .route("/calling/callConnections:reject", post(reject_call))
        .route("/calling/callConnections:redirect", post(redirect_call))
        .route("/calling/callConnections:connect", post(connect_call))
        .route(
            "/calling/callConnections/{segment}",
            get(get_call).delete(hang_up).post(connection_action),
        )
        .route(
            "/calling/callConnections/{id}/{segment}",
            get(list_participants).post(participants_action),
        )
        .route(
            "/calling/callConnections/{id}/participants/{raw}",
            get(get_participant),
        )
}

pub(super) type Result<T> = std::result::Result<T, AcsError>;

/// `mediaStreamingOptions`, if given (400 when invalid).
fn media_streaming_options(
    map: &Map<String, Value>,
) -> Result<Option<crate::media_streaming::StreamingOptions>> {
    match field(map, "mediaStreamingOptions") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => crate::media_streaming::parse_options(value)
            .map(Some)
            .map_err(invalid),
    }
}

pub(super) fn invalid(message: impl Into<String>) -> AcsError {
    AcsError::new(StatusCode::BAD_REQUEST, "8523", message)
}

pub(super) fn not_found() -> AcsError {
    AcsError::new(StatusCode::NOT_FOUND, "8522", "Call not found.")
}

pub(super) fn not_implemented(what: &str) -> AcsError {
    AcsError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "8520",
        format!("{what} is not supported by this server."),
    )
}

fn engine_error(error: EngineError) -> AcsError {
    let message = error.to_string();
    match error {
        EngineError::UnknownConversation(_)
        | EngineError::UnknownLeg(_)
        | EngineError::UnknownOperation(_)
        | EngineError::LegTerminated(_) => not_found(),
        EngineError::InvalidState { .. } => AcsError::new(
            StatusCode::BAD_REQUEST,
            "8501",
            format!("Action is not valid in the current call state: {message}."),
        ),
        EngineError::Conflict(_) => AcsError::new(StatusCode::CONFLICT, "8519", message),
        EngineError::NotSupported(_) => {
            AcsError::new(StatusCode::METHOD_NOT_ALLOWED, "8520", message)
        }
        EngineError::InvalidArgument(_)
        | EngineError::WrongEndpoint { .. }
        | EngineError::NotInConversation { .. } => invalid(message),
    }
}

pub(super) async fn run<T: Send + 'static>(
    state: &AcsState,
    f: impl FnOnce(&mut DoorCtx<'_, AcsCalls>) -> Result<T> + Send + 'static,
) -> Result<T> {
    state.calls().exec(f).await.map_err(|error| match error {
        ringside_runtime::CallError::Busy => AcsError::too_many_requests(1),
        _ => AcsError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The call runtime is not available.",
        ),
    })?
}

pub(super) fn body(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("The request body must be a JSON object.")),
        Err(error) => Err(invalid(format!(
            "The request body is not valid JSON: {error}."
        ))),
    }
}

pub(super) fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

pub(super) fn string(map: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match field(map, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string."))),
    }
}

fn required(map: &Map<String, Value>, name: &str) -> Result<String> {
    string(map, name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("{name} is required.")))
}

fn callback_uri(map: &Map<String, Value>, name: &str) -> Result<String> {
    let uri = required(map, name)?;
    ringside_directory::validate::https_url(name, &uri)
        .map(|()| uri.clone())
        .map_err(|_| {
            invalid(format!(
                "{name} must be an https URL (http only for loopback hosts)."
            ))
        })
}

pub(super) fn optional_callback(map: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match field(map, name) {
        None => Ok(None),
        Some(_) => callback_uri(map, name).map(Some),
    }
}

pub(super) fn connection_id(text: &str) -> Result<LegId> {
    Guid::parse(text.trim()).map(LegId).map_err(|_| not_found())
}

/// The rawId of a CommunicationIdentifierModel: its `rawId`, else built from the sub-object (the
/// Python SDK never sends `kind`; JS leaves `rawId` out in some places).
pub(super) fn raw_id_of(value: &Value) -> Option<String> {
    let from = |pointer: &str, prefix: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(|v| format!("{prefix}{v}"))
    };
    value
        .get("rawId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| from("/phoneNumber/value", "4:"))
        .or_else(|| from("/communicationUser/id", ""))
        .or_else(|| from("/microsoftTeamsUser/userId", "8:orgid:"))
        .or_else(|| from("/microsoftTeamsApp/appId", "28:orgid:"))
}

/// A party from a CommunicationIdentifierModel: keyed by `rawId`, else by the sub-object.
fn party(state: &AcsState, tenant: TenantId, value: &Value) -> Result<Party> {
    let raw = raw_id_of(value)
        .ok_or_else(|| invalid("An identifier needs a rawId or a known sub-object."))?;
    party_from_raw(state, tenant, &raw, value)
}

fn party_from_raw(state: &AcsState, tenant: TenantId, raw: &str, value: &Value) -> Result<Party> {
    let lower = raw.to_ascii_lowercase();
    if let Some(number) = raw.strip_prefix("4:") {
        return E164::parse(number.split('_').next().unwrap_or(number))
            .map(Party::Phone)
            .map_err(|_| invalid(format!("'{raw}' is not an E.164 phone number.")));
    }
    for prefix in ["8:orgid:", "8:gcch:", "8:dod:"] {
        if lower.starts_with(prefix) {
            let id = &raw[prefix.len()..];
            return Guid::parse(id)
                .map(|g| Party::User {
                    tenant,
                    user: UserId(g),
                })
                .map_err(|_| invalid(format!("'{raw}' is not a Teams user id.")));
        }
    }
    for prefix in ["28:orgid:", "28:gcch:", "28:dod:"] {
        if lower.starts_with(prefix) {
            let guid = Guid::parse(&raw[prefix.len()..]).map_err(|_| {
                invalid(format!(
                    "'{raw}' is not a Teams app or resource account id."
                ))
            })?;
            let instance = state
                .directory()
                .read(|d| d.instance(tenant, InstanceId(guid)).is_some());
            return Ok(if instance {
                Party::ApplicationInstance {
                    tenant,
                    instance: InstanceId(guid),
                }
            } else {
                Party::Application { app: AppId(guid) }
            });
        }
    }
    if lower.starts_with("8:acs:")
        || lower.starts_with("8:gcch-acs:")
        || lower.starts_with("8:dod-acs:")
        || lower.starts_with("8:spool:")
    {
        // A Teams extension user (resourceId_tenantId_userId) is the Teams user it names.
        if let Some(user) = value
            .pointer("/teamsExtensionUser/userId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                let suffix = raw.split_once("acs:").map(|(_, s)| s)?;
                let parts: Vec<&str> = suffix.split('_').collect();
                (parts.len() == 3).then(|| parts[2].to_string())
            })
        {
            if let Ok(g) = Guid::parse(&user) {
                return Ok(Party::User {
                    tenant,
                    user: UserId(g),
                });
            }
        }
        return Ok(Party::AcsUser(raw.to_string()));
    }
    Err(invalid(format!(
        "'{raw}' is not an identifier this server routes."
    )))
}

fn resource_tenant(state: &AcsState, resource: AcsResourceId) -> Result<TenantId> {
    state
        .directory()
        .read(|d| d.acs_resource(resource).map(|r| r.tenant))
        .ok_or_else(|| AcsError::unauthorized("The ACS resource no longer exists."))
}

/// The connection of the caller's resource that is still live.
pub(super) fn live<'a>(
    ctx: &'a mut DoorCtx<'_, AcsCalls>,
    resource: AcsResourceId,
    id: LegId,
) -> Result<&'a mut AcsCall> {
    let call = ctx.door().visible(resource, id).ok_or_else(not_found)?;
    if call.state.is_terminated() {
        return Err(not_found());
    }
    Ok(call)
}

fn properties(call: &AcsCall) -> Value {
    call.properties()
}

fn bot_for(resource: AcsResourceId, instance: Option<(InstanceId, AppId)>) -> BotIdentity {
    BotIdentity {
        app: instance.map_or(AppId(resource.guid()), |(_, app)| app),
        instance: instance.map(|(i, _)| i),
        keep_alive: false,
    }
}

// ---- call setup -------------------------------------------------------------------------------

/// `POST /calling/callConnections`: 201 CallConnectionProperties.
async fn create_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let map = body(&bytes)?;
    let streaming_options = media_streaming_options(&map)?;
    let callback = callback_uri(&map, "callbackUri")?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let targets_in = match field(&map, "targets") {
        Some(Value::Array(list)) if !list.is_empty() => list.clone(),
        _ => return Err(invalid("targets is required (at least one identifier).")),
    };
    if targets_in.len() > 5 {
        return Err(invalid("At most 5 targets can be called at once."));
    }
    let mut targets = Vec::new();
    for t in &targets_in {
        targets.push(Target::party(party(&state, tenant, t)?));
    }
    let caller_id = field(&map, "sourceCallerIdNumber")
        .and_then(|v| v.get("value"))
        .and_then(Value::as_str)
        .map(str::to_string);
    // The resource account the call is placed for: by teamsAppSource, or by the caller id's owner.
    let mut instance = None;
    if let Some(app) = field(&map, "teamsAppSource")
        .and_then(|v| v.get("appId"))
        .and_then(Value::as_str)
    {
        let guid = Guid::parse(app).map_err(|_| invalid("teamsAppSource.appId is not a GUID."))?;
        instance = state.directory().read(|d| {
            d.instance(tenant, InstanceId(guid))
                .filter(|i| i.acs_resource == Some(caller.resource))
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
    if let Some(number) = &caller_id {
        let e164 = E164::parse(number)
            .map_err(|_| invalid("sourceCallerIdNumber is not an E.164 number."))?;
        let owner = state.directory().read(|d| match d.number_owner(&e164) {
            Some(ringside_directory::Account::Instance(i))
                if i.acs_resource == Some(caller.resource) =>
            {
                Some((i.id, i.app_id))
            }
            _ => None,
        });
        match owner {
            Some(owner) => instance = instance.or(Some(owner)),
            None => return Err(AcsError::new(StatusCode::FORBIDDEN, "7507", "sourceCallerIdNumber is not a number of this ACS resource (a resource account bound to it).")),
        }
    }
    if targets.iter().any(|t| matches!(t.party, Party::Phone(_))) && caller_id.is_none() {
        return Err(invalid(
            "sourceCallerIdNumber is required to call a phone number.",
        ));
    }
    let source_party = match (
        instance,
        field(&map, "source")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str),
    ) {
        (Some((id, _)), _) => Party::ApplicationInstance {
            tenant,
            instance: id,
        },
        (None, Some(id)) => Party::AcsUser(id.to_string()),
        (None, None) => Party::AcsUser(format!(
            "8:acs:{}_{}",
            caller.resource,
            ringside_runtime::ids::new_guid()
        )),
    };
    let source = calls::render_source(&source_party);
    let display = string(&map, "sourceDisplayName")?;
    let context = string(&map, "operationContext")?;
    let group = targets.len() > 1;
    let resource = caller.resource;
    let bot = bot_for(resource, instance);
    let custom = match field(&map, "customCallingContext") {
        None => Default::default(),
        Some(value) => ringside_runtime::headers::CallHeaders::parse(value)
            .map_err(|e| invalid(format!("customCallingContext: {e}.")))?,
    };
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
            id: leg,
            conversation,
            resource,
            tenant,
            callback_uri: callback,
            state: ringside_engine::LegState::Establishing,
            source,
            targets: targets_in,
            source_caller_id: caller_id,
            source_display_name: display,
            answered_for: None,
            setup_context: context,
            connected: false,
            ops: Default::default(),
            continuous_dtmf: false,
            streaming: crate::media_streaming::CallStreaming {
                options: streaming_options.clone(),
                ..Default::default()
            },
        };
        let value = properties(&call);
        ctx.door().insert(call);
        Ok(value)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(value)).into_response())
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

/// `POST /calling/callConnections:answer`: 200 CallConnectionProperties.
async fn answer_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let map = body(&bytes)?;
    let streaming_options = media_streaming_options(&map)?;
    let token = required(&map, "incomingCallContext")?;
    let resource = caller.resource;
    let callback = callback_uri(&map, "callbackUri")?;
    let context = string(&map, "operationContext")?;
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
            id: leg,
            conversation: offer.conversation,
            resource: offer.resource,
            tenant: offer.tenant,
            callback_uri: callback,
            state: ringside_engine::LegState::Incoming,
            source: calls::render_source(&offer.caller),
            targets: vec![calls::render_source(&offer.callee)],
            source_caller_id: None,
            source_display_name: None,
            answered_for,
            setup_context: context,
            connected: false,
            ops: Default::default(),
            continuous_dtmf: false,
            streaming: crate::media_streaming::CallStreaming {
                options: streaming_options.clone(),
                ..Default::default()
            },
        };
        ctx.door().insert(call);
        ctx.command(Command::Answer { leg }).map_err(|e| {
            ctx.door().calls.remove(&leg);
            engine_error(e)
        })?;
        ctx.door().offers.remove(&leg);
        let call = ctx.door().calls.get_mut(&leg).ok_or_else(not_found)?;
        call.state = ringside_engine::LegState::Establishing;
        Ok(properties(call))
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `POST /calling/callConnections:reject`: 204.
async fn reject_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let map = body(&bytes)?;
    let token = required(&map, "incomingCallContext")?;
    let resource = caller.resource;
    let reason = match string(&map, "callRejectReason")?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("none") => RejectReason::None,
        Some("busy") => RejectReason::Busy,
        Some("forbidden") => RejectReason::Forbidden,
        Some(other) => {
            return Err(invalid(format!(
                "callRejectReason '{other}' is not none, busy or forbidden."
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
async fn redirect_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let map = body(&bytes)?;
    let token = required(&map, "incomingCallContext")?;
    let resource = caller.resource;
    let tenant = resource_tenant(&state, caller.resource)?;
    let target = field(&map, "target").ok_or_else(|| invalid("target is required."))?;
    let target = party(&state, tenant, target)?;
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
async fn connect_call(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    bytes: Bytes,
) -> Result<Response> {
    let map = body(&bytes)?;
    let streaming_options = media_streaming_options(&map)?;
    let callback = callback_uri(&map, "callbackUri")?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let locator = field(&map, "callLocator").ok_or_else(|| invalid("callLocator is required."))?;
    let Some(server_call_id) = locator.get("serverCallId").and_then(Value::as_str) else {
        return Err(not_implemented("Connecting by groupCallId or roomId"));
    };
    let conversation = calls::conversation_of(server_call_id).ok_or_else(not_found)?;
    let context = string(&map, "operationContext")?;
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
            id: leg,
            conversation,
            resource,
            tenant,
            callback_uri: callback,
            state: ringside_engine::LegState::Establishing,
            source: calls::render_source(&source_party),
            targets: Vec::new(),
            source_caller_id: None,
            source_display_name: None,
            answered_for: None,
            setup_context: context,
            connected: false,
            ops: Default::default(),
            continuous_dtmf: false,
            streaming: crate::media_streaming::CallStreaming {
                options: streaming_options.clone(),
                ..Default::default()
            },
        };
        let value = properties(&call);
        ctx.door().insert(call);
        Ok(value)
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

// ---- the connection -----------------------------------------------------------------------------

/// `GET /calling/callConnections/{id}`.
async fn get_call(
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
        Ok(properties(live(ctx, caller.resource, id)?))
    })
    .await?;
    Ok((StatusCode::OK, Json(value)).into_response())
}

/// `DELETE /calling/callConnections/{id}`: the bot leaves; 204.
async fn hang_up(
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

fn remember(ctx: &mut DoorCtx<'_, AcsCalls>, leg: LegId, ack: &Ack, op: PendingOp) {
    if let Some(operation) = ack.operation() {
        if let Some(call) = ctx.door().calls.get_mut(&leg) {
            call.ops.insert(operation.id, op);
        }
    }
}

fn pending(map: &Map<String, Value>, participant: Option<Value>) -> Result<PendingOp> {
    Ok(PendingOp {
        context: string(map, "operationContext")?.unwrap_or_default(),
        callback: optional_callback(map, "operationCallbackUri")?,
        participant,
    })
}

/// The participant leg an identifier names in the connection's conversation.
fn participant_leg(ctx: &DoorCtx<'_, AcsCalls>, call: &AcsCall, who: &Party) -> Result<LegId> {
    ctx.participants(call.conversation)
        .map_err(engine_error)?
        .into_iter()
        .find(|p| &p.party == who && p.leg != call.id)
        .map(|p| p.leg)
        .ok_or_else(|| {
            AcsError::new(
                StatusCode::NOT_FOUND,
                "8522",
                "The participant is not in the call.",
            )
        })
}

fn file_sources(map: &Map<String, Value>, name: &str) -> Result<Vec<MediaRef>> {
    let sources: Vec<Value> = match field(map, name) {
        None => Vec::new(),
        Some(Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
    };
    let mut refs = Vec::new();
    for source in sources {
        let kind = source
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("file")
            .to_ascii_lowercase();
        if kind != "file" {
            return Err(not_implemented(
                "Text and SSML play sources (no text-to-speech engine is configured)",
            ));
        }
        let uri = source
            .pointer("/file/uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("A file play source needs file.uri."))?;
        refs.push(MediaRef {
            uri: uri.to_string(),
            cache_key: source
                .get("playSourceCacheId")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    Ok(refs)
}

/// `POST /calling/callConnections/{id}:<action>`.
async fn connection_action(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
    bytes: Bytes,
) -> Result<Response> {
    let (id, action) = segment.split_once(':').ok_or_else(|| {
        AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "POST needs an action (…/{callConnectionId}:<action>).",
        )
    })?;
    let id = connection_id(id)?;
    let action = action.to_string();
    let map = body(&bytes)?;
    let resource = caller.resource;
    let tenant = resource_tenant(&state, resource)?;
    match action.as_str() {
        "terminate" => {
            run(&state, move |ctx| {
                live(ctx, resource, id)?;
                ctx.command(Command::Terminate { leg: id })
                    .map_err(engine_error)?;
                Ok(())
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        "transferToParticipant" => {
            let target = party(
                &state,
                tenant,
                field(&map, "targetParticipant")
                    .ok_or_else(|| invalid("targetParticipant is required."))?,
            )?;
            let transferee = match field(&map, "transferee") {
                Some(v) => Some(party(&state, tenant, v)?),
                None => None,
            };
            let op = pending(&map, None)?;
            let context = op.context.clone();
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
                        client_context: op.context.clone(),
                    })
                    .map_err(engine_error)?;
                remember(ctx, id, &ack, op);
                Ok(())
            })
            .await?;
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"operationContext": context})),
            )
                .into_response())
        }
        "play" => {
            let prompts = file_sources(&map, "playSources")?;
            if prompts.is_empty() {
                return Err(invalid("playSources needs at least one file source."));
            }
            let audience_in: Vec<Value> = match field(&map, "playTo") {
                Some(Value::Array(list)) => list.clone(),
                _ => Vec::new(),
            };
            let mut audience_parties = Vec::new();
            for who in &audience_in {
                audience_parties.push(party(&state, tenant, who)?);
            }
            state.calls().prefetch(&prompts).await;
            let looped = field(&map, "playOptions")
                .and_then(|o| o.get("loop"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let barge_in = field(&map, "interruptCallMediaOperation")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let op = pending(&map, None)?;
            run(&state, move |ctx| {
                let call = live(ctx, resource, id)?.clone();
                let mut audience = Vec::new();
                for p in &audience_parties {
                    audience.push(participant_leg(ctx, &call, p)?);
                }
                let ack = ctx
                    .command(Command::PlayPrompt { leg: id, prompts, audience, looped, barge_in, client_context: op.context.clone() })
                    .map_err(engine_error)?;
                if ack.operation().is_some() {
                    let context = op.context.clone();
                    ctx.door().callback(id, "PlayStarted", json!({"operationContext": context, "resultInformation": calls::result(200, 0, "Action completed successfully.")}), op.callback.as_deref());
                }
                remember(ctx, id, &ack, op);
                Ok(())
            })
            .await?;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        "cancelAllMediaOperations" => {
            run(&state, move |ctx| {
                live(ctx, resource, id)?;
                ctx.command(Command::CancelMediaProcessing {
                    leg: id,
                    client_context: String::new(),
                })
                .map_err(engine_error)?;
                Ok(())
            })
            .await?;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        "recognize" => {
            let kind = string(&map, "recognizeInputType")?
                .unwrap_or_default()
                .to_ascii_lowercase();
            if kind != "dtmf" {
                return Err(not_implemented(
                    "Speech and choice recognition (no speech engine is configured)",
                ));
            }
            let options = field(&map, "recognizeOptions")
                .cloned()
                .unwrap_or(json!({}));
            let target = party(
                &state,
                tenant,
                options
                    .get("targetParticipant")
                    .ok_or_else(|| invalid("recognizeOptions.targetParticipant is required."))?,
            )?;
            let dtmf = options.get("dtmfOptions").cloned().unwrap_or(json!({}));
            let secs =
                |v: Option<&Value>, default: u64, max: u64, name: &str| -> Result<Duration> {
                    match v.and_then(Value::as_f64) {
                        None => Ok(Duration::from_secs(default)),
                        Some(s) if s > 0.0 && s <= max as f64 => Ok(Duration::from_secs_f64(s)),
                        Some(_) => Err(invalid(format!(
                            "{name} must be between 1 and {max} seconds."
                        ))),
                    }
                };
            let max_tones = match dtmf.get("maxTonesToCollect").and_then(Value::as_u64) {
                None => 1,
                Some(n) if (1..=64).contains(&n) => n as usize,
                Some(_) => return Err(invalid("maxTonesToCollect must be between 1 and 64.")),
            };
            let mut stop_tones = Vec::new();
            for t in dtmf
                .get("stopTones")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                stop_tones.push(
                    t.as_str()
                        .and_then(calls::tone_from_name)
                        .ok_or_else(|| invalid(format!("'{t}' is not a DTMF tone.")))?,
                );
            }
            let mut prompt_map = Map::new();
            if let Some(p) = field(&map, "playPrompts").or_else(|| field(&map, "playPrompt")) {
                prompt_map.insert("p".into(), p.clone());
            }
            let prompts = file_sources(&prompt_map, "p")?;
            state.calls().prefetch(&prompts).await;
            let recognize = RecognizeOptions {
                prompts,
                interrupt_prompt: options
                    .get("interruptPrompt")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                initial_silence: secs(
                    options.get("initialSilenceTimeoutInSeconds"),
                    5,
                    300,
                    "initialSilenceTimeoutInSeconds",
                )?,
                inter_tone: secs(
                    dtmf.get("interToneTimeoutInSeconds"),
                    2,
                    60,
                    "interToneTimeoutInSeconds",
                )?,
                max_tones,
                stop_tones,
            };
            let barge_in = field(&map, "interruptCallMediaOperation")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let op = pending(&map, None)?;
            run(&state, move |ctx| {
                let call = live(ctx, resource, id)?.clone();
                let target = participant_leg(ctx, &call, &target)?;
                let ack = ctx
                    .command(Command::Recognize {
                        leg: id,
                        target,
                        options: recognize,
                        barge_in,
                        client_context: op.context.clone(),
                    })
                    .map_err(engine_error)?;
                remember(ctx, id, &ack, op);
                Ok(())
            })
            .await?;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        "startContinuousDtmfRecognition" | "stopContinuousDtmfRecognition" => {
            let start = action == "startContinuousDtmfRecognition";
            let target = party(
                &state,
                tenant,
                field(&map, "targetParticipant")
                    .ok_or_else(|| invalid("targetParticipant is required."))?,
            )?;
            let op = pending(&map, None)?;
            run(&state, move |ctx| {
                let call = live(ctx, resource, id)?.clone();
                let target = participant_leg(ctx, &call, &target)?;
                let command = if start {
                    Command::SubscribeToTone {
                        leg: id,
                        source: Some(target),
                        client_context: op.context.clone(),
                    }
                } else {
                    Command::UnsubscribeFromTone {
                        leg: id,
                        client_context: op.context.clone(),
                    }
                };
                let ack = ctx.command(command).map_err(engine_error)?;
                if let Some(call) = ctx.door().calls.get_mut(&id) {
                    call.continuous_dtmf = start;
                }
                if !start {
                    remember(ctx, id, &ack, op);
                }
                Ok(())
            })
            .await?;
            Ok(StatusCode::OK.into_response())
        }
        "sendDtmfTones" => {
            let tones_in = field(&map, "tones")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if tones_in.is_empty() || tones_in.len() > 18 {
                return Err(invalid("tones must hold 1 to 18 DTMF tones."));
            }
            let mut tones = Vec::new();
            for t in &tones_in {
                tones.push(
                    t.as_str()
                        .and_then(calls::tone_from_name)
                        .ok_or_else(|| invalid(format!("'{t}' is not a DTMF tone.")))?,
                );
            }
            let target = party(
                &state,
                tenant,
                field(&map, "targetParticipant")
                    .ok_or_else(|| invalid("targetParticipant is required."))?,
            )?;
            let op = pending(&map, None)?;
            let context = op.context.clone();
            run(&state, move |ctx| {
                let call = live(ctx, resource, id)?.clone();
                participant_leg(ctx, &call, &target)?;
                let ack = ctx
                    .command(Command::SendDtmf {
                        leg: id,
                        tones,
                        delay_between: Duration::from_millis(100),
                        client_context: op.context.clone(),
                    })
                    .map_err(engine_error)?;
                remember(ctx, id, &ack, op);
                Ok(())
            })
            .await?;
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"operationContext": context})),
            )
                .into_response())
        }
        "hold" | "unhold" => {
            let hold = action == "hold";
            let target = party(
                &state,
                tenant,
                field(&map, "targetParticipant")
                    .ok_or_else(|| invalid("targetParticipant is required."))?,
            )?;
            let mut music_map = Map::new();
            if let Some(source) = field(&map, "playSourceInfo") {
                music_map.insert("s".into(), source.clone());
            }
            let music = file_sources(&music_map, "s")?.into_iter().next();
            if let Some(music) = &music {
                state.calls().prefetch(std::slice::from_ref(music)).await;
            }
            let op = pending(&map, None)?;
            run(&state, move |ctx| {
                let call = live(ctx, resource, id)?.clone();
                let participant = participant_leg(ctx, &call, &target)?;
                let command = if hold {
                    Command::Hold {
                        leg: id,
                        participant,
                        music,
                        client_context: op.context.clone(),
                    }
                } else {
                    Command::Unhold {
                        leg: id,
                        participant,
                        client_context: op.context.clone(),
                    }
                };
                ctx.command(command).map_err(engine_error)?;
                Ok(())
            })
            .await?;
            Ok(StatusCode::OK.into_response())
        }
        "startMediaStreaming" | "stopMediaStreaming" => {
            let op = pending(&map, None)?;
            let start = action == "startMediaStreaming";
            run(&state, move |ctx| {
                let conversation = live(ctx, resource, id)?.conversation;
                let roster = ctx.participants(conversation).unwrap_or_default();
                let names = ctx.door().raw_names(&roster);
                let acs = &mut ctx.door();
                let Some(media) = acs.media.as_ref() else {
                    return Err(not_implemented("Media streaming"));
                };
                let call = acs.calls.get_mut(&id).ok_or_else(not_found)?;
                if start {
                    if call.streaming.options.is_none() {
                        return Err(invalid(
                            "The call was not set up with mediaStreamingOptions.",
                        ));
                    }
                    if call.streaming.stream.is_some() {
                        return Err(AcsError::new(
                            StatusCode::BAD_REQUEST,
                            "8583",
                            "Media streaming is already started.",
                        ));
                    }
                    call.streaming.context = Some(op.context.clone()).filter(|c| !c.is_empty());
                    call.streaming.callback = op.callback.clone();
                    if let Err(message) = media.start(call, names.into_iter().collect()) {
                        let callback = call.streaming.callback.take();
                        acs.streaming_refused(id, &message, callback.as_deref());
                    }
                } else {
                    if call.streaming.stream.is_none() {
                        return Err(AcsError::new(
                            StatusCode::BAD_REQUEST,
                            "8583",
                            "Media streaming is not started.",
                        ));
                    }
                    call.streaming.context = Some(op.context.clone()).filter(|c| !c.is_empty());
                    call.streaming.callback = op.callback.clone();
                    media.stop(call, "stopMediaStreaming");
                }
                Ok(())
            })
            .await?;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        "startTranscription" | "stopTranscription" | "updateTranscription" => Err(not_implemented(
            "Transcription (no speech engine is configured)",
        )),
        other => Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{other}' is not a call connection action."),
        )),
    }
}

// ---- participants ------------------------------------------------------------------------------

/// `GET /calling/callConnections/{id}/participants`.
async fn list_participants(
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
async fn get_participant(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path((id, raw)): Path<(String, String)>,
) -> Result<Response> {
    let id = connection_id(&id)?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let who = party_from_raw(&state, tenant, &raw, &Value::Null)?;
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

/// `POST /calling/callConnections/{id}/participants:<action>`.
async fn participants_action(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path((id, segment)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response> {
    let Some(action) = segment.strip_prefix("participants:") else {
        return Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{segment}' is not a participants action."),
        ));
    };
    let action = action.to_string();
    let id = connection_id(&id)?;
    let map = body(&bytes)?;
    let resource = caller.resource;
    let tenant = resource_tenant(&state, resource)?;
    match action.as_str() {
        "add" => {
            let raw = field(&map, "participantToAdd")
                .ok_or_else(|| invalid("participantToAdd is required."))?
                .clone();
            let who = party(&state, tenant, &raw)?;
            let extension = calls::teams_extension_identifier(
                raw.get("rawId").and_then(Value::as_str).unwrap_or(""),
                &raw,
            );
            let timeout = match field(&map, "invitationTimeoutInSeconds").and_then(Value::as_u64) {
                None => None,
                Some(s) if s <= 180 => Some(Duration::from_secs(s.max(1))),
                Some(_) => return Err(invalid("invitationTimeoutInSeconds must be at most 180.")),
            };
            let rendered = extension
                .clone()
                .unwrap_or_else(|| calls::render_source(&who));
            let op = pending(&map, Some(rendered.clone()))?;
            let context = op.context.clone();
            let invitation = run(&state, move |ctx| {
                live(ctx, resource, id)?;
                let ack = ctx
                    .command(Command::AddParticipants {
                        leg: id,
                        targets: vec![Target::party(who)],
                        timeout,
                        client_context: op.context.clone(),
                    })
                    .map_err(engine_error)?;
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
        "remove" => {
            let raw = field(&map, "participantToRemove")
                .ok_or_else(|| invalid("participantToRemove is required."))?
                .clone();
            let who = party(&state, tenant, &raw)?;
            let op = pending(&map, Some(calls::render_source(&who)))?;
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
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"operationContext": context})),
            )
                .into_response())
        }
        "mute" => {
            let list = field(&map, "targetParticipants")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
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
            let context = string(&map, "operationContext")?.unwrap_or_default();
            let reply = context.clone();
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
            Ok((StatusCode::OK, Json(json!({"operationContext": reply}))).into_response())
        }
        "cancelAddParticipant" => {
            let invitation = required(&map, "invitationId")?;
            let operation = Guid::parse(invitation.trim())
                .map(ringside_engine::OperationId)
                .map_err(|_| AcsError::new(StatusCode::NOT_FOUND, "8522", "No such invitation."))?;
            let op = pending(&map, Some(json!(invitation)))?;
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
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({"invitationId": invitation, "operationContext": context})),
            )
                .into_response())
        }
        "moveHere" => Err(not_implemented("Moving participants between calls")),
        other => Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{other}' is not a participants action."),
        )),
    }
}
