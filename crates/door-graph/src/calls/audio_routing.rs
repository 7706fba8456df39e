//! Graph `audioRoutingGroups` of a call (`/v1.0` and `/beta`): create (200), list, get, patch,
//! delete (204) (digest §3.9).
//!
//! Groups are validated (routing mode, sources and receivers are participants of the call, `oneToOne`
//! has exactly one source), kept with the call and applied by the mixer ([`apply_routing`]): each
//! group's receivers hear its sources. As in Teams a route does not take anyone out of the call's
//! main mix; a bot whose `mediaConfig` says `removeFromDefaultAudioGroup` is out of it, and hears and
//! is heard only through its groups (private audio to one participant of a meeting).

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Command, ConversationId, LegId};
use ringside_graph_wire::{AudioRoutingGroup, RoutingMode};
use ringside_model::Permission;
use serde_json::{json, Value};

use super::participants::context_url;
use super::request::run;
use super::table::GraphCalls;
use super::wire;
use crate::openapi::{ApiRoutes, CallBodyErrors, CallErrors, CALL_ID};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_graph_wire::GraphError;
use ringside_http::{read_body, ApiError};
use ringside_runtime::door::DoorCtx;
use utoipa_axum::routes;

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(list_groups, create_group))
        .route(routes!(get_group, patch_group, delete_group))
}

// ---- audioRoutingGroups -----------------------------------------------------------------------

fn group_permission(caller: &GraphCaller) -> Result<(), ApiError> {
    caller.require_any(&[
        Permission::CallsJoinGroupCallAll,
        Permission::CallsInitiateGroupCallAll,
    ])
}

/// Hands the call's audio routing to the engine: its bot out of the main mix if its
/// `mediaConfig` asked for that, and every group's `source → receiver` pairs.
pub(crate) fn apply_routing(ctx: &mut DoorCtx<'_, GraphCalls>, leg: LegId) -> Result<(), ApiError> {
    let Some(call) = ctx.door().get_mut(leg) else {
        return Ok(());
    };
    let out_of_main = if call.out_of_main_mix {
        vec![leg]
    } else {
        Vec::new()
    };
    let participant = |id: &String| ringside_model::Guid::parse(id.trim()).ok().map(LegId);
    let mut routes = Vec::new();
    for group in &call.audio_routing_groups {
        for source in group.sources.iter().filter_map(participant) {
            for receiver in group.receivers.iter().filter_map(participant) {
                if source != receiver && !routes.contains(&(source, receiver)) {
                    routes.push((source, receiver));
                }
            }
        }
    }
    ctx.command(Command::SetAudioRouting {
        leg,
        out_of_main,
        routes,
    })
    .map(|_| ())
    .map_err(wire::engine_error)
}

/// Checks a group against the call's roster; fills in defaults.
fn validate_group(
    ctx: &DoorCtx<'_, GraphCalls>,
    conversation: ConversationId,
    group: &mut AudioRoutingGroup,
) -> Result<(), ApiError> {
    let mode = group
        .routing_mode
        .ok_or_else(|| ApiError::bad_request("routingMode is required (oneToOne or multicast)."))?;
    if !matches!(mode, RoutingMode::OneToOne | RoutingMode::Multicast) {
        return Err(ApiError::bad_request(
            "routingMode must be oneToOne or multicast.",
        ));
    }
    if group.sources.is_empty() || group.receivers.is_empty() {
        return Err(ApiError::bad_request(
            "sources and receivers must each name at least one participant.",
        ));
    }
    if mode == RoutingMode::OneToOne && group.sources.len() != 1 {
        return Err(ApiError::bad_request(
            "A oneToOne audioRoutingGroup has exactly one source.",
        ));
    }
    let roster: Vec<String> = ctx
        .participants(conversation)
        .map_err(wire::engine_error)?
        .iter()
        .map(|p| p.leg.to_string())
        .collect();
    for id in group.sources.iter().chain(&group.receivers) {
        if !roster.iter().any(|r| r.eq_ignore_ascii_case(id.trim())) {
            return Err(ApiError::bad_request(format!(
                "'{}' is not a participant of the call.",
                ringside_directory::validate::clip(id)
            )));
        }
    }
    Ok(())
}

/// An `audioRoutingGroup` body, 400 when it does not parse.
fn group_from(bytes: &[u8]) -> Result<AudioRoutingGroup, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!("The audioRoutingGroup body is invalid: {error}."))
    })
}

fn group_body(mut group: AudioRoutingGroup, context: String) -> Json<Value> {
    group.odata_context = Some(context);
    Json(serde_json::to_value(group).unwrap_or(Value::Null))
}

/// `POST …/audioRoutingGroups`: 200 with the group (Graph's documented status).
#[utoipa::path(
    post,
    path = "/communications/calls/{callId}/audioRoutingGroups",
    operation_id = "createAudioRoutingGroup",
    summary = "Create a group (stored and validated; the mixer does not route by it)",
    description = "routingMode oneToOne (exactly one source) or multicast; sources and receivers must be participants of the call.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    request_body = AudioRoutingGroup,
    responses(
        (status = 200, description = "The group (200, as Graph documents)", body = AudioRoutingGroup),
        (status = 409, description = "A group with that id exists", body = GraphError),
        CallBodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"]))),
)]
async fn create_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    group_permission(&caller)?;
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let mut group = group_from(&bytes)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let conversation = ctx.door().owned(&caller, leg)?.conversation;
        validate_group(ctx, conversation, &mut group)?;
        let id = group
            .id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| ringside_runtime::ids::new_guid().to_string());
        group.id = Some(id.clone());
        let call = ctx.door().owned(&caller, leg)?;
        if call
            .audio_routing_groups
            .iter()
            .any(|g| g.id.as_deref() == Some(id.as_str()))
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                format!(
                    "An audioRoutingGroup with id '{}' exists.",
                    ringside_directory::validate::clip(&id)
                ),
            ));
        }
        call.audio_routing_groups.push(group.clone());
        apply_routing(ctx, leg)?;
        Ok(group_body(group, context))
    })
    .await
}

