//! Integration tests of the ACS door's fidelity to Call Automation as Microsoft's samples read it
//! (issue 14): continuous DTMF tones echo the start request's `operationContext`, choices are
//! recognized by their DTMF tones, every published api-version is accepted and shapes the events
//! of the connections set up with it, and options the door cannot honour are refused.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{Acs, Hook, Reply, TestServer};
use serde_json::{json, Value};

use crate::acs_calls::{callback, incoming_call, start, CALLBACKS, CCAAS_NUMBER};

/// A call from the phone `caller` to the CCaaS number, answered by `acs`: the connection id and
/// the dialled call (`callId`, `legId`).
pub(crate) async fn answered(
    h: &TestServer,
    acs: &Acs,
    grid: &Hook,
    caller: &str,
) -> (String, Value) {
    let dialled = h.dial(caller, CCAAS_NUMBER).await;
    (answer(h, acs, grid, caller).await, dialled)
}

/// Answers the IncomingCall from `caller` (who dialled the CCaaS number) and waits for
/// CallConnected: the connection id.
pub(crate) async fn answer(h: &TestServer, acs: &Acs, grid: &Hook, caller: &str) -> String {
    let incoming = incoming_call(grid, caller).await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.hook.url(CALLBACKS),
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["callConnectionId"].as_str().unwrap_or("").to_string();
    callback(&h.hook, &id, "CallConnected", |_| true).await;
    id
}

