//! Graph service-hosted media operations on a call (`/v1.0` and `/beta`, plain and
//! `microsoft.graph.`-qualified): `playPrompt`, `recordResponse`, `cancelMediaProcessing`,
//! `subscribeToTone` and `sendDtmfTones`, and what their completion notifications add
//! ([`complete`]: `recordingLocation`/`recordingAccessToken`, `completionReason`).
//!
//! Prompts (`mediaInfo.uri`) must be https (http to loopback in dev mode) or name an upload
//! (`/ringside/v1/media/{id}`); anything else is a 400. The route downloads and decodes each prompt
//! *before* it queues the operation (cached by `resourceId`, namespaced per tenant and app, and by
//! URI; see [`ringside_runtime::fetch`]), so the runtime finds it when the engine starts the prompt. A
//! prompt that cannot be fetched (private address, HTTP error, too large, too slow, not a WAV) does
//! not fail the request: the operation is queued and fails when it starts, with
//! `resultInfo 400/8536` "Action failed, file could not be downloaded." in its completion
//! notification, as Graph reports media it cannot download (a recordResponse whose prompt cannot be
//! played fails the same way, `completionReason: playPromptFailed`, instead of recording without
//! it). The reason is logged.
//!
//! Permissions follow the digest (§3.0): `recordResponse` and `subscribeToTone` need
//! `Calls.AccessMedia.All`; `playPrompt`, `cancelMediaProcessing` and `sendDtmfTones` were checked
//! when the call was created or answered. `playPrompt`, `recordResponse` and `subscribeToTone` work
//! only on calls with `serviceHostedMediaConfig`; on an `appHostedMediaConfig` call they are
//! refused with 400 `NotSupported` (the digest names no code for this; Graph's docs only say the
//! actions are service-hosted only).

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{
    Command, LegId, MediaRef, OperationId, OperationStatus, Outcome, RecordOptions,
};
use ringside_graph_wire::{
    CancelMediaProcessingRequest, CommsOperation, MediaConfig, PlayPromptRequest, Prompt,
    RecordResponseRequest, SendDtmfTonesRequest, SubscribeToToneRequest,
};
use ringside_model::{Permission, Tone};
use serde_json::Value;

use super::render;
use super::request::{run, version_of};
use super::table::GraphCalls;
use super::wire;
use crate::openapi::{ActionErrors, ApiRoutes, CALL_ID};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_graph_wire::ClientContextRequest;
use ringside_http::{read_body, ApiError};
use ringside_runtime::door::DoorCtx;
use ringside_runtime::fetch::FetchError;
use ringside_runtime::media_store::upload_id;
use utoipa_axum::routes;

/// Longest `clientContext` Graph accepts.
const MAX_CLIENT_CONTEXT: usize = 256;
/// Most prompts in one playPrompt.
const MAX_PROMPTS: usize = 20;
/// Longest gap between DTMF tones accepted, ms.
const MAX_DTMF_DELAY_MS: i32 = 10_000;

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(play_prompt))
        .route(routes!(record_response))
        .route(routes!(cancel_media_processing))
        .route(routes!(subscribe_to_tone))
        .route(routes!(send_dtmf_tones))
}

// ---- request pieces -------------------------------------------------------------------------

pub(super) fn client_context(value: Option<String>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    if value.chars().count() > MAX_CLIENT_CONTEXT {
        return Err(ApiError::bad_request(format!(
            "clientContext is longer than {MAX_CLIENT_CONTEXT} characters."
        )));
    }
    Ok(value)
}

/// A prompt as an engine media reference: its URI, and its `resourceId` namespaced by tenant and
/// app (so one bot's cache key never resolves another's audio). 400 for URIs that can never be
/// fetched (scheme, syntax, credentials).
pub(super) fn media_ref(
    state: &GraphState,
    caller: &GraphCaller,
    prompt: &Prompt,
) -> Result<MediaRef, ApiError> {
    let info = prompt.media_info();
    let uri = info.uri.trim();
    if uri.is_empty() {
        return Err(ApiError::bad_request("mediaInfo.uri is required."));
    }
    if upload_id(uri).is_none() {
        match state.calls().prompts().policy().check_uri(uri) {
            Ok(_) | Err(FetchError::Refused(_)) => {}
            Err(error) => return Err(ApiError::bad_request(format!("mediaInfo.uri: {error}."))),
        }
    }
    let cache_key = info
        .resource_id
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| format!("{}/{}/{r}", caller.tenant, caller.app));
    Ok(MediaRef {
        uri: uri.to_string(),
        cache_key,
    })
}

