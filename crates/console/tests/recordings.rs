//! The recordings routes against a real dev-mode server: without the cookie the recordings and
//! provisioning pages redirect and the API answers 401; a recording registered in the node's index
//! of recordings (as the stores and doors register theirs) is announced on the event stream as
//! `recording.ready`, listed, has a per-channel waveform, and its audio is served whole, by `Range`
//! (206) and as a download; and an ACS call recording made through the ACS door's routes (as the
//! SDKs sign them) is announced and listed with its call.

use std::time::Duration;

use reqwest::{redirect, Method, StatusCode};
use ringside_runtime::recordings::index::{self, Entry, Kind};
use ringside_testkit::server::{send, Hook, Reply, TestServer};
use serde_json::{json, Value};

async fn sign_in(h: &TestServer) -> String {
    let client = h
        .client_builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    let reply = send(client.get(&h.dev.console)).await;
    reply
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn get(h: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    let client = h
        .client_builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    let mut request = client.get(h.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(request).await
}

/// A two-channel 16 kHz WAV of `frames` frames: a ramp on channel 0 (from -30,000 to 29,400 every
/// 100 frames), silence on channel 1.
fn write_wav(path: &std::path::Path, frames: u32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create");
    for i in 0..frames {
        let loud = ((i % 100) as i32 * 600 - 30_000) as i16;
        writer.write_sample(loud).expect("sample");
        writer.write_sample(0i16).expect("sample");
    }
    writer.finalize().expect("finalize");
}

const ID: &str = "0-ringside-test";
const CALL: &str = "00000000-0000-0000-0000-0000000000aa";

fn register(h: &TestServer) -> u64 {
    let path = h.data_dir().join("console-test.wav");
    write_wav(&path, 16_000);
    let bytes = std::fs::metadata(&path).expect("metadata").len();
    index::shared(&h.data_dir()).register(Entry {
        id: ID.into(),
        kind: Kind::CallRecording,
        path,
        call: Some(CALL.into()),
        leg: Some("leg".into()),
        started_unix_ms: 1_700_000_000_000,
        duration_ms: 1_000,
        channels: 2,
        bytes,
    });
    bytes
}

#[tokio::test(start_paused = true)]
async fn without_the_cookie_the_recordings_page_redirects_and_its_api_is_401() {
    let h = TestServer::start().await;
    register(&h);
    for path in ["/console/recordings", "/console/provisioning"] {
        let page = get(&h, path, &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.header("location"), "/console/login", "{path}");
    }
    for path in [
        "/console/api/recordings".to_string(),
        format!("/console/api/recordings/{ID}/waveform?width=10"),
        format!("/console/api/recordings/{ID}/audio"),
        "/console/assets/js/recordings.js".to_string(),
        "/console/assets/js/provisioning.js".to_string(),
        "/console/assets/js/resources.js".to_string(),
    ] {
        let reply = get(&h, &path, &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(reply.code(), "InvalidAuthenticationToken", "{path}");
        assert!(reply.bytes.len() < 1_000, "{path}: no audio leaks");
    }
    let forged = "ringside_console=v1.99999999999.AAAA";
    let reply = get(
        &h,
        &format!("/console/api/recordings/{ID}/audio"),
        &[("cookie", forged)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// Reads the event stream until a `recording.ready` event; its data.
async fn next_ready(response: &mut reqwest::Response) -> Value {
    let mut buffer = String::new();
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: recording.ready") {
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                return serde_json::from_str(&data).expect("JSON");
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(60), response.chunk())
            .await
            .expect("an event within 60 s")
            .expect("chunk")
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(start_paused = true)]
async fn a_registered_recording_is_announced_listed_drawn_and_served_with_ranges() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let mut stream = h
        .http
        .get(h.url("/console/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    let bytes = register(&h);

    let ready = next_ready(&mut stream).await;
    assert_eq!(ready["type"], "recording.ready");
    assert_eq!(ready["call"], CALL);
    assert_eq!(ready["recording"]["id"], ID);
    assert_eq!(ready["recording"]["dialect"], "acs");
    assert_eq!(ready["recording"]["kind"], "callRecording");
    let timeline = get(
        &h,
        &format!("/console/api/calls/{CALL}/events"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(timeline.body["value"][0]["type"], "recording.ready");

    let listed = get(&h, "/console/api/recordings", &[("cookie", &cookie)]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let first = &listed.body["value"][0];
    assert_eq!(first["id"], ID);
    assert_eq!(first["call"], CALL);
    assert_eq!(first["leg"], "leg");
    assert_eq!(first["channels"], 2);
    assert_eq!(first["durationMs"], 1_000);
    assert_eq!(first["bytes"], bytes);
    assert_eq!(first["started"], "2023-11-14T22:13:20Z");

    let auth = [("cookie", cookie.as_str())];
    let waveform = get(
        &h,
        &format!("/console/api/recordings/{ID}/waveform?width=100"),
        &auth,
    )
    .await;
    assert_eq!(waveform.status, StatusCode::OK, "{}", waveform.body);
    assert_eq!(waveform.body["width"], 100);
    assert_eq!(waveform.body["frames"], 16_000);
    let channels = waveform.body["channels"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(channels.len(), 2);
    let peak = |c: usize, which: &str| {
        channels[c][which]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_f64).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(peak(0, "max").len(), 100);
    assert!(peak(0, "max").iter().all(|v| *v > 0.8), "the ramp's tops");
    assert!(
        peak(0, "min").iter().all(|v| *v < -0.8),
        "the ramp's bottoms"
    );
    assert!(peak(1, "max")
        .iter()
        .chain(&peak(1, "min"))
        .all(|v| *v == 0.0));
    for bad in ["0", "99999", "wide"] {
        let reply = get(
            &h,
            &format!("/console/api/recordings/{ID}/waveform?width={bad}"),
            &auth,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "width={bad}");
    }
    let missing = get(&h, "/console/api/recordings/nope/waveform", &auth).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let audio_path = format!("/console/api/recordings/{ID}/audio");
    let whole = get(&h, &audio_path, &auth).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.header("content-type"), "audio/wav");
    assert_eq!(whole.bytes.len() as u64, bytes);
    assert_eq!(&whole.bytes[..4], b"RIFF");
    assert_eq!(whole.header("accept-ranges"), "bytes");
    let ranged = get(&h, &audio_path, &[auth[0], ("range", "bytes=44-143")]).await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        ranged.header("content-range"),
        format!("bytes 44-143/{bytes}")
    );
    assert_eq!(ranged.bytes, whole.bytes[44..144]);
    let beyond = get(
        &h,
        &audio_path,
        &[auth[0], ("range", &format!("bytes={}-", bytes + 10))],
    )
    .await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    let download = get(&h, &format!("{audio_path}?download"), &auth).await;
    assert_eq!(
        download.header("content-disposition"),
        format!("attachment; filename=\"recording-{ID}.wav\"")
    );

    // A recording whose file is gone is no longer listed or served.
    std::fs::remove_file(h.data_dir().join("console-test.wav")).expect("rm");
    assert_eq!(
        get(&h, &audio_path, &auth).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = get(&h, "/console/api/recordings", &auth).await;
    assert!(listed.body["value"]
        .as_array()
        .is_some_and(|v| v.iter().all(|r| r["id"] != ID)));
}

/// The dev CCaaS number (bound to the dev ACS resource) and its caller.
const CCAAS_NUMBER: &str = "+14255550200";
const ACS_CALLER: &str = "+14255550188";

/// Answers the call from `ACS_CALLER` to the dev CCaaS number as an ACS app would; its connection id.
async fn answered_acs_call(h: &TestServer, grid: &Hook) -> String {
    let subscribed = h
        .admin(
            Method::POST,
            &format!("/acsResources/{}/eventSubscriptions", h.dev.acs.resource_id),
            json!({
                "name": "incoming-calls",
                "endpoint": grid.url("/incoming"),
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            }),
        )
        .await;
    assert!(subscribed.status.is_success(), "{}", subscribed.body);
    let dialled = h
        .admin(
            Method::POST,
            &format!("/phones/{ACS_CALLER}/calls"),
            json!({"to": CCAAS_NUMBER, "tone": [{"at": "0ms", "duration": "1200ms"}]}),
        )
        .await;
    assert_eq!(dialled.status, StatusCode::CREATED, "{}", dialled.body);
    let incoming = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
        })
        .await;
    let context = incoming.body[0]["data"]["incomingCallContext"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let answered = h
        .acs()
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": h.hook.url("/callbacks")})),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let id = answered.body["callConnectionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    h.hook
        .wait_for(Duration::from_secs(15), |r| {
            r.body[0]["type"] == "Microsoft.Communication.CallConnected"
                && r.body[0]["data"]["callConnectionId"] == id.as_str()
        })
        .await;
    id
}

#[tokio::test(start_paused = true)]
async fn an_acs_call_recording_is_announced_and_listed_with_its_call() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let mut stream = h
        .http
        .get(h.url("/console/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("stream");
    let grid = Hook::event_grid().await;
    let connection = answered_acs_call(&h, &grid).await;
    let acs = h.acs();
    let started = acs
        .call(
            Method::POST,
            "/calling/recordings",
            Some(json!({
                "callConnectionId": connection,
                "recordingContentType": "audio",
                "recordingChannelType": "mixed",
                "recordingFormatType": "wav",
            })),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let recording = started.body["recordingId"].as_str().unwrap_or_default();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let stopped = acs
        .call(
            Method::DELETE,
            &format!("/calling/recordings/{recording}"),
            None,
        )
        .await;
    assert!(stopped.status.is_success(), "{}", stopped.body);

    let ready = next_ready(&mut stream).await;
    let entry = &ready["recording"];
    assert_eq!(entry["dialect"], "acs");
    assert_eq!(entry["kind"], "callRecording");
    assert_eq!(entry["channels"], 1);
    assert!(
        entry["durationMs"].as_u64().is_some_and(|ms| ms >= 1_000),
        "{entry}"
    );
    let call = ready["call"].as_str().unwrap_or_default().to_string();
    assert_eq!(entry["call"], call.as_str());
    let id = entry["id"].as_str().unwrap_or_default().to_string();
    // The call is the one the console shows (its timeline has the call's engine events too).
    let timeline = get(
        &h,
        &format!("/console/api/calls/{call}/events"),
        &[("cookie", &cookie)],
    )
    .await;
    let types: Vec<&str> = timeline.body["value"]
        .as_array()
        .map(|v| v.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        types.contains(&"call.offered") && types.contains(&"recording.ready"),
        "{types:?}"
    );

    let listed = get(&h, "/console/api/recordings", &[("cookie", &cookie)]).await;
    let found = listed.body["value"]
        .as_array()
        .and_then(|v| v.iter().find(|r| r["id"] == id.as_str()).cloned())
        .unwrap_or_default();
    assert_eq!(found, *entry);
    let audio = get(
        &h,
        &format!("/console/api/recordings/{id}/audio"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(audio.status, StatusCode::OK);
    assert_eq!(Some(audio.bytes.len() as u64), entry["bytes"].as_u64());
    let waveform = get(
        &h,
        &format!("/console/api/recordings/{id}/waveform?width=50"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(waveform.status, StatusCode::OK, "{}", waveform.body);
    assert_eq!(waveform.body["channels"].as_array().map(Vec::len), Some(1));
}
