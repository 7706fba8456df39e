//! `POST /communications/calls` under `/v1.0` and `/beta`: the bot places a call (to users, a phone
//! number as one of its application instances, or an ad-hoc group) or joins a meeting
//! (`meetingInfo`/`chatInfo`); 201 with the call and its `Location`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Ack, BotIdentity, Command, Direction, LegState, Target};
use ringside_graph_wire::{Call, CallCreatedResponse, MediaConfig};
use ringside_model::{Party, Permission};

use super::call::GraphCall;
use super::render;
use super::request::{run, version_of};
use super::wire;
use crate::openapi::{ActionErrors, ApiRoutes};
use crate::state::GraphState;
use crate::GraphCaller;
use ringside_http::{parse_json, read_body, ApiError};
use utoipa_axum::routes;

/// The route of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new().route(routes!(create))
}

fn with_location(mut response: Response, location: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `POST /communications/calls`.
#[utoipa::path(
    post,
    path = "/communications/calls",
    operation_id = "createCall",
    summary = "Place a call (P2P to a user, to a phone as an application instance, ad-hoc group) or join a meeting (organizerMeetingInfo + chatInfo, joinMeetingIdMeetingInfo)",
    description = "Which role is needed depends on the call: Calls.Initiate.All for one target, Calls.InitiateGroupCall.All for several, a join role for a meeting; Calls.AccessMedia.All as well for appHostedMediaConfig.",
    request_body = Call,
    responses(
        (status = 201, description = "The call, state establishing", body = Call,
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        ActionErrors,
    ),
    extensions(("x-ms-permissions" = json!([
        "Calls.Initiate.All", "Calls.InitiateGroupCall.All", "Calls.JoinGroupCall.All",
        "Calls.JoinGroupCallAsGuest.All"
    ]))),
)]
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
    wire::supported_call_options(call.call_options.as_ref())?;
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
        wire::supported_invitation(target)?;
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
                if to_phone && !super::pstn::instance_dials_out(d, caller.tenant, id) {
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
        row.out_of_main_mix = wire::out_of_main_mix(&media_config);
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
        let out_of_main = row.out_of_main_mix;
        ctx.door().insert(row);
        if out_of_main {
            super::audio_routing::apply_routing(ctx, leg)?;
        }
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
        row.out_of_main_mix = wire::out_of_main_mix(&media_config);
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
        let out_of_main = row.out_of_main_mix;
        ctx.door().insert(row);
        if out_of_main {
            super::audio_routing::apply_routing(ctx, leg)?;
        }
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
