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
