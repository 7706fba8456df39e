//! Integration tests of the ACS call flow against a real dev-mode server on 127.0.0.1:0: a
//! simulated PSTN phone dials the dev CCaaS number (+14255550200, bound to the dev ACS resource),
//! a real Event Grid subscription receiver gets `IncomingCall`, the app answers with HMAC-signed
//! requests exactly as the SDKs sign them, and a real callback receiver gets the CloudEvents
//! (CallConnected, ParticipantsUpdated, AddParticipant*, RemoveParticipantSucceeded,
//! CallTransferAccepted, CallDisconnected), each one event per POST with a bearer JWT; plus reject,
//! hang-up and the negative cases (bad signature, bad incomingCallContext, malformed JSON,
//! unknown or disconnected connection); and key presses reaching a media stream that asked for
//! DTMF (`enableDtmfTones`) with and without continuous DTMF recognition.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{poll_until, Acs, Hook, MediaSink, Received, Reply, TestServer};
use serde_json::{json, Value};

const CALLER: &str = "+14255550199";
pub(crate) const CCAAS_NUMBER: &str = "+14255550200";
/// The app's callback URI (on the server's webhook receiver).
pub(crate) const CALLBACKS: &str = "/api/callbacks?secret=s1";
/// The app's Event Grid endpoint.
pub(crate) const INCOMING: &str = "/api/incomingCall";

