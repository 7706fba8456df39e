//! Integration tests of simulated phones against a real dev-mode server on 127.0.0.1:0: a PSTN
//! caller dials the dev resource account's number, hears the built-in announcement (its recording
//! holds it), presses keys the responder detects, hangs up, and the conversation ends cleanly; plus
//! media uploads, behaviours and the negative cases (bad numbers, unknown users, corrupt WAVs,
//! invalid steps). The media clock runs on tokio's paused clock; the only waiting is bounded
//! polling of the REST API on that clock.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{poll_until, wav, Reply, TestServer};
use serde_json::{json, Value};

const CALLER: &str = "+14255550199";
const RESOURCE_ACCOUNT_NUMBER: &str = "+14255550100";

async fn start() -> TestServer {
    let h = TestServer::start().await;
    assert_eq!(
        h.dev.resource_accounts[0].phone_number.as_deref(),
        Some(RESOURCE_ACCOUNT_NUMBER)
    );
    h
}

async fn get(h: &TestServer, path: &str) -> Reply {
    h.admin(Method::GET, path, None).await
}

/// `body` as bytes without a content-type (the platform API does not insist on one).
async fn json(h: &TestServer, method: Method, path: &str, body: Value) -> Reply {
    h.admin(method, path, body.to_string().into_bytes()).await
}

/// Polls `path` until `done` holds (at most `limit` on tokio's clock), returning the last reply.
async fn poll(h: &TestServer, path: &str, limit: Duration, done: impl Fn(&Reply) -> bool) -> Reply {
    poll_until(limit, || get(h, path), done).await
}

/// Peak absolute sample of a 16-bit mono WAV between two times.
fn peak(wav_bytes: &[u8], from_ms: u64, to_ms: u64) -> i32 {
    let decoded = ringside_audio::wav::decode(wav_bytes).expect("recording decodes");
    let rate = u64::from(decoded.sample_rate);
    let from = (from_ms * rate / 1000) as usize;
    let to = ((to_ms * rate / 1000) as usize).min(decoded.samples.len());
    decoded.samples[from.min(to)..to]
        .iter()
        .map(|s| (s.abs() * 32768.0) as i32)
        .max()
        .unwrap_or(0)
}

