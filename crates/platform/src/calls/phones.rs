//! Simulated phones and users: an endpoint's behaviour (`GET/PUT/DELETE
//! /phones/{endpoint}/behaviour`), a call placed from one (`POST /phones/{endpoint}/calls`) and a
//! meeting joined by one (`POST /meetings/{meetingId}/join`), each with its timeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_model::Party;
use ringside_runtime::behaviour::{Behaviour, StepKind, Timeline};
use ringside_runtime::routing::{self, NamedEndpoint};
use ringside_runtime::Request as RuntimeRequest;
use serde_json::{json, Value};

use super::extract::{resolve, Body, Params};
use super::reply::{call_error, with_location};
use super::schemas::{
    BehaviourResultSchema, BehaviourSchema, DialSchema, MeetingJoinSchema, PlacedCallSchema,
};
use crate::api_doc::{Busy, ErrorSchema, TooLarge, Unauthorized, Unavailable, UrlSchema};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This part's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/phones/{endpoint}/behaviour",
            get(get_behaviour)
                .put(put_behaviour)
                .delete(delete_behaviour),
        )
        .route("/phones/{endpoint}/calls", post(dial))
        .route("/meetings/{meetingId}/join", post(join_meeting))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_behaviour, put_behaviour, delete_behaviour, dial, join_meeting))]
pub(super) struct Api;

/// The endpoint a behaviour can be set for: a directory user, an ACS user or a number not owned
/// by a bot.
fn simulated_endpoint(state: &PlatformState, endpoint: &NamedEndpoint) -> Result<(), ApiError> {
    match &endpoint.party {
        Party::User { .. } | Party::AcsUser(_) => Ok(()),
        Party::Phone(number) => {
            let owner = state.directory().read(|d| {
                d.route_number(number)
                    .and_then(|(_, account)| match account {
                        ringside_directory::Account::Instance(i) => Some(i.upn.clone()),
                        ringside_directory::Account::User(_) => None,
                    })
            });
            match owner {
                Some(upn) => Err(ApiError::bad_request(format!(
                    "{number} belongs to the resource account '{upn}': calls to it reach its bot, \
                     not a simulated phone."
                ))),
                None => Ok(()),
            }
        }
        Party::Application { .. } | Party::ApplicationInstance { .. } => {
            Err(ApiError::bad_request(
                "That id is a bot's; behaviours are for simulated users and phone numbers.",
            ))
        }
    }
}

fn endpoint_view(state: &PlatformState, endpoint: &NamedEndpoint) -> Value {
    state
        .directory()
        .read(|d| routing::party_json(d, &endpoint.party))
}

/// Synthesises the timeline's `say` steps (400 when the speech engine is not installed).
async fn prepare_speech(state: &PlatformState, timeline: &Timeline) -> Result<(), ApiError> {
    use ringside_runtime::speech::TextPromptError;
    state
        .calls()
        .prepare_speech(timeline)
        .await
        .map_err(|error| match error {
            TextPromptError::Unavailable(why) => ApiError::bad_request(format!(
                "say: text-to-speech is unavailable here ({why}); install espeak-ng (scripts/system-packages.sh)."
            )),
            TextPromptError::Invalid(why) => ApiError::bad_request(format!("say: {why}.")),
            TextPromptError::Failed(why) => ApiError::internal(format!("say: {why}")),
        })
}

fn check_media(state: &PlatformState, timeline: &Timeline) -> Result<(), ApiError> {
    for step in &timeline.steps {
        if let StepKind::Play { media } = &step.kind {
            if !state.calls().media().exists(media) {
                return Err(ApiError::bad_request(format!(
                    "play: media '{media}' does not exist (upload it with POST /ringside/v1/media)."
                )));
            }
        }
    }
    Ok(())
}

/// Advice about a behaviour that is valid but may not do what was meant.
fn warnings(timeline: &Timeline) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(after) = timeline.hangup_after {
        if timeline.steps.iter().any(|step| step.at >= after) {
            warnings.push(
                "some steps are timed at or after hangupAfter: they will not run".to_string(),
            );
        }
    }
    warnings
}

fn behaviour_response(
    state: &PlatformState,
    endpoint: &NamedEndpoint,
    behaviour: &Behaviour,
    is_default: bool,
) -> Value {
    json!({
        "endpoint": endpoint_view(state, endpoint),
        "behaviour": behaviour.to_json(),
        "default": is_default,
        "warnings": warnings(&behaviour.timeline),
    })
}