/// The simulated phone of `dialled` presses `digits`.
async fn press(h: &TestServer, dialled: &Value, digits: &str) {
    let path = format!(
        "/calls/{}/legs/{}/press",
        dialled["callId"].as_str().unwrap_or(""),
        dialled["legId"].as_str().unwrap_or("")
    );
    let Reply { status, body, .. } = h
        .admin(Method::POST, &path, json!({ "digits": digits }))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// The phone's identifier as the SDKs send it.
pub(crate) fn phone(number: &str) -> Value {
    json!({"rawId": format!("4:{number}"), "phoneNumber": {"value": number}})
}

#[tokio::test(start_paused = true)]
async fn continuous_dtmf_tones_carry_the_start_requests_operation_context() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550181";
    let (id, dialled) = answered(&h, &acs, &grid, caller).await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:startContinuousDtmfRecognition"),
            Some(json!({"targetParticipant": phone(caller), "operationContext": "ContinuousDtmf"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press(&h, &dialled, "4").await;
    let event = callback(
        &h.hook,
        &id,
        "ContinuousDtmfRecognitionToneReceived",
        |_| true,
    )
    .await;
    let data = &event.body[0]["data"];
    // The GA shape: flat `sequenceId` and `tone`, and the operationContext of the start.
    assert_eq!(data["tone"], "four", "{data}");
    assert!(data["sequenceId"].is_number(), "{data}");
    assert_eq!(data["operationContext"], "ContinuousDtmf", "{data}");
    assert!(data.get("toneInfo").is_none(), "{data}");
    h.server.shutdown().await;
}

/// A choices recognize as the outbound-calling sample sends it (1 = Confirm, 2 = Cancel).
fn choices(caller: &str, context: &str) -> Value {
    json!({
        "recognizeInputType": "choices",
        "recognizeOptions": {
            "targetParticipant": phone(caller),
            "interruptPrompt": false,
            "initialSilenceTimeoutInSeconds": 10,
            "speechLanguage": "en-US",
            "choices": [
                {"label": "Confirm", "phrases": ["Confirm", "First", "One"], "tone": "one"},
                {"label": "Cancel", "phrases": ["Cancel", "Second", "Two"], "tone": "two"},
            ],
        },
        "operationContext": context,
    })
}

#[tokio::test(start_paused = true)]
async fn choices_are_picked_by_their_tones() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550182";
    let (id, dialled) = answered(&h, &acs, &grid, caller).await;
    let path = format!("/calling/callConnections/{id}:recognize");

    // Pressing 2 picks Cancel.
    let Reply { status, body, .. } = acs
        .call(Method::POST, &path, Some(choices(caller, "menu")))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    press(&h, &dialled, "2").await;
    let event = callback(&h.hook, &id, "RecognizeCompleted", |_| true).await;
    let data = &event.body[0]["data"];
    assert_eq!(data["recognitionType"], "choices", "{data}");
    assert_eq!(data["choiceResult"]["label"], "Cancel", "{data}");
    assert!(data["choiceResult"]["recognizedPhrase"].is_null(), "{data}");
    assert!(data.get("dtmfResult").is_none(), "{data}");
    assert_eq!(data["operationContext"], "menu", "{data}");
    assert_eq!(data["resultInformation"]["code"], 200, "{data}");

    // A key no choice has fails the recognition.
    let Reply { status, body, .. } = acs
        .call(Method::POST, &path, Some(choices(caller, "again")))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    press(&h, &dialled, "9").await;
    let event = callback(&h.hook, &id, "RecognizeFailed", |d| {
        d["operationContext"] == "again"
    })
    .await;
    let data = &event.body[0]["data"];
    assert_eq!(data["resultInformation"]["code"], 400, "{data}");
    assert_eq!(data["resultInformation"]["subCode"], 8534, "{data}");

    h.server.shutdown().await;
}

/// An ACS client on `version`.
fn on_version(h: &TestServer, version: &str) -> Acs {
    let mut acs = h.acs();
    acs.api_version = version.to_string();
    acs
}

#[tokio::test(start_paused = true)]
async fn preview_api_versions_answer_calls_and_shape_events_as_they_did() {
    let (h, acs, grid) = start().await;
    // A preview SDK (1.3.0b1) answers; its events are today's.
    let preview = on_version(&h, "2024-06-15-preview");
    let caller = "+14255550183";
    let (id, dialled) = answered(&h, &preview, &grid, caller).await;
    let start_tones = json!({"targetParticipant": phone(caller), "operationContext": "c"});
    let Reply { status, body, .. } = preview
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:startContinuousDtmfRecognition"),
            Some(start_tones.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press(&h, &dialled, "1").await;
    let event = callback(
        &h.hook,
        &id,
        "ContinuousDtmfRecognitionToneReceived",
        |_| true,
    )
    .await;
    assert_eq!(event.body[0]["data"]["tone"], "one", "{}", event.body);

    // 2023-06-15-preview nested the tone in `toneInfo`, whoever sends the later requests.
    let nested = on_version(&h, "2023-06-15-preview");
    let caller = "+14255550184";
    let (id, dialled) = answered(&h, &nested, &grid, caller).await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:startContinuousDtmfRecognition"),
            Some(json!({"targetParticipant": phone(caller), "operationContext": "c"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press(&h, &dialled, "3").await;
    let event = callback(
        &h.hook,
        &id,
        "ContinuousDtmfRecognitionToneReceived",
        |_| true,
    )
    .await;
    let data = &event.body[0]["data"];
    assert_eq!(data["toneInfo"]["tone"], "three", "{data}");
    assert!(data["toneInfo"]["sequenceId"].is_number(), "{data}");
    assert!(data.get("tone").is_none(), "{data}");

    // 2023-01-15-preview collected tones in `collectTonesResult`.
    let collect = on_version(&h, "2023-01-15-preview");
    let caller = "+14255550185";
    let (id, dialled) = answered(&h, &collect, &grid, caller).await;
    let Reply { status, body, .. } = collect
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:recognize"),
            Some(json!({
                "recognizeInputType": "dtmf",
                "recognizeOptions": {"targetParticipant": phone(caller),
                                     "dtmfOptions": {"maxTonesToCollect": 1}},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    press(&h, &dialled, "7").await;
    let event = callback(&h.hook, &id, "RecognizeCompleted", |_| true).await;
    let data = &event.body[0]["data"];
    assert_eq!(
        data["collectTonesResult"]["tones"],
        json!(["seven"]),
        "{data}"
    );
    assert!(data.get("dtmfResult").is_none(), "{data}");

    // A version nobody published is still refused.
    let unknown = on_version(&h, "2024-06-15-beta");
    let reply = unknown
        .call(Method::GET, &format!("/calling/callConnections/{id}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.code(), "UnsupportedApiVersion");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn acs_and_teams_users_are_scripted_like_phones() {
    let (h, acs, _grid) = start().await;
    let user = format!(
        "8:acs:{}_00000000-0000-0000-0000-00000000a001",
        h.dev.acs.resource_id
    );
    // The ACS user answers, presses 5 and hangs up.
    h.behaviour(
        &user,
        json!({"answerAfter": "300ms", "press": [{"digits": "5", "at": "2s"}], "hangupAfter": "4s"}),
    )
    .await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": user, "communicationUser": {"id": user}}],
                "callbackUri": h.hook.url(CALLBACKS),
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["callConnectionId"].as_str().unwrap_or("").to_string();
    callback(&h.hook, &id, "CallConnected", |_| true).await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:startContinuousDtmfRecognition"),
            Some(json!({"targetParticipant": {"rawId": user, "communicationUser": {"id": user}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    callback(&h.hook, &id, "ContinuousDtmfRecognitionToneReceived", |d| {
        d["tone"] == "five"
    })
    .await;
    callback(&h.hook, &id, "CallDisconnected", |_| true).await;

    // A Teams user by its rawId is the directory user: its behaviour is the user's.
    let teams = &h.dev.users[0].id;
    h.behaviour(&format!("8:orgid:{teams}"), json!({"answer": "busy"}))
        .await;
    let Reply { status, body, .. } = h
        .admin(
            Method::GET,
            &format!("/phones/{teams}/behaviour"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["behaviour"]["answer"], "busy", "{body}");
    // A rawId that names nobody is still refused.
    let reply = h
        .admin(
            Method::PUT,
            "/phones/8:orgid:not-a-guid/behaviour",
            json!({"answer": "busy"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn transcription_options_on_create_and_answer_are_refused_like_start_transcription() {
    let (h, acs, grid) = start().await;
    // Refused with or without the recognition engine: without it nothing transcribes, with it
    // only en-US is installed.
    let transcription = json!({"transportType": "websocket", "locale": "fr-FR",
                               "transportUrl": "wss://example.test/t", "startTranscription": true});
    let user = format!(
        "8:acs:{}_00000000-0000-0000-0000-00000000a002",
        h.dev.acs.resource_id
    );
    let reply = acs
        .call(
            Method::POST,
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": user, "communicationUser": {"id": user}}],
                "callbackUri": h.hook.url(CALLBACKS),
                "transcriptionOptions": transcription,
            })),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
    assert_eq!(reply.code(), "8520");

    let caller = "+14255550186";
    h.dial(caller, CCAAS_NUMBER).await;
    let incoming = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["data"]["from"]["rawId"] == format!("4:{caller}").as_str()
        })
        .await;
    let context = &incoming.body[0]["data"]["incomingCallContext"];
    let reply = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": context,
                "callbackUri": h.hook.url(CALLBACKS),
                "transcriptionOptions": transcription,
            })),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
    assert_eq!(reply.code(), "8520");
    // The same message as :startTranscription.
    assert!(reply.message().contains("Transcription"), "{}", reply.body);
    // The call still rings: answered without transcription (and with the AI endpoint the samples
    // always name), it connects.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": context,
                "callbackUri": h.hook.url(CALLBACKS),
                "callIntelligenceOptions": {"cognitiveServicesEndpoint": "https://ai.example.test/"},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["callConnectionId"].as_str().unwrap_or("").to_string();
    callback(&h.hook, &id, "CallConnected", |_| true).await;
    h.server.shutdown().await;
}

/// The keys the simulated endpoint of leg `leg` in call `call` detected in what it heard.
async fn keys_heard(h: &TestServer, call: &str, leg: &str) -> String {
    let Reply { status, body, .. } = h
        .admin(
            Method::GET,
            &format!("/calls/{call}/legs/{leg}/log"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "toneDetected")
        .filter_map(|e| e["tone"].as_str())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn send_dtmf_tones_are_heard_by_the_target_participant_only() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550187";
    let other = "+14255550188";
    h.behaviour(other, json!({"answerAfter": "200ms"})).await;
    let (id, dialled) = answered(&h, &acs, &grid, caller).await;
    let path = format!("/calling/callConnections/{id}");
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({
                "participantToAdd": phone(other),
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "operationContext": "add",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    callback(&h.hook, &id, "AddParticipantSucceeded", |_| true).await;

    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:sendDtmfTones"),
            Some(
                json!({"tones": ["five", "six"], "targetParticipant": phone(other),
                        "operationContext": "keys"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    callback(&h.hook, &id, "SendDtmfTonesCompleted", |d| {
        d["operationContext"] == "keys"
    })
    .await;

    let call = dialled["callId"].as_str().unwrap_or("");
    let Reply { body: view, .. } = h
        .admin(Method::GET, &format!("/calls/{call}"), Value::Null)
        .await;
    let target = view["legs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["kind"] != "bot" && l["id"] != dialled["legId"])
        .and_then(|l| l["id"].as_str())
        .unwrap_or_else(|| panic!("no added leg in {view}"))
        .to_string();
    let target_heard = ringside_testkit::server::poll_until(
        Duration::from_secs(3),
        || keys_heard(&h, call, &target),
        |keys| keys.len() >= 2,
    )
    .await;
    assert_eq!(target_heard, "56");
    let caller_leg = dialled["legId"].as_str().unwrap_or("");
    assert_eq!(
        keys_heard(&h, call, caller_leg).await,
        "",
        "the caller heard the keys"
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn incoming_call_deliveries_are_retried_on_event_grids_schedule() {
    let (h, _acs, grid) = start().await;
    grid.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    let caller = "+14255550189";
    h.dial(caller, CCAAS_NUMBER).await;
    let refused = |n: usize| {
        let grid = grid.clone();
        async move {
            ringside_testkit::server::poll_until(
                Duration::from_secs(60),
                || async { grid.refused() },
                |seen| *seen >= n,
            )
            .await
        }
    };
    assert_eq!(refused(1).await, 1);
    // Not 1, 2, 4, 8 s: nothing more for the first 9 s …
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(grid.refused(), 1, "retried before Event Grid's first 10 s");
    // … the second attempt at 10 s, the third 30 s later, which the endpoint takes.
    assert_eq!(refused(2).await, 2);
    grid.answer_with(StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(25)).await;
    let incoming = |grid: &Hook| {
        grid.received()
            .iter()
            .filter(|r| r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall")
            .count()
    };
    assert_eq!(incoming(&grid), 0, "retried before 30 s");
    let delivered = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
        })
        .await;
    assert_eq!(delivered.header("aeg-delivery-count"), "2");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_deleted_subscription_gets_no_more_retries() {
    let (h, _acs, grid) = start().await;
    grid.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    h.dial("+14255550188", CCAAS_NUMBER).await;
    let first = ringside_testkit::server::poll_until(
        Duration::from_secs(10),
        || async { grid.refused() },
        |seen| *seen >= 1,
    )
    .await;
    assert_eq!(first, 1);
    let Reply { status, body, .. } = h
        .admin(
            Method::DELETE,
            &format!(
                "/acsResources/{}/eventSubscriptions/incoming-calls",
                h.dev.acs.resource_id
            ),
            ringside_testkit::server::Body::None,
        )
        .await;
    assert!(status.is_success(), "{body}");
    // Event Grid would have retried at 10 s and 30 s: the subscription is gone, so nothing comes.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        grid.refused(),
        1,
        "retried after the subscription was deleted"
    );
    assert_eq!(grid.received().len(), 1, "the validation event only");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_callback_the_app_fails_is_not_replayed_and_holds_nothing_back() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550187";
    h.dial(caller, CCAAS_NUMBER).await;
    let incoming = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
        })
        .await;
    // The app's handler fails on the first callbacks (as a sample does on a request it cannot make).
    h.hook.answer_with(StatusCode::INTERNAL_SERVER_ERROR);
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.hook.url(CALLBACKS),
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["callConnectionId"].as_str().unwrap_or("").to_string();
    ringside_testkit::server::poll_until(
        Duration::from_secs(10),
        || async { h.hook.refused() },
        |n| *n >= 1,
    )
    .await;
    h.hook.answer_with(StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(20)).await;
    let Reply { status, .. } = acs
        .call(
            Method::DELETE,
            &format!("/calling/callConnections/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // CallDisconnected comes at once; the failed CallConnected was never replayed.
    callback(&h.hook, &id, "CallDisconnected", |_| true).await;
    let types = callback_types(&h.hook, &id);
    assert!(!types.iter().any(|t| t == "CallConnected"), "{types:?}");
    h.server.shutdown().await;
}

/// The types of the callbacks about connection `id` so far, in order, short names.
fn callback_types(hook: &Hook, id: &str) -> Vec<String> {
    hook.received()
        .iter()
        .filter(|r| r.body[0]["data"]["callConnectionId"] == id)
        .filter_map(|r| r.body[0]["type"].as_str().map(str::to_string))
        .map(|t| t.trim_start_matches("Microsoft.Communication.").to_string())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn play_started_comes_when_the_audio_starts_and_never_before_a_failed_download() {
    let (h, acs, grid) = start().await;
    let prompts = ringside_testkit::server::PromptServer::start().await;
    let caller = "+14255550190";
    let (id, _) = answered(&h, &acs, &grid, caller).await;
    let play = |uri: String, context: &str| {
        json!({"playSources": [{"kind": "file", "file": {"uri": uri}}],
               "playTo": [], "playOptions": {"loop": false}, "operationContext": context})
    };
    let path = format!("/calling/callConnections/{id}:play");

    // A prompt that cannot be downloaded: PlayFailed 8536 alone.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &path,
            Some(play(prompts.url("/missing"), "missing")),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let failed = callback(&h.hook, &id, "PlayFailed", |d| {
        d["operationContext"] == "missing"
    })
    .await;
    assert_eq!(
        failed.body[0]["data"]["resultInformation"]["subCode"], 8536,
        "{}",
        failed.body
    );

    // Two plays: the second is queued, and starts (PlayStarted) after the first completed.
    for context in ["first", "second"] {
        let Reply { status, body, .. } = acs
            .call(
                Method::POST,
                &path,
                Some(play(prompts.url("/beep.wav"), context)),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    callback(&h.hook, &id, "PlayCompleted", |d| {
        d["operationContext"] == "second"
    })
    .await;
    let plays: Vec<(String, String)> = h
        .hook
        .received()
        .iter()
        .filter(|r| r.body[0]["data"]["callConnectionId"] == id.as_str())
        .filter(|r| {
            r.body[0]["type"]
                .as_str()
                .is_some_and(|t| t.contains(".Play"))
        })
        .map(|r| {
            (
                r.body[0]["type"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("Microsoft.Communication.")
                    .to_string(),
                r.body[0]["data"]["operationContext"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("PlayFailed", "missing"),
        ("PlayStarted", "first"),
        ("PlayCompleted", "first"),
        ("PlayStarted", "second"),
        ("PlayCompleted", "second"),
    ]
    .iter()
    .map(|(t, c)| (t.to_string(), c.to_string()))
    .collect();
    assert_eq!(plays, expected, "{:?}", callback_types(&h.hook, &id));
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn continuous_dtmf_tones_go_to_the_start_requests_operation_callback_uri() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550196";
    let (id, dialled) = answered(&h, &acs, &grid, caller).await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:startContinuousDtmfRecognition"),
            Some(
                json!({"targetParticipant": phone(caller), "operationContext": "keys",
                        "operationCallbackUri": h.hook.url("/api/keys")}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press(&h, &dialled, "7").await;
    let event = h
        .hook
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["type"] == "Microsoft.Communication.ContinuousDtmfRecognitionToneReceived"
        })
        .await;
    assert_eq!(event.path, "/api/keys");
    assert_eq!(event.body[0]["data"]["tone"], "seven");
    h.server.shutdown().await;
}