fn entries<'a>(log: &'a Value, kind: &str) -> Vec<&'a Value> {
    log["entries"]
        .as_array()
        .map(|entries| entries.iter().filter(|e| e["type"] == kind).collect())
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_phone_calls_the_resource_account_hears_the_announcement_and_its_keys_are_detected() {
    let h = start().await;
    let dial = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({
            "to": RESOURCE_ACCOUNT_NUMBER,
            "press": [
                {"digits": "123#", "at": "2800ms"},
                {"digits": "9", "at": "3600ms", "inBand": false},
            ],
            "hangupAfter": "4500ms",
            "record": true,
        }),
    )
    .await;
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let call = dial.body["callId"].as_str().expect("callId").to_string();
    let leg = dial.body["legId"].as_str().expect("legId").to_string();
    let bot_leg = dial.body["targetLegId"]
        .as_str()
        .expect("targetLegId")
        .to_string();
    assert_eq!(dial.body["state"], "active");

    // While it runs, the call is listed with both legs.
    let listed = get(&h, "/calls").await;
    assert_eq!(listed.status, StatusCode::OK);
    let live = listed.body["value"].as_array().expect("value");
    let ours = live
        .iter()
        .find(|c| c["id"] == call.as_str())
        .expect("listed");
    assert_eq!(ours["legs"].as_array().map(Vec::len), Some(2));

    // The caller hangs up 4.5 s after the responder answered: the conversation ends.
    let ended = poll(
        &h,
        &format!("/calls/{call}"),
        Duration::from_secs(20),
        |r| r.body["state"] == "ended",
    )
    .await;
    assert_eq!(ended.body["state"], "ended", "{}", ended.body);
    for leg in ended.body["legs"].as_array().expect("legs") {
        assert_eq!(leg["state"], "terminated", "{leg}");
        assert!(leg["endReason"].is_string(), "{leg}");
    }
    let caller = ended.body["legs"]
        .as_array()
        .and_then(|legs| legs.iter().find(|l| l["id"] == leg.as_str()))
        .expect("caller leg");
    assert_eq!(caller["endReason"], "hungUp");
    let bot = ended.body["legs"]
        .as_array()
        .and_then(|legs| legs.iter().find(|l| l["id"] == bot_leg.as_str()))
        .expect("bot leg");
    assert_eq!(bot["endReason"], "remoteHungUp");
    assert_eq!(bot["builtInResponder"], true);
    let listed = get(&h, "/calls").await;
    assert!(
        listed.body["value"]
            .as_array()
            .expect("value")
            .iter()
            .all(|c| c["id"] != call.as_str()),
        "an ended call is not listed: {}",
        listed.body
    );

    // The responder detected the keys.
    let bot_log = get(&h, &format!("/calls/{call}/legs/{bot_leg}/log")).await;
    assert_eq!(bot_log.status, StatusCode::OK);
    let keys: String = entries(&bot_log.body, "toneReceived")
        .iter()
        .filter_map(|e| e["tone"].as_str())
        .collect();
    // 123# in-band (detected in the audio), 9 out-of-band (signalled to the engine).
    assert_eq!(keys, "123#9", "{}", bot_log.body);
    assert!(!entries(&bot_log.body, "responder").is_empty());

    // The caller's log has its state changes and what it pressed; its recording holds the
    // announcement (audible in its first two seconds).
    let recording = h.recording(&call, &leg).await;
    assert_eq!(recording.status, StatusCode::OK, "{}", recording.body);
    assert_eq!(recording.header("content-type"), "audio/wav");
    assert!(
        peak(&recording.bytes, 0, 2_000) > 1_000,
        "the announcement is in the recording"
    );
    let log = get(&h, &format!("/calls/{call}/legs/{leg}/log")).await;
    let states: Vec<&str> = entries(&log.body, "stateChanged")
        .iter()
        .filter_map(|e| e["state"].as_str())
        .collect();
    assert_eq!(states.first(), Some(&"establishing"), "{}", log.body);
    assert!(states.contains(&"established"), "{}", log.body);
    assert_eq!(states.last(), Some(&"terminated"), "{}", log.body);
    assert_eq!(entries(&log.body, "pressed").len(), 2);
    assert!(
        !entries(&log.body, "audioStarted").is_empty(),
        "{}",
        log.body
    );
    assert_eq!(entries(&log.body, "recordingSaved").len(), 1);

    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_user_with_a_behaviour_answers_and_live_control_works() {
    let h = start().await;
    let user = h.dev.users[0].id.clone();
    // An uploaded 48 kHz stereo WAV is decoded and resampled.
    let tone: Vec<f32> = (0..48_000 * 2 / 4)
        .map(|i| ((i / 2) as f32 * 0.06).sin() * 0.4)
        .collect();
    let upload = h.admin(Method::POST, "/media", wav(48_000, 2, &tone)).await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    assert_eq!(upload.body["sampleRate"], 48_000);
    assert_eq!(upload.body["channels"], 2);
    assert_eq!(upload.body["durationMs"], 250);
    let media = upload.body["id"].as_str().expect("id").to_string();
    let fetched = get(&h, &format!("/media/{media}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["id"], media.as_str());

    let behaviour = json(
        &h,
        Method::PUT,
        &format!("/phones/{user}/behaviour"),
        json!({"answerAfter": "300ms", "play": [{"media": media, "at": "100ms"}], "record": true}),
    )
    .await;
    assert_eq!(behaviour.status, StatusCode::OK, "{}", behaviour.body);
    assert_eq!(behaviour.body["behaviour"]["answerAfter"], "300ms");
    let again = get(&h, &format!("/phones/{user}/behaviour")).await;
    assert_eq!(again.body["default"], false);

    let dial = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": user}),
    )
    .await;
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let call = dial.body["callId"].as_str().expect("callId").to_string();
    let leg = dial.body["legId"].as_str().expect("legId").to_string();
    let user_leg = dial.body["targetLegId"]
        .as_str()
        .expect("target")
        .to_string();

    // Live control before the user answered: pressing is refused, the caller is not connected.
    let early = json(
        &h,
        Method::POST,
        &format!("/calls/{call}/legs/{leg}/press"),
        json!({"digits": "5"}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);

    let connected = poll(
        &h,
        &format!("/calls/{call}"),
        Duration::from_secs(10),
        |r| {
            r.body["legs"]
                .as_array()
                .is_some_and(|legs| legs.iter().all(|l| l["state"] == "established"))
        },
    )
    .await;
    assert!(
        connected.body["legs"]
            .as_array()
            .is_some_and(|legs| legs.iter().all(|l| l["state"] == "established")),
        "{}",
        connected.body
    );
    let pressed = json(
        &h,
        Method::POST,
        &format!("/calls/{call}/legs/{leg}/press"),
        json!({"digits": "5"}),
    )
    .await;
    assert_eq!(pressed.status, StatusCode::ACCEPTED, "{}", pressed.body);
    // The user hears the key in-band (and plays its media 100 ms after answering).
    let user_log = poll(
        &h,
        &format!("/calls/{call}/legs/{user_leg}/log"),
        Duration::from_secs(5),
        |r| !entries(&r.body, "toneDetected").is_empty() && !entries(&r.body, "playing").is_empty(),
    )
    .await;
    let heard: Vec<&str> = entries(&user_log.body, "toneDetected")
        .iter()
        .filter_map(|e| e["tone"].as_str())
        .collect();
    assert_eq!(heard, vec!["5"], "{}", user_log.body);
    assert_eq!(entries(&user_log.body, "playing").len(), 1);

    // Live hold and resume; a hold body with a bad duration is refused.
    let bad_hold = json(
        &h,
        Method::POST,
        &format!("/calls/{call}/legs/{leg}/hold"),
        json!({"for": 5}),
    )
    .await;
    assert_eq!(
        bad_hold.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_hold.body
    );
    assert!(bad_hold.message().starts_with("for:"), "{}", bad_hold.body);
    let hold = h
        .admin(
            Method::POST,
            &format!("/calls/{call}/legs/{leg}/hold"),
            None,
        )
        .await;
    assert_eq!(hold.status, StatusCode::ACCEPTED, "{}", hold.body);
    let leg_state = |r: &Reply, id: &str| {
        r.body["legs"]
            .as_array()
            .and_then(|legs| legs.iter().find(|l| l["id"] == id))
            .map(|l| l["state"].clone())
    };
    let held = get(&h, &format!("/calls/{call}")).await;
    assert_eq!(leg_state(&held, &leg), Some(json!("hold")), "{}", held.body);
    let resume = h
        .admin(
            Method::POST,
            &format!("/calls/{call}/legs/{leg}/resume"),
            None,
        )
        .await;
    assert_eq!(resume.status, StatusCode::ACCEPTED, "{}", resume.body);
    let resumed = get(&h, &format!("/calls/{call}")).await;
    assert_eq!(
        leg_state(&resumed, &leg),
        Some(json!("established")),
        "{}",
        resumed.body
    );

    // A bot leg cannot be driven; a bad leg id is a 400; an unknown one a 404.
    let bad = h
        .admin(
            Method::POST,
            &format!("/calls/{call}/legs/nope/hangup"),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = h
        .admin(
            Method::POST,
            &format!("/calls/{call}/legs/00000000-0000-0000-0000-000000000001/hangup"),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "itemNotFound");
    let missing = get(&h, &format!("/calls/{call}/legs/{user_leg}/recording")).await;
    assert_eq!(
        missing.status,
        StatusCode::NOT_FOUND,
        "no recording while live"
    );

    let hung_up = h
        .admin(
            Method::POST,
            &format!("/calls/{call}/legs/{leg}/hangup"),
            None,
        )
        .await;
    assert_eq!(hung_up.status, StatusCode::ACCEPTED);
    let ended = poll(
        &h,
        &format!("/calls/{call}"),
        Duration::from_secs(10),
        |r| r.body["state"] == "ended",
    )
    .await;
    assert_eq!(ended.body["state"], "ended");
    let recording = h.recording(&call, &user_leg).await;
    assert_eq!(recording.status, StatusCode::OK, "the user recorded");

    let deleted = h
        .admin(Method::DELETE, &format!("/phones/{user}/behaviour"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let default = get(&h, &format!("/phones/{user}/behaviour")).await;
    assert_eq!(default.body["default"], true);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_busy_number_ends_the_call_with_busy() {
    let h = start().await;
    let set = json(
        &h,
        Method::PUT,
        "/phones/+14255550777/behaviour",
        json!({"answer": "busy"}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let dial = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": "+14255550777"}),
    )
    .await;
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let call = dial.body["callId"].as_str().expect("callId").to_string();
    let ended = poll(&h, &format!("/calls/{call}"), Duration::from_secs(5), |r| {
        r.body["state"] == "ended"
    })
    .await;
    let target = ended.body["legs"]
        .as_array()
        .and_then(|legs| {
            legs.iter()
                .find(|l| l["kind"] == "externalPhone" && l["direction"] == "incoming")
        })
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(target["endReason"], "busy", "{}", ended.body);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bad_input_gets_precise_errors() {
    let h = start().await;
    // Non-E.164 numbers.
    for bad in ["4255550199", "+0123456789", "call-me"] {
        let reply = json(
            &h,
            Method::POST,
            &format!("/phones/{bad}/calls"),
            json!({"to": RESOURCE_ACCOUNT_NUMBER}),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        assert!(reply.message().contains("E.164"), "{}", reply.message());
    }
    let reply = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": "12345"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // Unknown users.
    let unknown = "7c1a0d3e-0000-4000-8000-000000000042";
    let reply = get(&h, &format!("/phones/{unknown}/behaviour")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "itemNotFound");
    let reply = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": unknown}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Corrupt and unsupported WAVs.
    let mut truncated = wav(16_000, 1, &[0.1; 1600]);
    truncated.truncate(100);
    for (bytes, what) in [
        (b"definitely not a wav file".to_vec(), "RIFF"),
        (truncated, "truncated"),
        (wav(1_000, 1, &[0.1; 100]), "rate"),
    ] {
        let reply = h.admin(Method::POST, "/media", bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.body
        );
        assert_eq!(reply.code(), "BadRequest");
        assert!(
            reply.message().starts_with("The WAV file cannot be used"),
            "{}",
            reply.message()
        );
    }
    let reply = h.admin(Method::POST, "/media", vec![0u8; 33 << 20]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = get(&h, "/media/0123456789abcdef0123456789abcdef").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Behaviours with invalid steps.
    for (body, field) in [
        (
            json!({"press": [{"digits": "12x", "at": "1s"}]}),
            "press[0].digits",
        ),
        (json!({"hangupAfter": "99h"}), "hangupAfter"),
        (
            json!({"play": [{"media": "0123456789abcdef0123456789abcdef"}]}),
            "play",
        ),
        (json!({"answer": "sometimes"}), "answer"),
    ] {
        let reply = json(
            &h,
            Method::PUT,
            "/phones/+14255550123/behaviour",
            body.clone(),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert!(
            reply.message().contains(field),
            "{field}: {}",
            reply.message()
        );
    }
    let reply = json(
        &h,
        Method::PUT,
        &format!("/phones/{RESOURCE_ACCOUNT_NUMBER}/behaviour"),
        json!({}),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "a bot's number has no behaviour"
    );
    let reply = h
        .admin(Method::PUT, "/phones/+14255550123/behaviour", b"{".to_vec())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // Unauthenticated.
    let response = h
        .http
        .get(format!("{}/ringside/v1/calls", h.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let reply = get(&h, "/calls/not-a-guid").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = get(&h, "/calls/00000000-0000-0000-0000-000000000001").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    h.server.shutdown().await;
}

/// A user puts a call on hold from its own timeline: the caller hears hold music instead of the
/// user while the hold lasts, the user hears nothing of the caller, the conversation shows the
/// user's leg on hold, and everything is back after the resume.
#[tokio::test(start_paused = true)]
async fn a_user_holds_the_call_the_caller_hears_music_and_the_user_hears_nothing() {
    let h = start().await;
    let user = h.dev.users[1].id.clone();
    let behaviour = json(
        &h,
        Method::PUT,
        &format!("/phones/{user}/behaviour"),
        json!({
            "answerAfter": "100ms",
            "hold": [{"at": "1s", "for": "2s"}],
            "hangupAfter": "5s",
            "record": true,
        }),
    )
    .await;
    assert_eq!(behaviour.status, StatusCode::OK, "{}", behaviour.body);
    assert_eq!(
        behaviour.body["behaviour"]["hold"],
        json!([{"at": "1s", "for": "2s"}])
    );
    assert!(
        behaviour.body["warnings"]
            .as_array()
            .is_some_and(|w| w.is_empty()),
        "{}",
        behaviour.body
    );
    // The caller speaks (the test tone) the whole time and records what it hears.
    let dial = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": user, "tone": [{"at": "0s", "duration": "10s"}], "record": true}),
    )
    .await;
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let call = dial.body["callId"].as_str().expect("callId").to_string();
    let caller_leg = dial.body["legId"].as_str().expect("legId").to_string();
    let user_leg = dial.body["targetLegId"]
        .as_str()
        .expect("target")
        .to_string();

    let held = poll(&h, &format!("/calls/{call}"), Duration::from_secs(5), |r| {
        r.body["legs"]
            .as_array()
            .is_some_and(|legs| legs.iter().any(|l| l["state"] == "hold"))
    })
    .await;
    let legs = held.body["legs"].as_array().expect("legs");
    let state_of = |id: &str| {
        legs.iter()
            .find(|l| l["id"] == id || l["legId"] == id)
            .map(|l| l["state"].clone())
    };
    assert_eq!(state_of(&user_leg), Some(json!("hold")), "{}", held.body);
    assert_eq!(
        state_of(&caller_leg),
        Some(json!("established")),
        "{}",
        held.body
    );

    let ended = poll(
        &h,
        &format!("/calls/{call}"),
        Duration::from_secs(10),
        |r| r.body["state"] == "ended",
    )
    .await;
    assert_eq!(ended.body["state"], "ended", "{}", ended.body);
    let user_log = get(&h, &format!("/calls/{call}/legs/{user_leg}/log")).await;
    assert_eq!(
        entries(&user_log.body, "held").len(),
        1,
        "{}",
        user_log.body
    );
    assert_eq!(entries(&user_log.body, "held")[0]["for"], "2s");
    assert_eq!(entries(&user_log.body, "resumed").len(), 1);

    let caller_heard = h.recording(&call, &caller_leg).await;
    assert_eq!(caller_heard.status, StatusCode::OK);
    let user_heard = h.recording(&call, &user_leg).await;
    assert_eq!(user_heard.status, StatusCode::OK);
    // Both recordings start when the call connects and last until the user hangs up 5 s later;
    // the hold runs from 1 s to 3 s. On tokio's clock the media plane drops no frame, so the
    // windows are the phases themselves.
    for heard in [&caller_heard, &user_heard] {
        let decoded = ringside_audio::wav::decode(&heard.bytes).expect("recording decodes");
        assert_eq!(
            decoded.samples.len(),
            5 * decoded.sample_rate as usize,
            "5 s recorded"
        );
    }
    let (before, during, after) = ((0, 1_000), (1_000, 3_000), (3_000, 5_000));
    // The user is silent: the caller hears nothing, then music, then nothing again.
    assert!(peak(&caller_heard.bytes, before.0, before.1) < 300);
    assert!(
        peak(&caller_heard.bytes, during.0, during.1) > 2_000,
        "hold music reaches the caller"
    );
    assert!(peak(&caller_heard.bytes, after.0, after.1) < 300);
    // The user hears the caller's tone, nothing while holding, the tone again after resuming.
    assert!(peak(&user_heard.bytes, before.0, before.1) > 2_000);
    assert!(
        peak(&user_heard.bytes, during.0, during.1) < 300,
        "a phone on hold hears nothing"
    );
    assert!(peak(&user_heard.bytes, after.0, after.1) > 2_000);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_caller_says_text_that_the_user_hears() {
    let h = start().await;
    let user = h.dev.users[1].id.clone();
    let behaviour = json(
        &h,
        Method::PUT,
        &format!("/phones/{user}/behaviour"),
        json!({"answerAfter": "100ms", "hangupAfter": "4s", "record": true}),
    )
    .await;
    assert_eq!(behaviour.status, StatusCode::OK, "{}", behaviour.body);
    let dial = json(
        &h,
        Method::POST,
        &format!("/phones/{CALLER}/calls"),
        json!({"to": user, "say": [{"at": "500ms", "text": "I would like to talk to billing."}]}),
    )
    .await;
    if dial.status == StatusCode::BAD_REQUEST {
        // Without espeak-ng (scripts/system-packages.sh installs it) a say step is refused.
        assert!(
            dial.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("text-to-speech is unavailable")),
            "{}",
            dial.body
        );
        return;
    }
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let call = dial.body["callId"].as_str().expect("callId").to_string();
    let caller_leg = dial.body["legId"].as_str().expect("legId").to_string();
    let user_leg = dial.body["targetLegId"]
        .as_str()
        .expect("target")
        .to_string();
    poll(
        &h,
        &format!("/calls/{call}"),
        Duration::from_secs(10),
        |r| r.body["state"] == "ended",
    )
    .await;
    let log = get(&h, &format!("/calls/{call}/legs/{caller_leg}/log")).await;
    let said = entries(&log.body, "saying");
    assert_eq!(said.len(), 1, "{}", log.body);
    assert_eq!(said[0]["text"], "I would like to talk to billing.");
    let heard = h.recording(&call, &user_leg).await;
    assert_eq!(heard.status, StatusCode::OK);
    // Silence before the caller speaks, speech after.
    assert!(
        peak(&heard.bytes, 0, 400) < 100,
        "speech before it was said"
    );
    assert!(
        peak(&heard.bytes, 600, 2_500) > 1_000,
        "the user heard no speech"
    );
}