/// The server, an ACS client, and the app's Event Grid endpoint subscribed to IncomingCall; the
/// app's callbacks arrive at the server's `hook`.
pub(crate) async fn start() -> (TestServer, Acs, Hook) {
    let h = TestServer::start().await;
    let acs = h.acs();
    let grid = Hook::event_grid().await;
    let Reply { status, body, .. } = h
        .admin(
            Method::POST,
            &format!("/acsResources/{}/eventSubscriptions", h.dev.acs.resource_id),
            json!({
                "name": "incoming-calls",
                "endpoint": grid.url(INCOMING),
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (h, acs, grid)
}

/// Waits for an IncomingCall naming `caller` (a JSON POST to the subscription's endpoint).
pub(crate) async fn incoming_call(grid: &Hook, caller: &str) -> Received {
    let event = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
                && r.body[0]["data"]["from"]["rawId"] == format!("4:{caller}").as_str()
        })
        .await;
    assert_eq!(event.path, INCOMING);
    assert!(event.header("content-type").contains("json"));
    event
}

/// Waits for a callback of `kind` about connection `id` satisfying `also` (a JSON POST to the
/// callback URI).
pub(crate) async fn callback(
    callbacks: &Hook,
    id: &str,
    kind: &str,
    also: impl Fn(&Value) -> bool,
) -> Received {
    let kind = format!("Microsoft.Communication.{kind}");
    let event = callbacks
        .wait_for(Duration::from_secs(15), |r| {
            r.body[0]["type"] == kind.as_str()
                && r.body[0]["data"]["callConnectionId"] == id
                && also(&r.body[0]["data"])
        })
        .await;
    assert_eq!(event.path, "/api/callbacks");
    assert!(event.header("content-type").contains("json"));
    event
}

fn raw_ids(participants: &Value) -> Vec<String> {
    participants
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| p["identifier"]["rawId"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_pstn_call_is_delivered_answered_extended_transferred_and_ends() {
    let (h, acs, grid) = start().await;
    h.behaviour("+14255550777", json!({"answerAfter": "200ms"}))
        .await;
    h.behaviour("+14255550778", json!({"answer": "busy"})).await;
    h.behaviour("+14255550779", json!({"answerAfter": "200ms"}))
        .await;
    h.dial(CALLER, CCAAS_NUMBER).await;

    // IncomingCall through Event Grid (Event Grid schema, aeg headers).
    let incoming = incoming_call(&grid, CALLER).await;
    assert_eq!(incoming.header("aeg-event-type"), "Notification");
    let event = &incoming.body[0];
    assert!(event["topic"]
        .as_str()
        .unwrap()
        .contains("/providers/Microsoft.Communication/communicationServices/"));
    let data = &event["data"];
    assert!(
        data["to"]["rawId"]
            .as_str()
            .unwrap()
            .starts_with("28:orgid:"),
        "{data}"
    );
    assert_eq!(data["from"]["phoneNumber"]["value"], CALLER);
    let context = data["incomingCallContext"].as_str().unwrap().to_string();
    let server_call_id = data["serverCallId"].as_str().unwrap().to_string();

    // Negative cases before answering.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": "forged.token", "callbackUri": h.hook.url(CALLBACKS)})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8523");
    let Reply { status, body, .. } = acs
        .call_raw(
            Method::POST,
            "/calling/callConnections:answer",
            b"{not json",
            &acs.key,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8523");
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": "http://example.com/cb"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let wrong_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=";
    let answer = json!({
        "incomingCallContext": context,
        "callbackUri": h.hook.url(CALLBACKS),
        "operationContext": "answer-ctx",
        "mediaStreamingOptions": {"transportUrl": "wss://127.0.0.1:1/ws", "transportType": "websocket",
                                  "contentType": "audio", "audioChannelType": "mixed",
                                  "startMediaStreaming": false},
    });
    let Reply { status, body, .. } = acs
        .call_raw(
            Method::POST,
            "/calling/callConnections:answer",
            answer.to_string().as_bytes(),
            wrong_key,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // Answer.
    let Reply {
        status,
        body: props,
        ..
    } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(answer.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    assert_eq!(props["serverCallId"], server_call_id.as_str());
    assert_eq!(props["callbackUri"], h.hook.url(CALLBACKS).as_str());
    assert_eq!(props["source"]["rawId"], format!("4:{CALLER}").as_str());
    assert_eq!(props["answeredFor"]["value"], CCAAS_NUMBER);
    assert_eq!(
        props["mediaStreamingSubscription"]["state"], "inactive",
        "{props}"
    );
    // Answering twice is refused.
    let Reply { status, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(answer),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let connected = callback(&h.hook, &id, "CallConnected", |_| true).await;
    assert!(connected.header("authorization").starts_with("Bearer "));
    let event = &connected.body[0];
    assert_eq!(connected.body.as_array().map(Vec::len), Some(1));
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(
        event["source"],
        format!("calling/callConnections/{id}").as_str()
    );
    assert_eq!(event["data"]["operationContext"], "answer-ctx");
    assert_eq!(event["data"]["serverCallId"], server_call_id.as_str());
    assert!(event["data"]["correlationId"].is_string());
    assert_eq!(event["data"]["resultInformation"]["code"], 200);

    let path = format!("/calling/callConnections/{id}");
    let Reply {
        status,
        body: props,
        ..
    } = acs.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{props}");
    assert_eq!(props["callConnectionState"], "connected");
    let Reply {
        status, body: list, ..
    } = acs
        .call(Method::GET, &format!("{path}/participants"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(raw_ids(&list["value"]), vec![format!("4:{CALLER}")]);
    assert_eq!(list["value"][0]["isMuted"], false);

    // Add a PSTN participant who answers.
    let Reply { status, body: added, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({
                "participantToAdd": {"rawId": "4:+14255550777", "phoneNumber": {"value": "+14255550777"}},
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "invitationTimeoutInSeconds": 20,
                "operationContext": "add-ctx",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{added}");
    assert_eq!(
        added["participant"]["identifier"]["rawId"],
        "4:+14255550777"
    );
    assert_eq!(added["operationContext"], "add-ctx");
    let invitation = added["invitationId"].as_str().unwrap().to_string();
    let ok = callback(&h.hook, &id, "AddParticipantSucceeded", |d| {
        d["operationContext"] == "add-ctx"
    })
    .await;
    assert_eq!(ok.body[0]["data"]["participant"]["rawId"], "4:+14255550777");
    let _ = &invitation;
    let updated = callback(&h.hook, &id, "ParticipantsUpdated", |d| {
        raw_ids(&d["participants"]).contains(&"4:+14255550777".to_string())
    })
    .await;
    assert_eq!(
        raw_ids(&updated.body[0]["data"]["participants"]),
        vec![format!("4:{CALLER}"), "4:+14255550777".to_string()],
        "the connection's own leg is not listed"
    );
    assert_eq!(
        updated.body[0]["data"]["publicEventType"],
        "Microsoft.Communication.ParticipantsUpdated"
    );
    assert!(updated.body[0]["data"]["sequenceNumber"].as_u64().is_some());
    let Reply {
        status, body: one, ..
    } = acs
        .call(
            Method::GET,
            &format!("{path}/participants/4%3A%2B14255550777"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["identifier"]["phoneNumber"]["value"], "+14255550777");
    let Reply {
        status,
        body: missing,
        ..
    } = acs
        .call(
            Method::GET,
            &format!("{path}/participants/4%3A%2B14255550000"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

    // A busy number fails.
    let Reply { status, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({
                "participantToAdd": {"rawId": "4:+14255550778", "phoneNumber": {"value": "+14255550778"}},
                "operationContext": "add-busy",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = callback(&h.hook, &id, "AddParticipantFailed", |d| {
        d["operationContext"] == "add-busy"
    })
    .await;
    assert_eq!(
        failed.body[0]["data"]["resultInformation"]["subCode"], 8539,
        "{}",
        failed.body
    );

    // Remove the added participant.
    let Reply { status, body: removed, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:remove"),
            Some(json!({
                "participantToRemove": {"rawId": "4:+14255550777", "phoneNumber": {"value": "+14255550777"}},
                "operationContext": "remove-ctx",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{removed}");
    callback(&h.hook, &id, "RemoveParticipantSucceeded", |d| {
        d["operationContext"] == "remove-ctx" && d["participant"]["rawId"] == "4:+14255550777"
    })
    .await;

    // Transfer the caller to PSTN.
    let Reply { status, body: transfer, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:transferToParticipant"),
            Some(json!({
                "targetParticipant": {"rawId": "4:+14255550779", "phoneNumber": {"value": "+14255550779"}},
                "operationContext": "xfer-ctx",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{transfer}");
    assert_eq!(transfer["operationContext"], "xfer-ctx");
    let accepted = callback(&h.hook, &id, "CallTransferAccepted", |d| {
        d["operationContext"] == "xfer-ctx"
    })
    .await;
    assert_eq!(
        accepted.body[0]["data"]["transferTarget"]["rawId"],
        "4:+14255550779"
    );
    callback(&h.hook, &id, "CallDisconnected", |_| true).await;

    // The connection is gone.
    let Reply { status, body, .. } = acs.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "8522");
    let Reply { status, body, .. } = acs.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({"participantToAdd": {"rawId": "4:+14255550777"}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reject_hang_up_and_unknown_connections() {
    let (h, acs, grid) = start().await;
    // Reject: the caller's call ends.
    let dialled = h.dial("+14255550198", CCAAS_NUMBER).await;
    let call = dialled["callId"].as_str().unwrap().to_string();
    let incoming = incoming_call(&grid, "+14255550198").await;
    let context = incoming.body[0]["data"]["incomingCallContext"]
        .as_str()
        .unwrap()
        .to_string();
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:reject",
            Some(json!({"incomingCallContext": context, "callRejectReason": "sideways"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:reject",
            Some(json!({"incomingCallContext": context, "callRejectReason": "busy"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let call_path = format!("/calls/{call}");
    let view = poll_until(
        Duration::from_secs(5),
        || h.admin(Method::GET, &call_path, Value::Null),
        |r| r.body["state"] == "ended",
    )
    .await;
    assert_eq!(view.body["state"], "ended", "{}", view.body);
    // The context cannot be used again.
    let Reply { status, .. } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": h.hook.url(CALLBACKS)})),
        )
        .await;
    assert!(status.is_client_error());

    // Answer, then hang up (DELETE 204): CallDisconnected, then 404.
    h.dial("+14255550197", CCAAS_NUMBER).await;
    let incoming = incoming_call(&grid, "+14255550197").await;
    let Reply {
        status,
        body: props,
        ..
    } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.hook.url(CALLBACKS),
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    callback(&h.hook, &id, "CallConnected", |d| {
        d["operationContext"].is_null()
    })
    .await;
    let path = format!("/calling/callConnections/{id}");
    let Reply { status, body, .. } = acs.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let gone = callback(&h.hook, &id, "CallDisconnected", |_| true).await;
    assert_eq!(gone.body[0]["data"]["resultInformation"]["subCode"], 7000);
    let Reply { status, body, .. } = acs
        .call(Method::POST, &format!("{path}:terminate"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Unknown connections and actions.
    let Reply { status, body, .. } = acs
        .call(
            Method::GET,
            "/calling/callConnections/00000000-0000-0000-0000-000000000001",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "8522");
    let Reply { status, body, .. } = acs
        .call(Method::GET, "/calling/callConnections/not-a-guid", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "8522");
    h.server.shutdown().await;
}

/// Per-channel RMS of a 16-bit PCM WAV's `data` between two times (s).
fn channel_rms(wav: &[u8], channels: usize, from_s: f64, to_s: f64) -> Vec<f64> {
    let data = &wav[44..];
    let frames = data.len() / (2 * channels);
    let (a, b) = (
        ((from_s * 16_000.0) as usize).min(frames),
        ((to_s * 16_000.0) as usize).min(frames),
    );
    (0..channels)
        .map(|c| {
            let mut sum = 0f64;
            for f in a..b {
                let i = (f * channels + c) * 2;
                let s = f64::from(i16::from_le_bytes([data[i], data[i + 1]]));
                sum += s * s;
            }
            (sum / (b - a).max(1) as f64).sqrt()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_unmixed_recording_is_started_paused_stopped_announced_and_downloaded() {
    let (h, acs, grid) = start().await;
    let Reply { status, body, .. } = h
        .admin(
            Method::POST,
            &format!("/acsResources/{}/eventSubscriptions", h.dev.acs.resource_id),
            json!({
                "name": "recordings",
                "endpoint": grid.url(INCOMING),
                "includedEventTypes": ["Microsoft.Communication.RecordingFileStatusUpdated"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    const AGENT: &str = "+14255550781";
    // The agent talks from the moment it answers (1.5 s after it is called); the caller only for
    // its first 1.2 seconds.
    h.behaviour(
        AGENT,
        json!({"answerAfter": "1500ms", "tone": [{"at": "0ms", "duration": "20s"}]}),
    )
    .await;
    let Reply { status, body, .. } = h
        .admin(
            Method::POST,
            &format!("/phones/{CALLER}/calls"),
            json!({"to": CCAAS_NUMBER, "customContext": {"sipHeaders": {"X-MS-Custom-a b": "1"}}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let Reply { status, body, .. } = h
        .admin(
            Method::POST,
            &format!("/phones/{CALLER}/calls"),
            json!({
                "to": CCAAS_NUMBER,
                "tone": [{"at": "0ms", "duration": "1200ms"}],
                "customContext": {
                    "sipHeaders": {"X-MS-Custom-ticket": "42", "userToUser": "0a0b;encoding=hex"},
                    "voipHeaders": {"lang": "fr"},
                },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let incoming = incoming_call(&grid, CALLER).await;
    let custom = &incoming.body[0]["data"]["customContext"];
    assert_eq!(custom["sipHeaders"]["X-MS-Custom-ticket"], "42", "{custom}");
    assert_eq!(custom["sipHeaders"]["userToUser"], "0a0b;encoding=hex");
    assert_eq!(custom["voipHeaders"]["lang"], "fr");
    let context = incoming.body[0]["data"]["incomingCallContext"]
        .as_str()
        .unwrap()
        .to_string();
    let Reply {
        status,
        body: answered,
        ..
    } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": h.hook.url(CALLBACKS)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let id = answered["callConnectionId"].as_str().unwrap().to_string();
    callback(&h.hook, &id, "CallConnected", |_| true).await;

    // Start (by connection id, Teams Phone extensibility style), unmixed WAV.
    let start = json!({
        "callConnectionId": id,
        "recordingContentType": "audio",
        "recordingChannelType": "unmixed",
        "recordingFormatType": "wav",
        "recordingStateCallbackUri": h.hook.url(CALLBACKS),
        "channelAffinity": [],
    });
    let Reply {
        status,
        body: started,
        ..
    } = acs
        .call(Method::POST, "/calling/recordings", Some(start.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["recordingState"], "active");
    assert_eq!(started["recordingKind"], "azureCommunicationServices");
    let recording = started["recordingId"].as_str().unwrap().to_string();
    let changed = callback(&h.hook, &id, "RecordingStateChanged", |d| {
        d["state"] == "active"
    })
    .await;
    assert_eq!(changed.body[0]["data"]["recordingId"], recording.as_str());
    // One unmixed recording per call.
    let Reply { status, body, .. } = acs
        .call(Method::POST, "/calling/recordings", Some(start))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8553");
    // Unsupported kinds say so.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/recordings",
            Some(json!({"callConnectionId": id, "recordingFormatType": "mp3"})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");

    // Pause and resume.
    let rec_path = format!("/calling/recordings/{recording}");
    let Reply { status, .. } = acs
        .call(Method::POST, &format!("{rec_path}:pause"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let Reply {
        status,
        body: state,
        ..
    } = acs.call(Method::GET, &rec_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["recordingState"], "inactive");
    callback(&h.hook, &id, "RecordingStateChanged", |d| {
        d["state"] == "inactive"
    })
    .await;
    let Reply { status, .. } = acs
        .call(Method::POST, &format!("{rec_path}:resume"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let Reply { body: state, .. } = acs.call(Method::GET, &rec_path, None).await;
    assert_eq!(state["recordingState"], "active");

    // The agent joins and talks; then the recording stops.
    let Reply { status, body: added, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}/participants:add"),
            Some(json!({
                "participantToAdd": {"rawId": format!("4:{AGENT}"), "phoneNumber": {"value": AGENT}},
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{added}");
    callback(&h.hook, &id, "AddParticipantSucceeded", |_| true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let Reply { status, .. } = acs.call(Method::DELETE, &rec_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let Reply { status, body, .. } = acs.call(Method::DELETE, &rec_path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // RecordingFileStatusUpdated through Event Grid.
    let file = grid
        .wait_for(Duration::from_secs(15), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.RecordingFileStatusUpdated"
        })
        .await;
    assert_eq!(file.path, INCOMING);
    let data = &file.body[0]["data"];
    assert_eq!(data["recordingChannelType"], "Unmixed");
    assert_eq!(data["recordingFormatType"], "Wav");
    // Started, then the agent rang for 1.5 s and talked for 1.5 s.
    assert_eq!(data["recordingDurationMs"], 3_000, "{data}");
    let chunk = &data["recordingStorageInfo"]["recordingChunks"][0];
    let content = chunk["contentLocation"].as_str().unwrap().to_string();
    let metadata = chunk["metadataLocation"].as_str().unwrap().to_string();
    let delete = chunk["deleteLocation"].as_str().unwrap().to_string();
    assert!(
        content.starts_with("https://ringside.asm.skype.com:")
            && content.ends_with("/content/audio"),
        "{content}"
    );
    assert!(file.body[0]["subject"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/recordingId/{recording}")));

    // Downloads, as the SDKs make them: the storage host resolves to Ringside, x-ms-host names
    // the ACS endpoint (with or without its port).
    let Reply {
        status,
        bytes: meta,
        ..
    } = acs.storage(Method::GET, &metadata, None, &acs.key).await;
    assert_eq!(status, StatusCode::OK);
    let meta: Value = serde_json::from_slice(&meta).expect("metadata JSON");
    assert_eq!(meta["recordingInfo"]["channelType"], "unmixed");
    let participants = meta["participants"].as_array().unwrap();
    let channel_of = |raw: &str| {
        participants
            .iter()
            .find(|p| p["participantId"] == raw)
            .and_then(|p| p["channel"].as_u64())
            .unwrap_or_else(|| panic!("{raw} not in {participants:?}")) as usize
    };
    let caller_channel = channel_of(&format!("4:{CALLER}"));
    let agent_channel = channel_of(&format!("4:{AGENT}"));
    assert_ne!(caller_channel, agent_channel);
    let Reply {
        status, bytes: wav, ..
    } = acs.storage(Method::GET, &content, None, &acs.key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&wav[..4], b"RIFF");
    let channels = usize::from(u16::from_le_bytes([wav[22], wav[23]]));
    assert_eq!(
        channels,
        meta["recordingInfo"]["audioConfiguration"]["channels"]
            .as_u64()
            .unwrap() as usize
    );
    let seconds = (wav.len() - 44) as f64 / (2.0 * 16_000.0 * channels as f64);
    let early = channel_rms(&wav, channels, 0.05, 0.5);
    let late = channel_rms(&wav, channels, seconds - 0.8, seconds - 0.1);
    assert!(
        early[caller_channel] > 500.0,
        "caller heard early: {early:?}"
    );
    assert!(
        early[agent_channel] < 50.0,
        "agent not yet there: {early:?}"
    );
    assert!(late[agent_channel] > 500.0, "agent heard late: {late:?}");
    assert!(late[caller_channel] < 50.0, "caller quiet late: {late:?}");
    // A range, a bad signature, delete.
    let Reply {
        status,
        bytes: part,
        ..
    } = acs
        .storage(Method::GET, &content, Some("bytes=0-99"), &acs.key)
        .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&part[..], &wav[..100]);
    let wrong = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        b"not the key of any ACS resource!",
    );
    let Reply { status, .. } = acs.storage(Method::GET, &content, None, &wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let Reply { status, .. } = acs.storage(Method::DELETE, &delete, None, &acs.key).await;
    assert_eq!(status, StatusCode::OK);
    let Reply {
        status,
        bytes: gone,
        ..
    } = acs.storage(Method::GET, &content, None, &acs.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let gone: Value = serde_json::from_slice(&gone).expect("error body");
    assert_eq!(gone["error"]["code"], "8522");
    assert_eq!(
        gone["status"], 404,
        "the JS downloader reads top-level status/message"
    );
    assert!(gone["message"].is_string());

    // Recording a call that has ended: unknown connection.
    let Reply { status, .. } = acs
        .call(
            Method::DELETE,
            &format!("/calling/callConnections/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            "/calling/recordings",
            Some(json!({"callConnectionId": id})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    h.server.shutdown().await;
}

/// Waits until connection `connection` carried an unmixed AudioData frame; returns its participantRawID.
async fn unmixed_frame(socket: &MediaSink, connection: usize) -> Value {
    let audio = |c: &[ringside_testkit::server::Connection]| {
        c.get(connection).and_then(|c| {
            c.json()
                .into_iter()
                .find(|v| v["kind"] == "AudioData")
                .map(|v| v["audioData"]["participantRawID"].clone())
        })
    };
    let connections = socket
        .wait_until(Duration::from_secs(10), |c| audio(c).is_some())
        .await;
    audio(&connections).unwrap_or_else(|| panic!("no AudioData on connection {connection}"))
}

/// How many callbacks of `event` (short name) the receiver got.
fn count(receiver: &Hook, event: &str) -> usize {
    let kind = format!("Microsoft.Communication.{event}");
    receiver
        .received()
        .iter()
        .filter(|r| r.body[0]["type"] == kind.as_str())
        .count()
}

async fn dtmf_on_socket(socket: &MediaSink, digit: &str) {
    let wanted = json!({"kind": "DtmfData", "dtmfData": {"data": digit}});
    let seen = |c: &[ringside_testkit::server::Connection]| {
        c.iter().any(|c| c.json().into_iter().any(|v| *v == wanted))
    };
    let connections = socket
        .wait_until(Duration::from_secs(10), |c| seen(c))
        .await;
    assert!(
        seen(&connections),
        "no DtmfData {digit} on the socket; kinds: {:?}",
        connections
            .iter()
            .flat_map(|c| c.json())
            .map(|v| v["kind"].clone())
            .filter(|k| k != "AudioData")
            .collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn an_unmixed_stream_names_participants_and_gets_key_presses_without_continuous_recognition()
{
    let (h, acs, grid) = start().await;
    let socket = MediaSink::start().await;
    let ws_url = socket.url("/media");
    let caller = "+14255550196";
    let dialled = h.dial(caller, CCAAS_NUMBER).await;
    let press = |digits: &'static str| {
        let path = format!(
            "/calls/{}/legs/{}/press",
            dialled["callId"].as_str().unwrap(),
            dialled["legId"].as_str().unwrap()
        );
        let h = &h;
        async move {
            let Reply { status, body, .. } = h
                .admin(Method::POST, &path, json!({ "digits": digits }))
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        }
    };
    let incoming = incoming_call(&grid, caller).await;
    let Reply {
        status,
        body: props,
        ..
    } = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.hook.url(CALLBACKS),
                "mediaStreamingOptions": {"transportUrl": ws_url, "transportType": "websocket",
                                          "contentType": "audio", "audioChannelType": "unmixed",
                                          "startMediaStreaming": true, "enableDtmfTones": true},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    callback(&h.hook, &id, "MediaStreamingStarted", |_| true).await;
    // Unmixed frames name the caller by raw id, also after a stop and a start.
    assert_eq!(unmixed_frame(&socket, 0).await, format!("4:{caller}"));
    let path = format!("/calling/callConnections/{id}");
    for (action, event) in [
        ("stopMediaStreaming", "MediaStreamingStopped"),
        ("startMediaStreaming", "MediaStreamingStarted"),
    ] {
        let seen = count(&h.hook, event);
        let Reply { status, body, .. } = acs
            .call(Method::POST, &format!("{path}:{action}"), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{action}: {body}");
        let kind = format!("Microsoft.Communication.{event}");
        let received = h
            .hook
            .wait_until(Duration::from_secs(10), |r| {
                r.iter()
                    .filter(|r| r.body[0]["type"] == kind.as_str())
                    .count()
                    > seen
            })
            .await;
        assert!(
            received
                .iter()
                .filter(|r| r.body[0]["type"] == kind.as_str())
                .count()
                > seen,
            "no new {event}"
        );
    }
    assert_eq!(unmixed_frame(&socket, 1).await, format!("4:{caller}"));

    // No recognition running: the key still reaches the stream, and no recognition event is sent.
    press("5").await;
    dtmf_on_socket(&socket, "5").await;

    // Continuous recognition on and off again: the stream keeps getting the keys.
    let target = json!({"targetParticipant": {"rawId": format!("4:{caller}"), "phoneNumber": {"value": caller}}});
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:startContinuousDtmfRecognition"),
            Some(target.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press("6").await;
    callback(&h.hook, &id, "ContinuousDtmfRecognitionToneReceived", |d| {
        d["tone"] == "six"
    })
    .await;
    dtmf_on_socket(&socket, "6").await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:stopContinuousDtmfRecognition"),
            Some(target),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    callback(&h.hook, &id, "ContinuousDtmfRecognitionStopped", |_| true).await;
    press("7").await;
    dtmf_on_socket(&socket, "7").await;
    let tones: Vec<Value> = h
        .hook
        .received()
        .iter()
        .filter(|r| {
            r.body[0]["type"] == "Microsoft.Communication.ContinuousDtmfRecognitionToneReceived"
        })
        .map(|r| r.body[0]["data"]["tone"].clone())
        .collect();
    assert_eq!(tones, vec![json!("six")]);

    let Reply { status, body, .. } = acs.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    callback(&h.hook, &id, "MediaStreamingStopped", |_| true).await;
    h.server.shutdown().await;
}