/// Fetches `serviceHostedMediaConfig.preFetchMedia` in the background (called by create and
/// answer), so later prompts naming the same `resourceId` or URI start without a download.
pub(crate) fn prefetch_config(state: &GraphState, caller: &GraphCaller, config: &MediaConfig) {
    let MediaConfig::ServiceHosted(service) = config else {
        return;
    };
    let media: Vec<MediaRef> = service
        .pre_fetch_media
        .iter()
        .flatten()
        .filter_map(|info| media_ref(state, caller, &Prompt::from(info.clone())).ok())
        .collect();
    if media.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move { state.calls().prefetch(&media).await });
}

/// The call must use service-hosted media.
fn service_hosted(config: Option<&MediaConfig>, action: &str) -> Result<(), ApiError> {
    if matches!(config, Some(MediaConfig::AppHosted(_))) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NotSupported",
            format!(
                "{action} is only supported on calls with serviceHostedMediaConfig; this call uses appHostedMediaConfig."
            ),
        ));
    }
    Ok(())
}

/// A stop tone or DTMF key: `"#"`, `"1"`, `"*"`, or a `tone` name (`pound`, `tone1`).
fn tone(text: &str) -> Result<Tone, ApiError> {
    let trimmed = text.trim();
    let mut chars = trimmed.chars();
    let parsed = match (chars.next(), chars.next()) {
        (Some(c), None) => Tone::from_char(c).ok(),
        _ => {
            ringside_graph_wire::Tone::from_wire(&trimmed.to_ascii_lowercase()).and_then(
                |t| match t.to_char() {
                    Some(c) => Tone::from_char(c).ok(),
                    None => Some(Tone::Flash),
                },
            )
        }
    };
    parsed.ok_or_else(|| {
        ApiError::bad_request(format!(
            "'{}' is not a DTMF tone (0-9, *, #, A-D, or tone0…tone9, star, pound, a…d, flash).",
            ringside_directory::validate::clip(text)
        ))
    })
}

fn wire_to_model(tone: ringside_graph_wire::Tone) -> Tone {
    match tone.to_char().and_then(|c| Tone::from_char(c).ok()) {
        Some(tone) => tone,
        None => Tone::Flash,
    }
}

/// A boolean parameter read case-insensitively from the raw body (for parameters the wire type
/// does not carry, such as playPrompt's `loop`).
fn raw_bool(bytes: &[u8], name: &str) -> Result<Option<bool>, ApiError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(None);
    };
    match map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::Bool(b))) => Ok(Some(*b)),
        Some((key, _)) => Err(ApiError::bad_request(format!("{key} must be a boolean."))),
    }
}

// ---- running an operation -------------------------------------------------------------------

/// Issues the command for the caller's call and renders the operation: stored for
/// `GET …/operations/{id}`, marked quiet when already final, answered 200 with `Location`.
fn start_operation(
    ctx: &mut DoorCtx<'_, GraphCalls>,
    caller: &GraphCaller,
    leg: LegId,
    service_hosted_only: Option<&str>,
    command: Command,
    location: impl FnOnce(OperationId) -> String,
    context: String,
) -> Result<Response, ApiError> {
    start_operation_with(
        ctx,
        caller,
        leg,
        service_hosted_only,
        command,
        location,
        context,
        |_| {},
    )
}

