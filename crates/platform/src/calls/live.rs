//! Live and ended calls: `GET /calls`, `GET /calls/{callId}`, and a simulated leg's controls
//! (`POST …/legs/{legId}/press|play|hangup|hold|resume`), recording and detection log.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringside_runtime::behaviour::{parse_digits, parse_duration, parse_media_id};
use ringside_runtime::Request as RuntimeRequest;
use serde_json::Value;

use super::extract::{Body, Params};
use super::reply::{accepted, call_error};
use super::schemas::{CallSchema, HoldBodySchema, LegLogSchema, PlayBodySchema, PressBodySchema};
use crate::api_doc::{
    list_schema, BinarySchema, Busy, ErrorSchema, TooLarge, Unauthorized, Unavailable,
};
use crate::state::{Admin, PlatformState};
use ringside_http::ApiError;

/// This part's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new()
        .route("/calls", get(list_calls))
        .route("/calls/{callId}", get(get_call))
        .route("/calls/{callId}/legs/{legId}/press", post(press))
        .route("/calls/{callId}/legs/{legId}/play", post(play))
        .route("/calls/{callId}/legs/{legId}/hangup", post(hang_up))
        .route("/calls/{callId}/legs/{legId}/hold", post(hold))
        .route("/calls/{callId}/legs/{legId}/resume", post(resume))
        .route("/calls/{callId}/legs/{legId}/recording", get(recording))
        .route("/calls/{callId}/legs/{legId}/log", get(log))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(modifiers(&OptionalHoldBody), paths(list_calls, get_call, press, play, hang_up, recording, log, hold, resume))]
pub(super) struct Api;

/// The body of a hold may be left out (utoipa marks a typed body required).
struct OptionalHoldBody;

impl utoipa::Modify for OptionalHoldBody {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let hold = document
            .paths
            .paths
            .get_mut("/calls/{callId}/legs/{legId}/hold")
            .and_then(|item| item.post.as_mut())
            .and_then(|operation| operation.request_body.as_mut());
        if let Some(body) = hold {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

#[utoipa::path(
    get,
    path = "/calls",
    operation_id = "listCalls",
    tags = ["calls"],
    summary = "Live conversations with their legs.",
    responses(
        (status = 200, description = "Live calls.", body = inline(CallListSchema)),
        (status = 401, response = inline(Unauthorized)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn list_calls(_: Admin, State(state): State<PlatformState>) -> Result<Response, ApiError> {
    let view = state
        .calls()
        .ask(|reply| RuntimeRequest::List { reply })
        .await
        .map_err(call_error)?;
    Ok(Json(view).into_response())
}

#[utoipa::path(
    get,
    path = "/calls/{callId}",
    operation_id = "getCall",
    tags = ["calls"],
    summary = "A live or recently ended conversation (the last 100 ended ones are kept).",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId).")
    ),
    responses(
        (status = 200, description = "The call.", body = CallSchema),
        (status = 400, description = "Malformed id.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call.", body = ErrorSchema),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

#[utoipa::path(
    post,
    path = "/calls/{callId}/legs/{legId}/press",
    operation_id = "pressOnLeg",
    tags = ["calls"],
    summary = "A simulated leg presses keys now.",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    request_body = PressBodySchema,
    responses(
        (status = 202, description = "Accepted: it happens now (see the leg's log)."),
        (status = 400, description = "Malformed id or body, or a bot's leg (only simulated legs are controlled here).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 409, description = "The leg is not connected yet, or has ended.", body = ErrorSchema),
        (status = 413, response = inline(TooLarge)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

#[utoipa::path(
    post,
    path = "/calls/{callId}/legs/{legId}/play",
    operation_id = "playOnLeg",
    tags = ["calls"],
    summary = "A simulated leg plays an uploaded WAV into the call now.",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    request_body = PlayBodySchema,
    responses(
        (status = 202, description = "Accepted: it happens now (see the leg's log)."),
        (status = 400, description = "Malformed id or body, or a bot's leg (only simulated legs are controlled here).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 409, description = "The leg is not connected yet, or has ended.", body = ErrorSchema),
        (status = 413, response = inline(TooLarge)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

#[utoipa::path(
    post,
    path = "/calls/{callId}/legs/{legId}/hangup",
    operation_id = "hangUpLeg",
    tags = ["calls"],
    summary = "A simulated leg hangs up now (also while ringing or dialling).",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    responses(
        (status = 202, description = "Accepted: it happens now (see the leg's log)."),
        (status = 400, description = "Malformed id or body, or a bot's leg (only simulated legs are controlled here).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 409, description = "The leg is not connected yet, or has ended.", body = ErrorSchema),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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
#[utoipa::path(
    post,
    path = "/calls/{callId}/legs/{legId}/hold",
    operation_id = "holdLeg",
    tags = ["calls"],
    summary = "A simulated leg puts the call on hold now: it hears nothing and the other side of a two-party call hears hold music, until it resumes (or for `for`).",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    request_body(content = inline(HoldBodySchema), content_type = "application/json"),
    responses(
        (status = 202, description = "Accepted: it happens now (see the leg's log)."),
        (status = 400, description = "Malformed id or body, or a bot's leg (only simulated legs are controlled here).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 409, description = "The leg is not connected yet, or has ended.", body = ErrorSchema),
        (status = 413, response = inline(TooLarge)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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
#[utoipa::path(
    post,
    path = "/calls/{callId}/legs/{legId}/resume",
    operation_id = "resumeLeg",
    tags = ["calls"],
    summary = "A simulated leg takes the call off hold now (nothing happens if it is not on hold).",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    responses(
        (status = 202, description = "Accepted: it happens now (see the leg's log)."),
        (status = 400, description = "Malformed id or body, or a bot's leg (only simulated legs are controlled here).", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 409, description = "The leg is not connected yet, or has ended.", body = ErrorSchema),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

#[utoipa::path(
    get,
    path = "/calls/{callId}/legs/{legId}/recording",
    operation_id = "getLegRecording",
    tags = ["calls"],
    summary = "What a recording simulated leg heard (16 kHz mono WAV), once it has ended.",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    responses(
        (status = 200, description = "The recording.", content_type = "audio/wav", body = inline(BinarySchema)),
        (status = 400, description = "Malformed id.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg, or no recording (yet).", body = ErrorSchema),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

#[utoipa::path(
    get,
    path = "/calls/{callId}/legs/{legId}/log",
    operation_id = "getLegLog",
    tags = ["calls"],
    summary = "A leg's detection log: state changes, what it did, tones and audio it heard, the built-in responder's keys, with times.",
    params(
        ("callId" = String, Path, format = "uuid", description = "The conversation id (callChainId)."),
        ("legId" = String, Path, format = "uuid", description = "A leg of the conversation.")
    ),
    responses(
        (status = 200, description = "The log.", body = LegLogSchema),
        (status = 400, description = "Malformed id.", body = ErrorSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 404, description = "No such call or leg.", body = ErrorSchema),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
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

list_schema!(
    /// A list of `Call`s in the `value` envelope.
    CallListSchema of CallSchema
);
