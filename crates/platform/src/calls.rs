//! REST under `/ringside/v1` for media uploads, simulated phones and live calls: upload WAV media,
//! set an endpoint's behaviour, place a call from a simulated phone, list calls, control a simulated
//! leg (press, play, hang up), fetch its recording and detection log, read (and reset) the media
//! clock's figures. Admin-token guarded; errors in the Graph envelope. Wire ⇄ runtime translation
//! lives here.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_engine::{ConversationId, LegId};
use ringside_model::{Guid, Party};
use serde_json::{json, Value};

use crate::admin::Admin;
use crate::state::PlatformState;
use ringside_http::ApiError;
use ringside_runtime::behaviour::{
    parse_digits, parse_duration, parse_media_id, Behaviour, StepKind, Timeline,
};
use ringside_runtime::media_store::{MediaError, MediaInfo, MAX_UPLOAD_BYTES};
use ringside_runtime::routing::{self, EndpointNameError, NamedEndpoint};
use ringside_runtime::{CallError, Request as RuntimeRequest};

/// Every (method, path) served here, in the router's syntax (checked against the OpenAPI document
/// together with the provisioning routes).
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("POST", "/media"),
    ("GET", "/media/{mediaId}"),
    ("GET", "/phones/{endpoint}/behaviour"),
    ("PUT", "/phones/{endpoint}/behaviour"),
    ("DELETE", "/phones/{endpoint}/behaviour"),
    ("POST", "/phones/{endpoint}/calls"),
    ("POST", "/meetings/{meetingId}/join"),
    ("GET", "/calls"),
    ("GET", "/calls/{callId}"),
    ("POST", "/calls/{callId}/legs/{legId}/press"),
    ("POST", "/calls/{callId}/legs/{legId}/play"),
    ("POST", "/calls/{callId}/legs/{legId}/hangup"),
    ("POST", "/calls/{callId}/legs/{legId}/hold"),
    ("POST", "/calls/{callId}/legs/{legId}/resume"),
    ("GET", "/calls/{callId}/legs/{legId}/recording"),
    ("GET", "/calls/{callId}/legs/{legId}/log"),
    ("GET", "/stats/media"),
    ("POST", "/stats/media/reset"),
];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/media",
            post(upload_media).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/media/{mediaId}", get(get_media))
        .route(
            "/phones/{endpoint}/behaviour",
            get(get_behaviour)
                .put(put_behaviour)
                .delete(delete_behaviour),
        )
        .route("/phones/{endpoint}/calls", post(dial))
        .route("/meetings/{meetingId}/join", post(join_meeting))
        .route("/calls", get(list_calls))
        .route("/calls/{callId}", get(get_call))
        .route("/calls/{callId}/legs/{legId}/press", post(press))
        .route("/calls/{callId}/legs/{legId}/play", post(play))
        .route("/calls/{callId}/legs/{legId}/hangup", post(hang_up))
        .route("/calls/{callId}/legs/{legId}/hold", post(hold))
        .route("/calls/{callId}/legs/{legId}/resume", post(resume))
        .route("/calls/{callId}/legs/{legId}/recording", get(recording))
        .route("/calls/{callId}/legs/{legId}/log", get(log))
        .route("/stats/media", get(media_stats))
        .route("/stats/media/reset", post(reset_media_stats))
}

// ----- plumbing -----

/// Percent-decoded path parameters; undecodable paths are a 400 in the envelope.
struct Params(HashMap<String, String>);

impl FromRequestParts<PlatformState> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Params, ApiError> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(map)| Params(map))
            .map_err(|rejection| ApiError::bad_request(format!("Malformed path: {rejection}")))
    }
}

impl Params {
    fn raw(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("route has no '{name}' parameter")))
    }

    fn guid(&self, name: &str, what: &str) -> Result<Guid, ApiError> {
        let raw = self.raw(name)?;
        Guid::parse(raw).map_err(|error| ApiError::bad_request(format!("Invalid {what}: {error}.")))
    }

    fn call(&self) -> Result<ConversationId, ApiError> {
        self.guid("callId", "call id").map(ConversationId)
    }

    fn leg(&self) -> Result<(ConversationId, LegId), ApiError> {
        Ok((self.call()?, LegId(self.guid("legId", "leg id")?)))
    }

    fn endpoint(&self, state: &PlatformState) -> Result<NamedEndpoint, ApiError> {
        resolve(state, self.raw("endpoint")?)
    }
}

fn resolve(state: &PlatformState, raw: &str) -> Result<NamedEndpoint, ApiError> {
    state
        .directory()
        .read(|d| routing::resolve_endpoint(d, raw))
        .map_err(|error| match error {
            EndpointNameError::Invalid(message) => ApiError::bad_request(message),
            EndpointNameError::UnknownUser(message) => ApiError::not_found(message),
        })
}