/// [`start_operation`], letting `decorate` add subtype members (an invite's `participants`) to
/// the operation before it is stored and returned.
#[allow(clippy::too_many_arguments)]
pub(super) fn start_operation_with(
    ctx: &mut DoorCtx<'_, GraphCalls>,
    caller: &GraphCaller,
    leg: LegId,
    service_hosted_only: Option<&str>,
    command: Command,
    location: impl FnOnce(OperationId) -> String,
    context: String,
    decorate: impl FnOnce(&mut CommsOperation),
) -> Result<Response, ApiError> {
    let call = ctx.door().owned(caller, leg)?;
    if let Some(action) = service_hosted_only {
        service_hosted(call.media_config.as_ref(), action)?;
    }
    let ack = ctx.command(command).map_err(wire::engine_error)?;
    let info = ack
        .operation()
        .cloned()
        .ok_or_else(|| ApiError::internal("the engine created no operation"))?;
    let final_result = match info.status {
        OperationStatus::Completed => Some(crate::codes::outcome(Outcome::Success)),
        _ => None,
    };
    let mut op = render::operation(
        info.kind,
        info.id,
        &info.client_context,
        info.status,
        final_result,
    );
    if let CommsOperation::Record(record) = &mut op {
        record.recording_location = None;
        record.recording_access_token = None;
    }
    decorate(&mut op);
    if let Some(call) = ctx.door().get_mut(leg) {
        call.remember_operation(info.id, op.clone());
        if matches!(
            info.status,
            OperationStatus::Completed | OperationStatus::Failed
        ) {
            call.quiet(info.id);
        }
    }
    operation_response(&op, context, location(info.id))
}

