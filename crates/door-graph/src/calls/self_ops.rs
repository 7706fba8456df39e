//! The bot's own participant and the call's sharing state (`/v1.0` and `/beta`, plain and
//! `microsoft.graph.`-qualified): mute/unmute (self), updateRecordingStatus, changeScreenSharingRole,
//! addLargeGalleryView and contentSharingSessions (digest §3.7–3.9).
//!
//! Self mute/unmute work on group calls only (a two-party call answers 400 `notAllowed`);
//! `changeScreenSharingRole` only on app-hosted group calls. Ringside carries audio only, so
//! changeScreenSharingRole and addLargeGalleryView answer 400 `NotSupported` after the usual
//! checks, and there are no content sharing sessions.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Command, OperationId, OperationStatus};
use ringside_graph_wire::{
    ChangeScreenSharingRoleRequest, ClientContextRequest, CommsOperation, MediaConfig,
    RecordingStatus, UpdateRecordingStatusOperation, UpdateRecordingStatusRequest,
};
use ringside_model::Permission;
use serde_json::{json, Value};

use super::media_ops::{client_context, prepare, start_operation_with};
use super::participants::{context_url, group_call};
use super::render;
use super::request::run;
use super::wire;
use crate::openapi::{ActionErrors, ApiRoutes, CallBodyErrors, CallErrors, CALL_ID};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_http::{read_body, ApiError};
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(mute_self))
        .route(routes!(unmute_self))
        .route(routes!(update_recording_status))
        .route(routes!(change_screen_sharing_role))
        .route(routes!(add_large_gallery_view))
        .route(routes!(list_content_sharing))
        .route(routes!(get_content_sharing))
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/mute",
    operation_id = "muteSelf",
    summary = "Server-mute the bot (group calls)",
    description = "A two-party call answers 400 notAllowed.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = ClientContextRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `muteParticipantOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
async fn mute_self(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    self_mute(state, caller, id, request, true).await
}

/// `POST …/unmute`: 200 with an `unmuteParticipantOperation`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/unmute",
    operation_id = "unmuteSelf",
    summary = "Undo the bot's server mute (group calls)",
    description = "A two-party call answers 400 notAllowed.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = ClientContextRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `unmuteParticipantOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/updateRecordingStatus",
    operation_id = "updateRecordingStatus",
    summary = "Declare the bot's recording status",
    description = "The status shows as the bot participant's recordingInfo.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = UpdateRecordingStatusRequest,
    responses(
        (status = 200, body = CommsOperation,
            description = "The `updateRecordingStatusOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        CallBodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.AccessMedia.All"]))),
)]
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

/// `POST …/changeScreenSharingRole`: app-hosted group calls only; Ringside has no video to share,
/// so after the usual checks the answer is 400 `NotSupported`.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/changeScreenSharingRole",
    operation_id = "changeScreenSharingRole",
    summary = "viewer or sharer (Ringside carries audio only: 400 NotSupported)",
    description = "After the usual checks (app-hosted group calls only) the answer is 400 NotSupported; the 202 is Graph's.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = ChangeScreenSharingRoleRequest,
    responses(
        (status = 202, description = "Accepted"),
        CallBodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.AccessMedia.All"]))),
)]
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
        // A sharer streams the bot's video as the screen share and a viewer stops it; Ringside
        // carries no video, so neither role could change anything (never accepted and dropped).
        Err::<Response, _>(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NotSupported",
            format!(
                "changeScreenSharingRole to {} is not supported: Ringside carries audio only, so there is no video-based screen sharing.",
                serde_json::to_value(body.role).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            ),
        ))
    })
    .await
}

// ---- video and content sharing (Ringside carries audio only) -----------------------------------

/// `POST …/addLargeGalleryView`: Ringside has no video, so there is no gallery to add: 400
/// `NotSupported` after the usual checks.
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/addLargeGalleryView",
    operation_id = "addLargeGalleryView",
    summary = "Video gallery (Ringside carries audio only: 400 NotSupported)",
    description = "After the usual checks the answer is 400 NotSupported; the 202 is Graph's.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = ClientContextRequest,
    responses(
        (status = 202, body = CommsOperation,
            description = "The `addLargeGalleryViewOperation` (running, or completed when it finished at once)",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        CallBodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All", "Calls.InitiateGroupCall.All"]))),
)]
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
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/contentSharingSessions",
    operation_id = "listContentSharingSessions",
    summary = "Content sharing sessions (always empty: no screen sharing)",
    description = "Ringside carries audio only.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 200, description = "The sessions", body = ref("#/components/schemas/ContentSharingSessionCollection")),
        CallErrors,
    ),
)]
async fn list_content_sharing(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "contentSharingSessions");
    run(&state, move |ctx| {
        ctx.door().visible(&caller, leg)?;
        Ok(Json(json!({ "@odata.context": context, "value": [] })))
    })
    .await
}

/// `GET …/contentSharingSessions/{id}`: 404 (there are none).
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/contentSharingSessions/{contentSharingSessionId}",
    operation_id = "getContentSharingSession",
    summary = "One session (none exist)",
    description = "Always 404 for a live call.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("contentSharingSessionId" = String, Path, description = "The session's id"),
    ),
    responses(
        (status = 200, description = "The session", body = ref("#/components/schemas/ContentSharingSession")),
        CallErrors,
    ),
)]
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