/// A JSON body, or `None` when empty; failures in the envelope.
struct Body(Option<Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Body, ApiError> {
        let bytes = ringside_http::read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(None));
        }
        ringside_http::parse_json(&bytes).map(|value| Body(Some(value)))
    }
}

impl Body {
    fn required(self) -> Result<Value, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::bad_request("The request body is empty; a JSON object is required.")
        })
    }
}

fn call_error(error: CallError) -> ApiError {
    match error {
        CallError::NotFound(message) => ApiError::not_found(message),
        CallError::BadRequest(message) => ApiError::bad_request(message),
        CallError::Conflict(message) => ApiError::conflict(message),
        CallError::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The call runtime has stopped.",
        ),
        CallError::Busy => ApiError::too_many_requests(1),
    }
}

fn with_location(state: &PlatformState, status: StatusCode, path: &str, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    let location = format!("{}{}{path}", state.base_url(), crate::admin::PREFIX);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn media_view(info: &MediaInfo) -> Value {
    json!({
        "id": info.id,
        "uri": format!("ringside-media:{}", info.id),
        "durationMs": info.duration_ms,
        "sampleRate": info.sample_rate,
        "channels": info.channels,
        "bytes": info.bytes,
    })
}

// ----- media -----

async fn upload_media(
    _: Admin,
    State(state): State<PlatformState>,
    request: Request,
) -> Result<Response, ApiError> {
    let bytes = Bytes::from_request(request, &state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    format!(
                        "The WAV file exceeds the upload limit of {} MiB.",
                        MAX_UPLOAD_BYTES >> 20
                    ),
                )
            } else {
                ApiError::bad_request(format!("The request body could not be read: {rejection}"))
            }
        })?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "The request body is empty; send the WAV file's bytes.",
        ));
    }
    let runtime = state.calls().clone();
    let info = tokio::task::spawn_blocking(move || runtime.media().upload(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| match error {
            MediaError::Wav(error) => {
                ApiError::bad_request(format!("The WAV file cannot be used: {error}."))
            }
            MediaError::Io(error) => ApiError::internal(error),
        })?;
    Ok(with_location(
        &state,
        StatusCode::CREATED,
        &format!("/media/{}", info.id),
        media_view(&info),
    ))
}

async fn get_media(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let id = params.raw("mediaId")?.to_string();
    let runtime = state.calls().clone();
    let lookup = id.clone();
    let info = tokio::task::spawn_blocking(move || runtime.media().info(&lookup))
        .await
        .map_err(ApiError::internal)?;
    match info {
        Some(Ok(info)) => Ok(Json(media_view(&info)).into_response()),
        Some(Err(error)) => Err(ApiError::internal(error)),
        None => Err(ApiError::not_found(format!(
            "No media has the id '{}'.",
            id.chars().take(64).collect::<String>()
        ))),
    }
}

// ----- behaviours -----

/// The endpoint a behaviour can be set for: a directory user or a number not owned by a bot.
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
    check_media(&state, &behaviour.timeline)?;
    state
        .calls()
        .behaviours()
        .set(&endpoint.party, behaviour.clone());
    Ok(Json(behaviour_response(&state, &endpoint, &behaviour, false)).into_response())
}

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

// ----- calls -----

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

async fn list_calls(_: Admin, State(state): State<PlatformState>) -> Result<Response, ApiError> {
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::List { reply })
        .await
        .map_err(call_error)?;
    Ok(Json(view).into_response())
}

