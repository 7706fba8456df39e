//! Call media: `:play` (file sources), `:cancelAllMediaOperations`, `:recognize` (DTMF),
//! `:startContinuousDtmfRecognition`/`:stop…`, `:sendDtmfTones`, `:hold`/`:unhold` and
//! `:startMediaStreaming`/`:stopMediaStreaming`.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_engine::{Command, MediaRef, RecognizeOptions};
use ringside_model::{Party, TenantId};
use serde_json::{json, Map, Value};

use super::parties::party;
use super::{engine_error, participant_leg, pending, remember, Connection};
use crate::error::AcsError;
use crate::request::{field, invalid, live, not_found, not_implemented, run, string, Result};
use crate::wire::{result, tone_from_name};
use crate::AcsState;

/// File play sources from a member holding one source or a list (405 for text and SSML).
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

/// The parties an identifier list names.
fn parties(state: &AcsState, tenant: TenantId, list: &[Value]) -> Result<Vec<Party>> {
    list.iter().map(|who| party(state, tenant, who)).collect()
}

/// `targetParticipant` (required).
fn target_participant(
    state: &AcsState,
    tenant: TenantId,
    map: &Map<String, Value>,
) -> Result<Party> {
    party(
        state,
        tenant,
        field(map, "targetParticipant").ok_or_else(|| invalid("targetParticipant is required."))?,
    )
}

