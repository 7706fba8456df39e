//! Integration tests of the Graph service-hosted media operations against a real dev-mode server on
//! 127.0.0.1:0, with a real webhook receiver and a real prompt server (both axum on loopback http,
//! which dev mode allows): a simulated PSTN phone dials the dev resource account, the bot answers,
//! plays a prompt fetched from the prompt server (the phone's recording holds it), subscribes to
//! tones (the phone's key presses arrive as toneInfo notifications), sends DTMF, records what the
//! phone plays (downloaded with the recordingAccessToken), cancels queued and running operations,
//! and bad prompts, permissions and app-hosted calls fail as documented.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{
    poll_until, send, sine_wav, PromptServer, Received, Reply, TestServer,
};
use serde_json::{json, Value};

const CALLER: &str = "+14255550199";
const BOT_NUMBER: &str = "+14255550100";

/// The server with the dev app's webhook on its hook, and a prompt server.
pub(crate) async fn start() -> (TestServer, PromptServer) {
    let h = TestServer::start().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    (h, PromptServer::start().await)
}

/// Every notification in what the bot received, in order.
pub(crate) fn notifications(received: &[Received]) -> Vec<Value> {
    received
        .iter()
        .flat_map(|r| r.body["value"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Waits for a notification matching `f` (at most `limit`) and returns it.
pub(crate) async fn wait_for(h: &TestServer, limit: Duration, f: impl Fn(&Value) -> bool) -> Value {
    let received = h
        .hook
        .wait_until(limit, |r| notifications(r).iter().any(&f))
        .await;
    notifications(&received)
        .into_iter()
        .find(|n| f(n))
        .unwrap_or_else(|| {
            panic!(
                "no matching notification in {limit:?}; got {:#?}",
                notifications(&received)
            )
        })
}

/// Waits for the completion notification of operation `op`.
pub(crate) async fn completion(h: &TestServer, op: &str, limit: Duration) -> Value {
    let url_end = format!("/operations/{op}");
    wait_for(h, limit, |n| {
        n["changeType"] == "deleted"
            && n["resourceUrl"]
                .as_str()
                .is_some_and(|u| u.ends_with(&url_end))
    })
    .await["resourceData"]
        .clone()
}

/// The phone dials the bot's number (recording when asked); the bot answers with
/// service-hosted media. Returns (Graph call id, conversation id, phone leg id).
pub(crate) async fn incoming_answered(
    h: &TestServer,
    prompts: &PromptServer,
    record: bool,
) -> (String, String, String) {
    let dial = h
        .admin(
            Method::POST,
            &format!("/phones/{}/calls", CALLER.replace('+', "%2B")),
            json!({"to": BOT_NUMBER, "record": record}),
        )
        .await;
    assert!(dial.status.is_success(), "{}", dial.body);
    let conversation = dial.body["callId"].as_str().unwrap().to_string();
    let phone_leg = dial.body["legId"].as_str().unwrap().to_string();
    let created = wait_for(h, Duration::from_secs(5), |n| {
        n["changeType"] == "created" && n["resourceData"]["callChainId"] == conversation.as_str()
    })
    .await;
    let id = created["resourceData"]["id"].as_str().unwrap().to_string();
    let answer = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/answer"),
            json!({
                "callbackUri": h.hook.url(&format!("/call/{id}")),
                "mediaConfig": {
                    "@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
                    "preFetchMedia": [{"uri": prompts.url("/beep.wav"), "resourceId": "beep"}]
                },
                "acceptedModalities": ["audio"],
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    wait_for(h, Duration::from_secs(5), |n| {
        n["resourceUrl"] == format!("/communications/calls/{id}").as_str()
            && n["resourceData"]["state"] == "established"
    })
    .await;
    (id, conversation, phone_leg)
}

pub(crate) async fn press(h: &TestServer, conversation: &str, leg: &str, digits: &str) {
    let reply = h
        .admin(
            Method::POST,
            &format!("/calls/{conversation}/legs/{leg}/press"),
            json!({"digits": digits}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
}

pub(crate) async fn hang_up_and_get_recording(
    h: &TestServer,
    conversation: &str,
    leg: &str,
) -> Vec<u8> {
    let reply = h
        .admin(
            Method::POST,
            &format!("/calls/{conversation}/legs/{leg}/hangup"),
            json!({}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let recording = h.recording(conversation, leg).await;
    assert_eq!(recording.status, StatusCode::OK, "no recording");
    recording.bytes
}

/// Samples of a WAV as f32 (the reader's output).
pub(crate) fn samples(wav: &[u8]) -> (u32, Vec<f32>) {
    let decoded = ringside_audio::wav::decode(wav).expect("WAV decodes");
    assert_eq!(decoded.channels, 1);
    (decoded.sample_rate, decoded.samples)
}

/// 20 ms frames in which a tone at `hz` carries most of the energy (Goertzel against the frame's
/// total energy).
pub(crate) fn frames_dominated_by(wav: &[u8], hz: f32) -> usize {
    let (rate, samples) = samples(wav);
    let n = (rate / 50) as usize;
    samples
        .chunks_exact(n)
        .filter(|frame| {
            let energy: f32 = frame.iter().map(|s| s * s).sum();
            if energy < 1e-3 {
                return false;
            }
            let w = hz * std::f32::consts::TAU / rate as f32;
            let coeff = 2.0 * w.cos();
            let (mut s1, mut s2) = (0.0f32, 0.0f32);
            for &x in frame.iter() {
                let s0 = x + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            // A pure sine of amplitude A over n samples: power ≈ (A n / 2)², energy ≈ A² n / 2.
            power / (energy * n as f32 / 2.0) > 0.6
        })
        .count()
}

fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

pub(crate) fn op_id(reply: &Reply) -> String {
    reply.body["id"].as_str().expect("operation id").to_string()
}

#[tokio::test(start_paused = true)]
async fn a_fetched_prompt_is_heard_tones_reach_the_bot_and_dtmf_is_sent() {
    let (h, prompts) = start().await;
    let (id, conversation, phone) = incoming_answered(&h, &prompts, true).await;

    // playPrompt from the loopback prompt server (resourceId prefetched at answer).
    let played = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            json!({
                "clientContext": "greeting",
                "prompts": [{
                    "@odata.type": "#microsoft.graph.mediaPrompt",
                    "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo",
                                  "uri": prompts.url("/beep.wav"), "resourceId": "beep"}
                }]
            }),
        )
        .await;
    assert_eq!(played.status, StatusCode::OK, "{}", played.body);
    assert_eq!(
        played.body["@odata.type"],
        "#microsoft.graph.playPromptOperation"
    );
    assert_eq!(played.body["status"], "running");
    assert_eq!(played.body["clientContext"], "greeting");
    let op = op_id(&played);
    assert_eq!(
        played.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{}/v1.0/communications/calls/{id}/operations/{op}", h.base).as_str())
    );
    let done = completion(&h, &op, Duration::from_secs(6)).await;
    assert_eq!(done["@odata.type"], "#microsoft.graph.playPromptOperation");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["clientContext"], "greeting");
    assert_eq!(done["resultInfo"]["code"], 200);
    assert_eq!(done["resultInfo"]["subcode"], 0);
    let got = h
        .graph(
            Method::GET,
            &format!("/v1.0/communications/calls/{id}/operations/{op}"),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["status"], "completed");

    // subscribeToTone (SDK spelling, beta): completed at once; key presses arrive as toneInfo.
    let subscribed = h
        .graph(
            Method::POST,
            &format!("/beta/communications/calls/{id}/microsoft.graph.subscribeToTone"),
            json!({"clientContext": "tones"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);
    assert_eq!(
        subscribed.body["@odata.type"],
        "#microsoft.graph.subscribeToToneOperation"
    );
    assert_eq!(subscribed.body["status"], "completed");
    press(&h, &conversation, &phone, "12#").await;
    let call_url = format!("/communications/calls/{id}");
    let tones = |received: &[Received]| -> Vec<(i64, String)> {
        notifications(received)
            .iter()
            .filter(|n| n["resourceUrl"] == call_url.as_str())
            .filter_map(|n| {
                let info = &n["resourceData"]["toneInfo"];
                info["tone"]
                    .as_str()
                    .map(|t| (info["sequenceId"].as_i64().unwrap_or(-1), t.to_string()))
            })
            .collect()
    };
    let tones = tones(
        &h.hook
            .wait_until(Duration::from_secs(6), |r| tones(r).len() >= 3)
            .await,
    );
    assert_eq!(
        tones,
        vec![
            (1, "tone1".to_string()),
            (2, "tone2".to_string()),
            (3, "pound".to_string())
        ]
    );

    // sendDtmfTones: running, then completed with completionReason.
    let sent = h
        .graph(Method::POST,
            &format!("/v1.0/communications/calls/{id}/sendDtmfTones"),
            json!({"tones": ["tone5", "star"], "delayBetweenTonesMs": 100, "clientContext": "dtmf"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        sent.body["@odata.type"],
        "#microsoft.graph.sendDtmfTonesOperation"
    );
    assert_eq!(sent.body["status"], "running");
    let done = completion(&h, &op_id(&sent), Duration::from_secs(6)).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["completionReason"], "completedSuccessfully");
    // The phone detected the keys the bot sent.
    let log_path = format!("/calls/{conversation}/legs/{phone}/log");
    let detected = |log: &Reply| -> String {
        log.body["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == "toneDetected")
            .filter_map(|e| e["tone"].as_str())
            .collect()
    };
    let detected = detected(
        &poll_until(
            Duration::from_secs(3),
            || h.admin(Method::GET, &log_path, None),
            |log| detected(log).contains("5*"),
        )
        .await,
    );
    assert!(detected.contains("5*"), "the phone detected {detected:?}");

    // The phone heard the 1 kHz prompt: 50 frames (1 s) dominated by 1 kHz.
    let recording = hang_up_and_get_recording(&h, &conversation, &phone).await;
    let heard = frames_dominated_by(&recording, 1_000.0);
    assert_eq!(heard, 50, "1 kHz frames heard");
    // Notifications are signed for the bot.
    assert!(h
        .hook
        .received()
        .iter()
        .all(|r| r.header("authorization").starts_with("Bearer ")));
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn record_response_captures_the_phone_and_serves_it_with_the_token() {
    let (h, prompts) = start().await;
    let (id, conversation, phone) = incoming_answered(&h, &prompts, false).await;
    let upload = h.admin(Method::POST, "/media", sine_wav(600.0, 1.5)).await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    let media = upload.body["id"].as_str().unwrap().to_string();

    let recorded = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/microsoft.graph.recordResponse"),
            json!({
                "clientContext": "rec",
                "bargeInAllowed": true,
                "initialSilenceTimeoutInSeconds": 5,
                "maxSilenceTimeoutInSeconds": 10,
                "maxRecordDurationInSeconds": 3,
                "playBeep": false,
                "stopTones": ["#"],
            }),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    assert_eq!(
        recorded.body["@odata.type"],
        "#microsoft.graph.recordOperation"
    );
    assert_eq!(recorded.body["status"], "running");
    assert!(recorded.body["recordingLocation"].is_null());
    // The phone speaks (a 600 Hz tone for 1.5 s) while the bot records.
    let play = h
        .admin(
            Method::POST,
            &format!("/calls/{conversation}/legs/{phone}/play"),
            json!({"media": media}),
        )
        .await;
    assert!(play.status.is_success(), "{}", play.body);

    let done = completion(&h, &op_id(&recorded), Duration::from_secs(8)).await;
    assert_eq!(done["@odata.type"], "#microsoft.graph.recordOperation");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["resultInfo"]["code"], 200);
    assert_eq!(done["resultInfo"]["subcode"], 8515);
    assert_eq!(done["completionReason"], "maxRecordDurationReached");
    assert_eq!(done["clientContext"], "rec");
    let location = done["recordingLocation"].as_str().expect("location");
    let token = done["recordingAccessToken"].as_str().expect("token");
    assert!(
        location.starts_with(&format!("{}/ringside/v1/recordings/", h.base)),
        "{location}"
    );
    assert!(token.len() >= 32);

    // No token: 401; another token: 403; unknown id: 404; the admin token is not enough.
    let download = |bearer: Option<String>, url: String| {
        let h = &h;
        async move {
            let mut request = h.http.get(url);
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            send(request).await
        }
    };
    let reply = download(None, location.to_string()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["error"]["code"], "InvalidAuthenticationToken");
    let reply = download(Some("not-the-token".into()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = download(Some(h.dev.admin_token.clone()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let unknown = format!("{}/ringside/v1/recordings/{}", h.base, "0".repeat(32));
    let reply = download(Some(token.to_string()), unknown).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"]["code"], "itemNotFound");

    let reply = download(Some(token.to_string()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/octet-stream")
    );
    let (rate, audio) = samples(&reply.bytes);
    assert_eq!(
        audio.len(),
        3 * rate as usize,
        "3 s recorded (maxRecordDurationInSeconds)"
    );
    // The phone's tone is in the first 1.5 s; then it is quiet.
    let split = (rate as f32 * 1.6) as usize;
    assert!(rms(&audio[..split]) > 0.1, "speech recorded");
    assert!(rms(&audio[split..]) < 0.02, "silence after");
    assert_eq!(
        frames_dominated_by(&reply.bytes, 600.0),
        75,
        "1.5 s of 600 Hz"
    );

    // A stop tone ends the next recording early; it is still delivered.
    let recorded = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"maxRecordDurationInSeconds": 20, "maxSilenceTimeoutInSeconds": 20,
                   "playBeep": true, "stopTones": ["#", "*"]}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let started = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(800)).await;
    press(&h, &conversation, &phone, "#").await;
    let done = completion(&h, &op_id(&recorded), Duration::from_secs(8)).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "stopped by the # at 0.8 s, not after 20 s"
    );
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["resultInfo"]["subcode"], 8514);
    assert_eq!(done["completionReason"], "stopToneDetected");
    let reply = download(
        Some(done["recordingAccessToken"].as_str().unwrap().to_string()),
        done["recordingLocation"].as_str().unwrap().to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let (rate, audio) = samples(&reply.bytes);
    assert!(audio.len() < rate as usize, "{} samples", audio.len());
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancel_media_processing_fails_running_and_queued_operations_but_keeps_tones() {
    let (h, prompts) = start().await;
    let (id, conversation, phone) = incoming_answered(&h, &prompts, false).await;
    let upload = h.admin(Method::POST, "/media", sine_wav(440.0, 10.0)).await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    let long = format!(
        "{}/ringside/v1/media/{}",
        h.base,
        upload.body["id"].as_str().unwrap()
    );
    let prompt = |uri: &str| json!({"prompts": [{"mediaInfo": {"uri": uri}}], "loop": true});
    let first = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            prompt(&long),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["status"], "running");
    let second = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            prompt(&prompts.url("/beep.wav")),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(
        second.body["status"], "notStarted",
        "queued behind the first"
    );
    let record = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"maxRecordDurationInSeconds": 10}),
        )
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert_eq!(record.body["status"], "notStarted");
    let subscribed = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/subscribeToTone"),
            json!({}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);

    let cancel = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/microsoft.graph.cancelMediaProcessing"),
            json!({"clientContext": "stop"}),
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    assert_eq!(
        cancel.body["@odata.type"],
        "#microsoft.graph.cancelMediaProcessingOperation"
    );
    assert_eq!(cancel.body["status"], "completed");
    assert!(cancel.headers.get("location").is_some());
    for op in [&first, &second, &record] {
        let done = completion(&h, &op_id(op), Duration::from_secs(5)).await;
        assert_eq!(done["status"], "failed", "{done}");
        assert_eq!(done["resultInfo"]["code"], 400);
        assert_eq!(done["resultInfo"]["subcode"], 8508);
    }
    let cancelled_record = completion(&h, &op_id(&record), Duration::from_secs(1)).await;
    assert_eq!(cancelled_record["completionReason"], "operationCanceled");
    assert_eq!(cancelled_record["recordingLocation"], "");
    assert_eq!(cancelled_record["recordingAccessToken"], "");
    // The cancel operation itself was final in its response: no notification for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel_url = format!("/operations/{}", op_id(&cancel));
    assert!(!notifications(&h.hook.received())
        .iter()
        .any(|n| n["resourceUrl"]
            .as_str()
            .is_some_and(|u| u.ends_with(&cancel_url))));
    // The tone subscription survives the cancel.
    press(&h, &conversation, &phone, "7").await;
    let tone = wait_for(&h, Duration::from_secs(5), |n| {
        n["resourceData"]["toneInfo"]["tone"] == "tone7"
    })
    .await;
    assert_eq!(tone["changeType"], "updated");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bad_prompts_permissions_and_app_hosted_calls_fail_as_documented() {
    let (h, prompts) = start().await;
    let (id, _conversation, _phone) = incoming_answered(&h, &prompts, false).await;
    let play = |uri: String| {
        let h = &h;
        let id = id.clone();
        async move {
            h.graph(
                Method::POST,
                &format!("/v1.0/communications/calls/{id}/playPrompt"),
                json!({"prompts": [{"mediaInfo": {"uri": uri}}]}),
            )
            .await
        }
    };
    // Never fetchable as written: 400 in the envelope.
    for uri in [
        "ftp://example.com/a.wav".to_string(),
        "http://example.com/a.wav".to_string(),
        "not a url".to_string(),
        String::new(),
    ] {
        let reply = play(uri.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.body
        );
        assert!(reply.body["error"]["message"].is_string());
    }
    // Fetch failures: the operation is accepted and fails with 400/8536.
    for uri in [
        "https://10.1.2.3/a.wav".to_string(),
        "https://169.254.169.254/latest/meta-data".to_string(),
        prompts.url("/missing"),
        prompts.url("/text"),
    ] {
        let reply = play(uri.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        let done = completion(&h, &op_id(&reply), Duration::from_secs(5)).await;
        assert_eq!(done["status"], "failed", "{uri}: {done}");
        assert_eq!(done["resultInfo"]["code"], 400, "{uri}");
        assert_eq!(done["resultInfo"]["subcode"], 8536, "{uri}");
    }
    // A recordResponse whose prompt cannot be fetched fails instead of recording without it.
    let reply = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"prompts": [{"mediaInfo": {"uri": prompts.url("/missing")}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = completion(&h, &op_id(&reply), Duration::from_secs(5)).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["resultInfo"]["subcode"], 8536);
    assert_eq!(done["completionReason"], "playPromptFailed");
    assert_eq!(done["recordingLocation"], "");
    // Too many prompts, bad tones, out-of-range timeouts, too long a clientContext.
    let many: Vec<Value> = (0..21)
        .map(|_| json!({"mediaInfo": {"uri": prompts.url("/beep.wav")}}))
        .collect();
    for (action, body) in [
        ("playPrompt", json!({"prompts": many})),
        ("playPrompt", json!({"prompts": []})),
        ("recordResponse", json!({"maxRecordDurationInSeconds": 0})),
        (
            "recordResponse",
            json!({"initialSilenceTimeoutInSeconds": 121}),
        ),
        ("recordResponse", json!({"stopTones": ["x"]})),
        ("sendDtmfTones", json!({"tones": []})),
        ("sendDtmfTones", json!({"tones": ["tone99"]})),
        ("subscribeToTone", json!({"clientContext": "x".repeat(257)})),
    ] {
        let reply = h
            .graph(
                Method::POST,
                &format!("/v1.0/communications/calls/{id}/{action}"),
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{action} {body}: {}",
            reply.body
        );
    }
    // Unknown call: 404.
    let missing = "00000000-0000-4000-8000-000000000001";
    let reply = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{missing}/subscribeToTone"),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    // Without Calls.AccessMedia.All: recordResponse and subscribeToTone are 403, playPrompt works
    // (its permissions were checked when the call was answered).
    let patched = h
        .admin(
            Method::PATCH,
            &format!("/applications/{}", h.dev.app.client_id),
            json!({"requestedPermissions": ["Calls.Initiate.All", "Calls.JoinGroupCall.All"]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let consent = h
        .admin(
            Method::PUT,
            &format!(
                "/tenants/{}/consents/{}",
                h.dev.tenant_id, h.dev.app.client_id
            ),
            json!({}),
        )
        .await;
    assert!(consent.status.is_success(), "{}", consent.body);
    let limited = h.graph_token().await;
    for action in ["recordResponse", "subscribeToTone"] {
        let reply = h
            .graph_as(
                &limited,
                Method::POST,
                &format!("/v1.0/communications/calls/{id}/{action}"),
                json!({}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{action}: {}",
            reply.body
        );
        assert!(reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Calls.AccessMedia.All")));
    }
    let reply = h
        .graph_as(
            &limited,
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            json!({"prompts": [{"mediaInfo": {"uri": prompts.url("/beep.wav")}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn app_hosted_calls_refuse_service_hosted_media_operations() {
    let (h, prompts) = start().await;
    let dial = h
        .admin(
            Method::POST,
            &format!("/phones/{}/calls", CALLER.replace('+', "%2B")),
            json!({"to": BOT_NUMBER}),
        )
        .await;
    assert!(dial.status.is_success(), "{}", dial.body);
    let created = wait_for(&h, Duration::from_secs(5), |n| n["changeType"] == "created").await;
    let id = created["resourceData"]["id"].as_str().unwrap().to_string();
    let answer = h
        .graph(Method::POST,
            &format!("/v1.0/communications/calls/{id}/answer"),
            json!({
                "callbackUri": h.hook.url(&format!("/app/{id}")),
                "mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "{}"},
                "acceptedModalities": ["audio"],
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    wait_for(&h, Duration::from_secs(5), |n| {
        n["resourceData"]["state"] == "established"
    })
    .await;
    for (action, body) in [
        (
            "playPrompt",
            json!({"prompts": [{"mediaInfo": {"uri": prompts.url("/beep.wav")}}]}),
        ),
        ("recordResponse", json!({})),
        ("subscribeToTone", json!({})),
    ] {
        let reply = h
            .graph(
                Method::POST,
                &format!("/v1.0/communications/calls/{id}/{action}"),
                body,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{action}: {}",
            reply.body
        );
        assert_eq!(reply.body["error"]["code"], "NotSupported");
    }
    h.server.shutdown().await;
}