/// 200 with an operation as Graph answers an action: the entity's `@odata.context` and a
/// `Location` header naming the operation.
pub(super) fn operation_response(
    op: &CommsOperation,
    context: String,
    location: String,
) -> Result<Response, ApiError> {
    let mut body = serde_json::to_value(op).map_err(ApiError::internal)?;
    if let Value::Object(map) = &mut body {
        // Graph's operation responses carry the entity's context (e.g. `#muteParticipantOperation`).
        let odata_type = op.odata_type().trim_start_matches("#microsoft.graph.");
        map.insert(
            "@odata.context".into(),
            Value::String(format!("{context}#{odata_type}")),
        );
        if matches!(op, CommsOperation::Record(_)) {
            map.entry("recordingLocation").or_insert(Value::Null);
        }
    }
    let mut response = (StatusCode::OK, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

pub(super) struct Target {
    pub(super) leg: LegId,
    version: &'static str,
    base: String,
}

impl Target {
    pub(super) fn location(&self) -> impl FnOnce(OperationId) -> String {
        let (base, version, leg) = (self.base.clone(), self.version, self.leg);
        move |op| render::operation_location(&base, version, leg, op)
    }

    pub(super) fn context(&self) -> String {
        format!("{}/{}/$metadata", self.base, self.version)
    }
}

pub(super) async fn prepare(
    state: &GraphState,
    id: &str,
    request: Request,
) -> Result<(Target, Vec<u8>), ApiError> {
    let version = version_of(&request);
    let leg = wire::call_id(id)?;
    let bytes = read_body(request, state).await?.to_vec();
    Ok((
        Target {
            leg,
            version,
            base: state.base_url().to_string(),
        },
        bytes,
    ))
}

// ---- routes ---------------------------------------------------------------------------------

/// `POST …/playPrompt`: 200 with a `playPromptOperation` (`running`, or `notStarted` when queued
/// behind another prompt or recording).
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/playPrompt",
    operation_id = "playPrompt",
    summary = "Queue 1-20 prompts (WAV over https or an upload)",
    description = "Service-hosted media only; a prompt that cannot be fetched fails the operation when it starts (resultInfo 400/8536).",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = PlayPromptRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `playPromptOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
async fn play_prompt(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: PlayPromptRequest = wire::action_body(&bytes)?;
    let looped = raw_bool(&bytes, "loop")?.unwrap_or(false);
    let context = client_context(body.client_context)?;
    if body.prompts.is_empty() || body.prompts.len() > MAX_PROMPTS {
        return Err(ApiError::bad_request(format!(
            "prompts must hold 1 to {MAX_PROMPTS} mediaPrompt objects."
        )));
    }
    let prompts = body
        .prompts
        .iter()
        .map(|p| media_ref(&state, &caller, p))
        .collect::<Result<Vec<_>, _>>()?;
    // Refuse early (before any download) when the call is not the caller's or is app-hosted.
    let leg = target.leg;
    let check = caller.clone();
    run(&state, move |ctx| {
        let call = ctx.door().owned(&check, leg)?;
        service_hosted(call.media_config.as_ref(), "playPrompt")
    })
    .await?;
    state.calls().prefetch(&prompts).await;
    let location = target.location();
    let odata = target.context();
    run(&state, move |ctx| {
        start_operation(
            ctx,
            &caller,
            leg,
            Some("playPrompt"),
            Command::PlayPrompt {
                leg,
                prompts,
                audience: Vec::new(),
                looped,
                barge_in: false,
                client_context: context.clone(),
            },
            location,
            odata,
        )
    })
    .await
}

/// `POST …/recordResponse`: 200 with a `recordOperation` (`recordingLocation: null`); the
/// completion notification carries `recordingLocation` and `recordingAccessToken`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/recordResponse",
    operation_id = "recordResponse",
    summary = "Record the caller (silence and duration limits, stop tones)",
    description = "Service-hosted media only; the completion notification carries recordingLocation and recordingAccessToken.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = RecordResponseRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `recordOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.AccessMedia.All"]))),
)]
async fn record_response(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::CallsAccessMediaAll])?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: RecordResponseRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context.clone())?;
    let prompts = body.prompts.clone().unwrap_or_default();
    if prompts.len() > 1 {
        return Err(ApiError::bad_request(
            "recordResponse takes at most 1 prompt.",
        ));
    }
    let timeout = |value: Option<i32>, name: &str| -> Result<u32, ApiError> {
        let value = value.unwrap_or(RecordResponseRequest::DEFAULT_TIMEOUT_SECONDS);
        if (RecordResponseRequest::MIN_TIMEOUT_SECONDS..=RecordResponseRequest::MAX_TIMEOUT_SECONDS)
            .contains(&value)
        {
            Ok(value as u32)
        } else {
            Err(ApiError::bad_request(format!(
                "{name} must be between {} and {} seconds.",
                RecordResponseRequest::MIN_TIMEOUT_SECONDS,
                RecordResponseRequest::MAX_TIMEOUT_SECONDS
            )))
        }
    };
    let stop_tones = body
        .stop_tones
        .iter()
        .flatten()
        .map(|t| tone(t))
        .collect::<Result<Vec<_>, _>>()?;
    let prompt = match prompts.first() {
        Some(p) => Some(media_ref(&state, &caller, p)?),
        None => None,
    };
    let options = RecordOptions {
        prompt: prompt.clone(),
        barge_in: body
            .barge_in_allowed
            .unwrap_or(RecordResponseRequest::DEFAULT_BARGE_IN_ALLOWED),
        initial_silence_secs: timeout(
            body.initial_silence_timeout_in_seconds,
            "initialSilenceTimeoutInSeconds",
        )?,
        max_silence_secs: timeout(
            body.max_silence_timeout_in_seconds,
            "maxSilenceTimeoutInSeconds",
        )?,
        max_duration_secs: timeout(
            body.max_record_duration_in_seconds,
            "maxRecordDurationInSeconds",
        )?,
        play_beep: body
            .play_beep
            .unwrap_or(RecordResponseRequest::DEFAULT_PLAY_BEEP),
        stop_tones,
    };
    let leg = target.leg;
    let check = caller.clone();
    run(&state, move |ctx| {
        let call = ctx.door().owned(&check, leg)?;
        service_hosted(call.media_config.as_ref(), "recordResponse")
    })
    .await?;
    if let Some(prompt) = &prompt {
        state.calls().prefetch(std::slice::from_ref(prompt)).await;
    }
    let location = target.location();
    let odata = target.context();
    run(&state, move |ctx| {
        start_operation(
            ctx,
            &caller,
            leg,
            Some("recordResponse"),
            Command::RecordResponse {
                leg,
                options,
                client_context: context.clone(),
            },
            location,
            odata,
        )
    })
    .await
}

/// `POST …/cancelMediaProcessing`: 200 with a completed `cancelMediaProcessingOperation`; every
/// running and queued playPrompt/recordResponse then completes as failed, 400/8508. A tone
/// subscription stays.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/cancelMediaProcessing",
    operation_id = "cancelMediaProcessing",
    summary = "Cancel running and queued prompts and recordings",
    description = "They complete as failed (400/8508); a tone subscription stays. The body may be empty.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = Option<ClientContextRequest>,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `cancelMediaProcessingOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