#[utoipa::path(
    get,
    path = "/phones/{endpoint}/behaviour",
    operation_id = "getPhoneBehaviour",
    tags = ["simulated phones"],
    summary = "How a simulated user or phone number answers (the default when none was set: users answer after 1 s, external numbers after 2 s).",
    params(
        ("endpoint" = String, Path, description = "A simulated endpoint: an E.164 number (+14255550199), a directory user's object id, a user principal name, or a Communication Services rawId (4:+1…, 8:orgid:<user id> for a Teams user, 8:acs:… for an ACS user).")
    ),
    responses(
        (status = 200, description = "The behaviour.", body = BehaviourResultSchema),
        (status = 400, description = "Not an E.164 number, user id or UPN, or a number owned by a resource account (its calls reach a bot).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "Unknown user.", body = ErrorSchema)
    )
)]
async fn get_behaviour(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let endpoint = params.endpoint(&state)?;
    simulated_endpoint(&state, &endpoint)?;
    let stored = state.calls().behaviours().get(&endpoint.party);
    let is_default = stored.is_none();
    let behaviour = stored.unwrap_or_default();
    Ok(Json(behaviour_response(
        &state, &endpoint, &behaviour, is_default,
    ))
    .into_response())
}

#[utoipa::path(
    put,
    path = "/phones/{endpoint}/behaviour",
    operation_id = "setPhoneBehaviour",
    tags = ["simulated phones"],
    summary = "Set how a simulated user or phone number answers and what it does once connected. Kept in memory: a restart forgets it.",
    params(
        ("endpoint" = String, Path, description = "A simulated endpoint: an E.164 number (+14255550199), a directory user's object id, a user principal name, or a Communication Services rawId (4:+1…, 8:orgid:<user id> for a Teams user, 8:acs:… for an ACS user).")
    ),
    request_body = BehaviourSchema,
    responses(
        (status = 200, description = "Stored.", body = BehaviourResultSchema),
        (status = 400, description = "Invalid behaviour (the message names the field, e.g. press[1].at), unknown media, bad endpoint.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "Unknown user.", body = ErrorSchema),
        (status = 413, response = inline(TooLarge))
    )
)]
async fn put_behaviour(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    body: Body,
) -> Result<Response, ApiError> {
    let endpoint = params.endpoint(&state)?;
    simulated_endpoint(&state, &endpoint)?;
    let body = body.required()?;
    let behaviour = Behaviour::from_json(&body)
        .map_err(|error| ApiError::bad_request(format!("Invalid behaviour: {error}.")))?;
    prepare_speech(&state, &behaviour.timeline).await?;
    check_media(&state, &behaviour.timeline)?;
    state
        .calls()
        .behaviours()
        .set(&endpoint.party, behaviour.clone());
    Ok(Json(behaviour_response(&state, &endpoint, &behaviour, false)).into_response())
}