async fn get_call(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let conversation = params.call()?;
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::Get {
            conversation,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(Json(view).into_response())
}

fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

async fn press(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    body: Body,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    let body = body.required()?;
    let digits = body
        .get("digits")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("digits: is required (e.g. \"123#\")."))?;
    let tones =
        parse_digits(digits).map_err(|error| ApiError::bad_request(format!("digits: {error}.")))?;
    let in_band = match body.get("inBand") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(in_band)) => *in_band,
        Some(_) => return Err(ApiError::bad_request("inBand: must be true or false.")),
    };
    state
        .calls()
        .ask(|reply| RuntimeRequest::Press {
            conversation,
            leg,
            tones,
            in_band,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(accepted())
}

async fn play(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    body: Body,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    let body = body.required()?;
    let media = body
        .get("media")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("media: is required (an uploaded media id)."))?;
    let media =
        parse_media_id(media).map_err(|error| ApiError::bad_request(format!("media: {error}.")))?;
    if !state.calls().media().exists(&media) {
        return Err(ApiError::bad_request(format!(
            "media: '{media}' does not exist (upload it with POST /ringside/v1/media)."
        )));
    }
    state
        .calls()
        .ask(|reply| RuntimeRequest::Play {
            conversation,
            leg,
            media,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(accepted())
}

async fn hang_up(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    state
        .calls()
        .ask(|reply| RuntimeRequest::HangUp {
            conversation,
            leg,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(accepted())
}

/// `POST …/legs/{legId}/hold` with an optional `{"for": "5s"}`: the simulated endpoint puts the
/// call on hold now (until resumed, or for that long).
async fn hold(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
    body: Body,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    let duration = match body.0.as_ref().map(|body| (body, body.get("for"))) {
        None | Some((_, None | Some(Value::Null))) => None,
        Some((Value::Object(_), Some(Value::String(text)))) => Some(
            parse_duration(text)
                .map_err(|error| ApiError::bad_request(format!("for: {error}.")))?,
        ),
        Some((Value::Object(_), Some(_))) => {
            return Err(ApiError::bad_request(
                "for: must be a duration string such as \"5s\".",
            ))
        }
        Some(_) => return Err(ApiError::bad_request("The body must be a JSON object.")),
    };
    state
        .calls()
        .ask(|reply| RuntimeRequest::Hold {
            conversation,
            leg,
            duration,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(accepted())
}

/// `POST …/legs/{legId}/resume`: the simulated endpoint takes the call off hold.
async fn resume(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    state
        .calls()
        .ask(|reply| RuntimeRequest::Resume {
            conversation,
            leg,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(accepted())
}

async fn recording(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    let wav = state
        .calls()
        .ask(|reply| RuntimeRequest::Recording {
            conversation,
            leg,
            reply,
        })
        .await
        .map_err(call_error)?;
    let mut response = (StatusCode::OK, wav.as_ref().clone()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    Ok(response)
}

async fn log(
    _: Admin,
    State(state): State<PlatformState>,
    params: Params,
) -> Result<Response, ApiError> {
    let (conversation, leg) = params.leg()?;
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::Log {
            conversation,
            leg,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(Json(view).into_response())
}

// ----- media clock figures -----

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The wire form of the media clock's figures (durations in microseconds).
fn clock_stats_view(stats: &ringside_media::ClockStats) -> Value {
    let shards: Vec<Value> = stats
        .shards
        .iter()
        .map(|s| {
            json!({
                "ticks": s.ticks,
                "skippedFrames": s.skipped_frames,
                "commands": s.commands,
                "latenessP50Us": micros(s.lateness_p50),
                "latenessP99Us": micros(s.lateness_p99),
                "latenessMaxUs": micros(s.lateness_max),
                "workP50Us": micros(s.work_p50),
                "workP99Us": micros(s.work_p99),
                "workMaxUs": micros(s.work_max),
                "conversations": s.conversations,
                "legs": s.legs,
                "realtime": s.realtime,
                "cpuTimeUs": s.cpu_time.map(micros),
            })
        })
        .collect();
    json!({
        "ticks": stats.ticks,
        "skippedFrames": stats.shards.iter().map(|s| s.skipped_frames).sum::<u64>(),
        "latenessP50Us": micros(stats.lateness_p50),
        "latenessP99Us": micros(stats.lateness_p99),
        "latenessMaxUs": micros(stats.lateness_max),
        "workP99Us": micros(stats.work_p99),
        "conversations": stats.conversations,
        "shards": shards,
    })
}

/// `GET /stats/media`: the media clock's tick lateness (wake − deadline) and work per tick since
/// start or the last reset, per shard and over all shards.
async fn media_stats(_: Admin, State(state): State<PlatformState>) -> Result<Response, ApiError> {
    let stats = state
        .calls()
        .ask(|reply| RuntimeRequest::MediaStats {
            reset: false,
            reply,
        })
        .await
        .map_err(call_error)?;
    Ok(Json(clock_stats_view(&stats)).into_response())
}

/// `POST /stats/media/reset`: the figures so far, then clears the tick counts and histograms (a
/// benchmark calls it after its warm-up).
async fn reset_media_stats(
    _: Admin,
    State(state): State<PlatformState>,
) -> Result<Response, ApiError> {
    let stats = state
        .calls()
        .ask(|reply| RuntimeRequest::MediaStats { reset: true, reply })
        .await
        .map_err(call_error)?;
    Ok(Json(clock_stats_view(&stats)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routes_table_matches_the_router_source() {
        let source = include_str!("calls.rs");
        let router = &source[source.find("pub(crate) fn routes()").expect("router")..];
        let router = &router[..router.find("\n}\n").expect("end of router")];
        let mut routed = std::collections::BTreeSet::new();
        let mut rest = router;
        while let Some(start) = rest.find(".route(") {
            rest = &rest[start + ".route(".len()..];
            let open = rest.find('"').expect("quote");
            let close = rest[open + 1..].find('"').expect("closing quote");
            routed.insert(rest[open + 1..open + 1 + close].to_string());
        }
        let listed: std::collections::BTreeSet<String> =
            ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed, listed);
    }
}