async fn cancel_media_processing(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: CancelMediaProcessingRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        CancelMediaProcessingRequest::default()
    } else {
        wire::action_body(&bytes)?
    };
    let context = client_context(body.client_context)?;
    let (leg, location, odata) = (target.leg, target.location(), target.context());
    run(&state, move |ctx| {
        start_operation(
            ctx,
            &caller,
            leg,
            None,
            Command::CancelMediaProcessing {
                leg,
                client_context: context.clone(),
            },
            location,
            odata,
        )
    })
    .await
}

/// `POST …/subscribeToTone`: 200 with a completed `subscribeToToneOperation`; each key pressed
/// in the call then arrives as a call `updated` notification with `toneInfo`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/subscribeToTone",
    operation_id = "subscribeToTone",
    summary = "Report DTMF keys as toneInfo notifications",
    description = "Service-hosted media only. The body may be empty.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = Option<ClientContextRequest>,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `subscribeToToneOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.AccessMedia.All"]))),
)]
async fn subscribe_to_tone(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::CallsAccessMediaAll])?;
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: SubscribeToToneRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        SubscribeToToneRequest::default()
    } else {
        wire::action_body(&bytes)?
    };
    let context = client_context(body.client_context)?;
    let (leg, location, odata) = (target.leg, target.location(), target.context());
    run(&state, move |ctx| {
        start_operation(
            ctx,
            &caller,
            leg,
            Some("subscribeToTone"),
            Command::SubscribeToTone {
                leg,
                source: None,
                client_context: context.clone(),
            },
            location,
            odata,
        )
    })
    .await
}

/// `POST …/sendDtmfTones`: 200 with a running `sendDtmfTonesOperation`; its completion carries
/// `completionReason`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/sendDtmfTones",
    operation_id = "sendDtmfTones",
    summary = "Send DTMF into the call",
    description = "delayBetweenTonesMs: 0 to 10000; the completion carries completionReason.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = SendDtmfTonesRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `sendDtmfTonesOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
async fn send_dtmf_tones(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (target, bytes) = prepare(&state, &id, request).await?;
    let body: SendDtmfTonesRequest = wire::action_body(&bytes)?;
    let context = client_context(body.client_context)?;
    if body.tones.is_empty() {
        return Err(ApiError::bad_request("tones must hold at least one tone."));
    }
    let delay = body.delay_between_tones_ms.unwrap_or(0);
    if !(0..=MAX_DTMF_DELAY_MS).contains(&delay) {
        return Err(ApiError::bad_request(format!(
            "delayBetweenTonesMs must be between 0 and {MAX_DTMF_DELAY_MS}."
        )));
    }
    let tones: Vec<Tone> = body.tones.iter().map(|t| wire_to_model(*t)).collect();
    let (leg, location, odata) = (target.leg, target.location(), target.context());
    run(&state, move |ctx| {
        start_operation(
            ctx,
            &caller,
            leg,
            None,
            Command::SendDtmf {
                leg,
                tones,
                delay_between: Duration::from_millis(delay as u64),
                client_context: context.clone(),
            },
            location,
            odata,
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_tones_parse_as_characters_or_tone_names() {
        assert_eq!(tone("#").expect("pound"), Tone::Pound);
        assert_eq!(tone("*").expect("star"), Tone::Star);
        assert_eq!(tone("1").expect("one"), Tone::Digit(1));
        assert_eq!(tone("pound").expect("pound"), Tone::Pound);
        assert_eq!(tone("Tone7").expect("seven"), Tone::Digit(7));
        assert_eq!(tone("a").expect("a"), Tone::A);
        assert!(tone("x").is_err());
        assert!(tone("").is_err());
        assert!(tone("tone12").is_err());
    }

    #[test]
    fn loop_is_read_case_insensitively_and_must_be_boolean() {
        assert_eq!(
            raw_bool(br#"{"loop":true}"#, "loop").expect("ok"),
            Some(true)
        );
        assert_eq!(
            raw_bool(br#"{"Loop":false}"#, "loop").expect("ok"),
            Some(false)
        );
        assert_eq!(raw_bool(br#"{"prompts":[]}"#, "loop").expect("ok"), None);
        assert!(raw_bool(br#"{"loop":"yes"}"#, "loop").is_err());
    }

    #[test]
    fn client_context_is_limited_to_256_characters() {
        assert_eq!(client_context(None).expect("empty"), "");
        assert!(client_context(Some("x".repeat(256))).is_ok());
        assert!(client_context(Some("x".repeat(257))).is_err());
    }
}