/// `GET …/audioRoutingGroups`.
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/audioRoutingGroups",
    operation_id = "listAudioRoutingGroups",
    summary = "The call's audio routing groups",
    description = "As created or patched.",
    params(
        ("callId" = String, Path, description = CALL_ID),
    ),
    responses(
        (status = 200, description = "The groups", body = ref("#/components/schemas/AudioRoutingGroupCollection")),
        CallErrors,
    ),
)]
async fn list_groups(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups");
    run(&state, move |ctx| {
        let call = ctx.door().visible(&caller, leg)?;
        Ok(Json(json!({
            "@odata.context": context,
            "value": call.audio_routing_groups,
        })))
    })
    .await
}

fn find_group<'a>(
    groups: &'a mut [AudioRoutingGroup],
    gid: &str,
) -> Result<&'a mut AudioRoutingGroup, ApiError> {
    groups
        .iter_mut()
        .find(|g| g.id.as_deref() == Some(gid))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "audioRoutingGroup '{}' was not found.",
                ringside_directory::validate::clip(gid)
            ))
        })
}

/// `GET …/audioRoutingGroups/{gid}`.
#[utoipa::path(
    get,
    path = "/communications/calls/{callId}/audioRoutingGroups/{audioRoutingGroupId}",
    operation_id = "getAudioRoutingGroup",
    summary = "One group",
    description = "As created or patched.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("audioRoutingGroupId" = String, Path, description = "The group's id"),
    ),
    responses(
        (status = 200, description = "The group", body = AudioRoutingGroup),
        CallErrors,
    ),
)]
async fn get_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let call = ctx.door().visible(&caller, leg)?;
        let group = find_group(&mut call.audio_routing_groups, &gid)?.clone();
        Ok(group_body(group, context))
    })
    .await
}

/// `PATCH …/audioRoutingGroups/{gid}`: replaces the members given; 200 with the group.
#[utoipa::path(
    patch,
    path = "/communications/calls/{callId}/audioRoutingGroups/{audioRoutingGroupId}",
    operation_id = "updateAudioRoutingGroup",
    summary = "Replace members of a group",
    description = "The members given replace the group's; the result is validated as on create.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("audioRoutingGroupId" = String, Path, description = "The group's id"),
    ),
    request_body = AudioRoutingGroup,
    responses(
        (status = 200, description = "The group", body = AudioRoutingGroup),
        CallBodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"]))),
)]
async fn patch_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    group_permission(&caller)?;
    let version = super::request::version_of(&request);
    let leg = wire::call_id(&id)?;
    let bytes = read_body(request, &state).await?;
    let patch: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("The body is not a JSON object."))?;
    let Value::Object(patch) = patch else {
        return Err(ApiError::bad_request("The body is not a JSON object."));
    };
    let context = context_url(state.base_url(), version, leg, "audioRoutingGroups/$entity");
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        let conversation = call.conversation;
        let current = find_group(&mut call.audio_routing_groups, &gid)?.clone();
        let mut merged = serde_json::to_value(&current).map_err(ApiError::internal)?;
        for (key, value) in patch {
            if key.eq_ignore_ascii_case("id") {
                continue;
            }
            merged[key] = value;
        }
        let mut updated = group_from(merged.to_string().as_bytes())?;
        updated.id = current.id.clone();
        validate_group(ctx, conversation, &mut updated)?;
        let call = ctx.door().owned(&caller, leg)?;
        *find_group(&mut call.audio_routing_groups, &gid)? = updated.clone();
        apply_routing(ctx, leg)?;
        Ok(group_body(updated, context))
    })
    .await
}

/// `DELETE …/audioRoutingGroups/{gid}`: 204.
#[utoipa::path(
    delete,
    path = "/communications/calls/{callId}/audioRoutingGroups/{audioRoutingGroupId}",
    operation_id = "deleteAudioRoutingGroup",
    summary = "Delete a group",
    description = "The group is forgotten.",
    params(
        ("callId" = String, Path, description = CALL_ID),
        ("audioRoutingGroupId" = String, Path, description = "The group's id"),
    ),
    responses(
        (status = 204, description = "No content"),
        CallErrors,
    ),
    extensions(("x-ms-permissions" = json!(["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"]))),
)]
async fn delete_group(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((id, gid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    group_permission(&caller)?;
    let leg = wire::call_id(&id)?;
    run(&state, move |ctx| {
        let call = ctx.door().owned(&caller, leg)?;
        find_group(&mut call.audio_routing_groups, &gid)?;
        call.audio_routing_groups
            .retain(|g| g.id.as_deref() != Some(gid.as_str()));
        apply_routing(ctx, leg)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}