/// `:play`: 202, PlayStarted right away.
pub(super) async fn play(at: Connection, map: &Map<String, Value>) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let prompts = file_sources(map, "playSources")?;
    if prompts.is_empty() {
        return Err(invalid("playSources needs at least one file source."));
    }
    let audience_in: Vec<Value> = match field(map, "playTo") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    let audience_parties = parties(&state, tenant, &audience_in)?;
    state.calls().prefetch(&prompts).await;
    let looped = field(map, "playOptions")
        .and_then(|o| o.get("loop"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let barge_in = field(map, "interruptCallMediaOperation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let op = pending(map, None)?;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let mut audience = Vec::new();
        for p in &audience_parties {
            audience.push(participant_leg(ctx, &call, p)?);
        }
        let ack = ctx
            .command(Command::PlayPrompt {
                leg: id,
                prompts,
                audience,
                looped,
                barge_in,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        if ack.operation().is_some() {
            let data = json!({"operationContext": op.context.clone(), "resultInformation": result(200, 0, "Action completed successfully.")});
            ctx.door()
                .callback(id, "PlayStarted", data, op.callback.as_deref());
        }
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `:cancelAllMediaOperations`: 202.
pub(super) async fn cancel_all(at: Connection) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
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

/// Seconds between 0 (excluded) and `max`, `default` when absent.
fn secs(v: Option<&Value>, default: u64, max: u64, name: &str) -> Result<Duration> {
    match v.and_then(Value::as_f64) {
        None => Ok(Duration::from_secs(default)),
        Some(s) if s > 0.0 && s <= max as f64 => Ok(Duration::from_secs_f64(s)),
        Some(_) => Err(invalid(format!(
            "{name} must be between 1 and {max} seconds."
        ))),
    }
}

/// What a DTMF recognize asks for: whose keys, the prompts, and how to collect the keys.
fn dtmf_options(
    state: &AcsState,
    tenant: TenantId,
    map: &Map<String, Value>,
) -> Result<(Party, RecognizeOptions)> {
    let options = field(map, "recognizeOptions").cloned().unwrap_or(json!({}));
    let target = party(
        state,
        tenant,
        options
            .get("targetParticipant")
            .ok_or_else(|| invalid("recognizeOptions.targetParticipant is required."))?,
    )?;
    let dtmf = options.get("dtmfOptions").cloned().unwrap_or(json!({}));
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
                .and_then(tone_from_name)
                .ok_or_else(|| invalid(format!("'{t}' is not a DTMF tone.")))?,
        );
    }
    let mut prompt_map = Map::new();
    if let Some(p) = field(map, "playPrompts").or_else(|| field(map, "playPrompt")) {
        prompt_map.insert("p".into(), p.clone());
    }
    let recognize = RecognizeOptions {
        prompts: file_sources(&prompt_map, "p")?,
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
    Ok((target, recognize))
}

/// `:recognize` (DTMF; 405 for speech and choices): 202.
pub(super) async fn recognize(at: Connection, map: &Map<String, Value>) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let kind = string(map, "recognizeInputType")?
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind != "dtmf" {
        return Err(not_implemented(
            "Speech and choice recognition (no speech engine is configured)",
        ));
    }
    let (target, recognize) = dtmf_options(&state, tenant, map)?;
    state.calls().prefetch(&recognize.prompts).await;
    let barge_in = field(map, "interruptCallMediaOperation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let op = pending(map, None)?;
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

/// `:startContinuousDtmfRecognition` / `:stopContinuousDtmfRecognition`: 200.
pub(super) async fn continuous_dtmf(
    at: Connection,
    map: &Map<String, Value>,
    start: bool,
) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let target = target_participant(&state, tenant, map)?;
    let op = pending(map, None)?;
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

/// `:sendDtmfTones`: 202 `{operationContext}`.
pub(super) async fn send_dtmf(at: Connection, map: &Map<String, Value>) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let tones_in = field(map, "tones")
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
                .and_then(tone_from_name)
                .ok_or_else(|| invalid(format!("'{t}' is not a DTMF tone.")))?,
        );
    }
    let target = target_participant(&state, tenant, map)?;
    let op = pending(map, None)?;
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

/// `:hold` (with music on hold) / `:unhold`: 200.
pub(super) async fn hold(at: Connection, map: &Map<String, Value>, hold: bool) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let target = target_participant(&state, tenant, map)?;
    let mut music_map = Map::new();
    if let Some(source) = field(map, "playSourceInfo") {
        music_map.insert("s".into(), source.clone());
    }
    let music = file_sources(&music_map, "s")?.into_iter().next();
    if let Some(music) = &music {
        state.calls().prefetch(std::slice::from_ref(music)).await;
    }
    let op = pending(map, None)?;
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

/// `:startMediaStreaming` / `:stopMediaStreaming`: 202; MediaStreamingStarted/Stopped follow.
pub(super) async fn streaming(
    at: Connection,
    map: &Map<String, Value>,
    start: bool,
) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    let op = pending(map, None)?;
    run(&state, move |ctx| {
        let conversation = live(ctx, resource, id)?.conversation;
        let roster = ctx.participants(conversation).unwrap_or_default();
        let names = ctx.door().raw_names(&roster);
        let acs = &mut ctx.door();
        let Some(media) = acs.media.as_ref() else {
            return Err(not_implemented("Media streaming"));
        };
        let call = acs.calls.get_mut(&id).ok_or_else(not_found)?;
        let already = if start {
            call.streaming.stream.is_some()
        } else {
            call.streaming.stream.is_none()
        };
        if start && call.streaming.options.is_none() {
            return Err(invalid(
                "The call was not set up with mediaStreamingOptions.",
            ));
        }
        if already {
            return Err(AcsError::new(
                StatusCode::BAD_REQUEST,
                "8583",
                if start {
                    "Media streaming is already started."
                } else {
                    "Media streaming is not started."
                },
            ));
        }
        call.streaming.context = Some(op.context.clone()).filter(|c| !c.is_empty());
        call.streaming.callback = op.callback.clone();
        let at = call.stream_at();
        if !start {
            media.stop(&call.streaming, "stopMediaStreaming");
        } else if let Err(message) =
            media.start(&mut call.streaming, at, names.into_iter().collect())
        {
            let callback = call.streaming.callback.take();
            acs.streaming_refused(id, &message, callback.as_deref());
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