#[utoipa::path(
    delete,
    path = "/phones/{endpoint}/behaviour",
    operation_id = "deletePhoneBehaviour",
    tags = ["simulated phones"],
    summary = "Back to the default behaviour.",
    params(
        ("endpoint" = String, Path, description = "A simulated endpoint: an E.164 number (+14255550199), a directory user's object id, a user principal name, or a Communication Services rawId (4:+1…, 8:orgid:<user id> for a Teams user, 8:acs:… for an ACS user).")
    ),
    responses(
        (status = 204, description = "Removed (or there was none)."),
        (status = 400, description = "Bad endpoint.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "Unknown user.", body = ErrorSchema)
    )
)]
async fn delete_behaviour(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let endpoint = params.endpoint(&state)?;
    simulated_endpoint(&state, &endpoint)?;
    state.calls().behaviours().remove(&endpoint.party);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/phones/{endpoint}/calls",
    operation_id = "placeSimulatedCall",
    tags = ["simulated phones"],
    summary = "A simulated phone or user places a call (e.g. a PSTN caller dialling a resource account's number: the way to test an incoming-call bot).",
    description = "The caller's timeline runs from the moment the call connects. Until the Graph/ACS doors deliver calls to bots, a bot target is answered by the built-in responder: after 500 ms it plays a short generated announcement, records the keys it hears in its leg's log (toneReceived), then echoes.",
    params(
        ("endpoint" = String, Path, description = "A simulated endpoint: an E.164 number (+14255550199), a directory user's object id, a user principal name, or a Communication Services rawId (4:+1…, 8:orgid:<user id> for a Teams user, 8:acs:… for an ACS user).")
    ),
    request_body = DialSchema,
    responses(
        (
            status = 201,
            description = "Placed.",
            body = PlacedCallSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetCall" = (operation_id = "getCall", parameters(("callId" = "$response.body#/callId")))),
                ("PressOnLeg" = (operation_id = "pressOnLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("PlayOnLeg" = (operation_id = "playOnLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("HangUpLeg" = (operation_id = "hangUpLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("HoldLeg" = (operation_id = "holdLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("ResumeLeg" = (operation_id = "resumeLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("GetLegRecording" = (operation_id = "getLegRecording", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("GetLegLog" = (operation_id = "getLegLog", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId"))))
            )
        ),
        (status = 400, description = "Invalid timeline, bad or non-E.164 endpoint, unknown media, a bot's number as caller.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "Unknown user.", body = ErrorSchema),
        (status = 409, description = "Conflict with the state of the calls (the message says which).", body = ErrorSchema),
        (status = 413, response = inline(TooLarge)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn dial(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    body: Body,
) -> Result<Response, ApiError> {
    let from = params.endpoint(&state)?;
    simulated_endpoint(&state, &from)?;
    let mut body = body.required()?;
    let object = body
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))?;
    let to = match object.remove("to") {
        Some(Value::String(to)) => to,
        Some(_) => {
            return Err(ApiError::bad_request(
                "to: must be a string (an E.164 number, a user id, an app id or a resource account id).",
            ))
        }
        None => {
            return Err(ApiError::bad_request(
                "to: is required (an E.164 number, a user id, an app id or a resource account id).",
            ))
        }
    };
    let custom = match object.remove("customContext") {
        None => Default::default(),
        Some(value) => ringside_runtime::headers::CallHeaders::parse(&value)
            .map_err(|error| ApiError::bad_request(format!("customContext: {error}.")))?,
    };
    let timeline = Timeline::from_json(&body)
        .map_err(|error| ApiError::bad_request(format!("Invalid call: {error}.")))?;
    prepare_speech(&state, &timeline).await?;
    check_media(&state, &timeline)?;
    let to = resolve(&state, &to)?;
    if to.party == from.party {
        return Err(ApiError::bad_request("A phone cannot call itself."));
    }
    let tenant = state
        .directory()
        .read(|d| routing::call_tenant(d, &from, &to))
        .ok_or_else(|| ApiError::bad_request("No tenant exists to route the call in."))?;
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::Dial {
            from,
            to,
            tenant,
            timeline,
            custom,
            reply,
        })
        .await
        .map_err(call_error)?;
    let id = view["callId"].as_str().unwrap_or_default().to_string();
    Ok(with_location(
        &state,
        StatusCode::CREATED,
        &format!("/calls/{id}"),
        view,
    ))
}

/// `POST /meetings/{meetingId}/join` `{"participant": user|number, …timeline}`: a simulated user
/// or phone joins an online meeting (and stays until its timeline hangs up or a live hangup).
#[utoipa::path(
    post,
    path = "/meetings/{meetingId}/join",
    operation_id = "joinMeeting",
    tags = ["simulated phones"],
    summary = "A simulated user or phone joins an online meeting (created with Graph POST /users/{id}/onlineMeetings); bots in the meeting get roster notifications. The body is a timeline (like a dial) plus `participant`.",
    description = "The participant's timeline (play, press, tone, hold, hangupAfter, record) runs from the moment it joins. The meeting's conversation is opened by the first to join and ends when the last but one participant leaves.",
    params(
        ("meetingId" = String, Path, description = "The online meeting's id.")
    ),
    request_body = MeetingJoinSchema,
    responses(
        (
            status = 201,
            description = "Placed.",
            body = PlacedCallSchema,
            headers(("Location" = inline(UrlSchema), description = "Absolute URL of the created resource.")),
            links(
                ("GetCall" = (operation_id = "getCall", parameters(("callId" = "$response.body#/callId")))),
                ("PressOnLeg" = (operation_id = "pressOnLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("PlayOnLeg" = (operation_id = "playOnLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("HangUpLeg" = (operation_id = "hangUpLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("HoldLeg" = (operation_id = "holdLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("ResumeLeg" = (operation_id = "resumeLeg", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("GetLegRecording" = (operation_id = "getLegRecording", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId")))),
                ("GetLegLog" = (operation_id = "getLegLog", parameters(("callId" = "$response.body#/callId"), ("legId" = "$response.body#/legId"))))
            )
        ),
        (status = 400, description = "Invalid timeline, bad or non-E.164 endpoint, unknown media, a bot's number as caller.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "Unknown user.", body = ErrorSchema),
        (status = 409, description = "Conflict with the state of the calls (the message says which).", body = ErrorSchema),
        (status = 413, response = inline(TooLarge)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn join_meeting(
    _: Admin,
    State(state): State<PlatformState>,
    Path(meeting): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let mut body = body.required()?;
    let object = body
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))?;
    let who = match object.remove("participant") {
        Some(Value::String(who)) => who,
        _ => {
            return Err(ApiError::bad_request(
                "participant: is required (a user id, a UPN or an E.164 number).",
            ))
        }
    };
    let timeline = Timeline::from_json(&body)
        .map_err(|error| ApiError::bad_request(format!("Invalid join: {error}.")))?;
    prepare_speech(&state, &timeline).await?;
    check_media(&state, &timeline)?;
    let who = resolve(&state, &who)?;
    simulated_endpoint(&state, &who)?;
    let wanted = meeting.trim().to_string();
    let row = state
        .node()
        .meetings(move |store| store.by_id(&wanted))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No meeting has the id {}.",
                ringside_directory::validate::clip(&meeting)
            ))
        })?;
    let tenant = ringside_model::Guid::parse(&row.tenant_id)
        .map(ringside_model::TenantId)
        .map_err(ApiError::internal)?;
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::JoinMeeting {
            meeting: row.id.clone(),
            tenant,
            who,
            timeline,
            reply,
        })
        .await
        .map_err(call_error)?;
    let id = view["callId"].as_str().unwrap_or_default().to_string();
    Ok(with_location(
        &state,
        StatusCode::CREATED,
        &format!("/calls/{id}"),
        view,
    ))
}
