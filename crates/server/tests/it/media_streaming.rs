//! Integration tests of the media streaming service against a real dev-mode server on 127.0.0.1:0
//! and a real WebSocket server in the test: a simulated phone calls the dev resource account (the
//! built-in responder answers the bot leg), the test streams the bot leg's audio in the ACS dialect
//! and checks metadata, frame size, 20 ms pacing and timestamps, the phone's test tone and in-band
//! DTMF in the PCM, the app's audio reaching the phone's recording, the app closing the socket,
//! the call ending, unmixed 24 kHz frames named by participant, DTMF messages, and refused or
//! unreachable targets.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use ringside_engine::{ConversationId, LegId};
use ringside_server::streaming::{
    StreamChannel, StreamError, StreamEvent, StreamEventKind, StreamRate, StreamSpec,
};
use ringside_testkit::server::{Frame, MediaSink, TestServer};
use serde_json::{json, Value};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

const CALLER: &str = "+14255550199";
const RESOURCE_ACCOUNT_NUMBER: &str = "+14255550100";

/// Dials the resource account; the conversation, the caller's leg and the bot leg.
async fn dial(h: &TestServer, body: Value) -> (ConversationId, LegId, LegId) {
    let dial = h
        .admin(
            reqwest::Method::POST,
            &format!("/phones/{CALLER}/calls"),
            body,
        )
        .await
        .body;
    assert_eq!(dial["state"], "active", "{dial}");
    let id = |key: &str| dial[key].as_str().expect(key).parse().expect("guid");
    (
        ConversationId(id("callId")),
        LegId(id("legId")),
        LegId(id("targetLegId")),
    )
}

/// A leg's recording as 16-bit samples.
async fn recording(h: &TestServer, call: ConversationId, leg: LegId) -> Vec<i16> {
    let reply = h.recording(&call.0.to_string(), &leg.0.to_string()).await;
    assert_eq!(reply.status, reqwest::StatusCode::OK, "no recording");
    let decoded = ringside_audio::wav::decode(&reply.bytes).expect("wav");
    decoded
        .samples
        .iter()
        .map(|s| (s * 32767.0) as i16)
        .collect()
}

fn spec(
    conversation: ConversationId,
    leg: LegId,
    url: String,
    channel: StreamChannel,
    rate: StreamRate,
) -> StreamSpec {
    StreamSpec {
        conversation,
        leg,
        url,
        codec: std::sync::Arc::new(ringside_server::stream_wire::acs::AcsCodec {
            subscription_id: "sub-7".into(),
        }),
        channel,
        rate,
        bidirectional: true,
        bearer: Some("test-token".into()),
        headers: vec![("x-ms-call-connection-id".into(), "conn-1".into())],
        participants: HashMap::new(),
        owner: "platform",
    }
}

/// Power of `freq` in `x` relative to the block's total power (0..1).
fn tone_share(x: &[i16], freq: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0f64;
    for &v in x {
        let v = f64::from(v);
        total += v * v;
        let s = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if total <= 0.0 {
        return 0.0;
    }
    // A pure sine of N samples gives power = (N/2)^2 * A^2 / ... ; normalise by N * total / 2.
    (2.0 * power / (x.len() as f64 * total)).min(1.0)
}

/// Waits for the stream's next event.
async fn next_event(events: &mut broadcast::Receiver<StreamEvent>, id: u64) -> StreamEvent {
    let deadline = Duration::from_secs(15);
    tokio::time::timeout(deadline, async {
        loop {
            match events.recv().await {
                Ok(event) if event.stream.0 == id => return event,
                Ok(_) => {}
                Err(error) => panic!("events: {error}"),
            }
        }
    })
    .await
    .expect("a stream event")
}

/// The app's answer to the stream: from 3 s to 4 s of it (AudioData frames 150 to 199), 20 ms of
/// 2400 Hz per frame — the bot's voice, in the docs' PascalCase; garbage after the 10th frame; and
/// it closes the socket after the 250th.
fn app_answer() -> impl FnMut(usize, &Frame) -> Vec<Message> + Send + 'static {
    let mut audio_frames = 0usize;
    move |_, frame| {
        if frame.json().is_none_or(|v| v["kind"] != "AudioData") {
            return Vec::new();
        }
        audio_frames += 1;
        let mut replies = Vec::new();
        if (150..200).contains(&audio_frames) {
            let samples: Vec<u8> = (0..320)
                .flat_map(|i| {
                    let t = (audio_frames * 320 + i) as f64 / 16_000.0;
                    (((t * 2400.0 * std::f64::consts::TAU).sin() * 12_000.0) as i16).to_le_bytes()
                })
                .collect();
            let data = base64::engine::general_purpose::STANDARD.encode(samples);
            let out = json!({"Kind": "AudioData", "AudioData": {"Data": data}, "StopAudio": null});
            replies.push(Message::text(out.to_string()));
        }
        // Garbage is counted and ignored.
        if audio_frames == 10 {
            replies.push(Message::text("{\"kind\":\"nonsense\"}"));
        }
        if audio_frames >= 250 {
            replies.push(Message::Close(None));
        }
        replies
    }
}

#[tokio::test(start_paused = true)]
async fn acs_stream_carries_the_call_both_ways_and_ends_when_the_app_closes() {
    let h = TestServer::start().await;
    let (call, phone, bot) = dial(
        &h,
        json!({
            "to": RESOURCE_ACCOUNT_NUMBER,
            "tone": [{"at": "0s", "duration": "3s"}],
            "press": [{"digits": "7", "at": "3500ms"}],
            "hangupAfter": "9s",
            "record": true,
        }),
    )
    .await;
    let app = MediaSink::answering(app_answer()).await;

    let streams = h.server.state().streams().clone();
    let mut events = streams.subscribe();
    let id = streams
        .start(spec(
            call,
            bot,
            app.url("/ws"),
            StreamChannel::Mixed,
            StreamRate::Khz16,
        ))
        .expect("starts");
    assert!(streams.is_live(id));
    assert_eq!(
        next_event(&mut events, id.0).await.kind,
        StreamEventKind::Connected
    );

    // 250 frames of 20 ms after the connection, the app closes it.
    let socket = app.closed(0, Duration::from_millis(5_100)).await;
    assert_eq!(socket.path, "/ws");
    assert_eq!(socket.header("authorization"), "Bearer test-token");
    assert_eq!(socket.header("x-ms-call-connection-id"), "conn-1");
    let received: Vec<(tokio::time::Instant, &Value)> = socket
        .messages
        .iter()
        .filter_map(|m| m.frame.json().map(|v| (m.at, v)))
        .collect();

    let final_event = next_event(&mut events, id.0).await;
    let StreamEventKind::Stopped { reason, counters } = final_event.kind else {
        panic!("expected Stopped, got {final_event:?}");
    };
    assert!(reason.contains("closed"), "{reason}");
    assert!(counters.frames_sent >= 250, "{counters:?}");
    assert_eq!(counters.audio_in, 50, "{counters:?}");
    assert_eq!(counters.bad_in, 1, "{counters:?}");
    assert_eq!(counters.plane.frames_in, 50, "{counters:?}");
    assert!(!streams.is_live(id));

    // Metadata first, then 20 ms frames of 640 bytes with timestamps 20 ms apart.
    let meta = received[0].1;
    assert_eq!(meta["kind"], "AudioMetadata", "{meta}");
    assert_eq!(meta["audioMetadata"]["subscriptionId"], "sub-7");
    assert_eq!(meta["audioMetadata"]["sampleRate"], 16_000);
    assert_eq!(meta["audioMetadata"]["length"], 640);
    let frames: Vec<&(tokio::time::Instant, &Value)> = received[1..]
        .iter()
        .filter(|(_, v)| v["kind"] == "AudioData")
        .collect();
    assert_eq!(frames.len(), 250);
    let mut pcm = Vec::new();
    let mut stamps = Vec::new();
    for frame in &frames {
        let audio = &frame.1["audioData"];
        assert!(audio.get("participantRawID").is_none(), "mixed: {audio}");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(audio["data"].as_str().expect("data"))
            .expect("base64");
        assert_eq!(bytes.len(), 640);
        pcm.extend(
            bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]])),
        );
        let stamp = audio["timestamp"].as_str().expect("timestamp");
        assert!(stamp.ends_with('Z') && stamp.len() == 24, "{stamp}");
        let ms: u64 = stamp[20..23].parse().expect("ms");
        let s: u64 = stamp[17..19].parse().expect("s");
        let m: u64 = stamp[14..16].parse().expect("min");
        stamps.push((m * 60 + s) * 1000 + ms);
    }
    for pair in stamps.windows(2) {
        let step = (pair[1] + 3_600_000 - pair[0]) % 3_600_000;
        assert_eq!(step, 20, "timestamps step 20 ms");
    }
    // Paced by the media clock: 249 intervals of 20 ms.
    let span = frames[249].0 - frames[0].0;
    assert_eq!(span, Duration::from_millis(249 * 20));

    // The phone's 1004 Hz test tone and its in-band 7 are in the streamed PCM.
    let toned = pcm
        .chunks(320)
        .take(125)
        .filter(|f| tone_share(f, 1004.0, 16_000.0) > 0.5)
        .count();
    assert!(toned >= 80, "test tone in {toned} of the first 125 frames");
    let mut detector = ringside_audio::DtmfDetector::new(Default::default());
    let mut keys = Vec::new();
    detector.process(&pcm, |event| {
        if let ringside_audio::DetectorEvent::ToneStarted { tone, .. } = event {
            keys.push(tone.as_char());
        }
    });
    assert_eq!(keys, vec!['7'], "in-band DTMF in the stream");

    // The app's 2400 Hz reached the phone.
    let heard = recording(&h, call, phone).await;
    let loud = heard
        .chunks(320)
        .filter(|f| tone_share(f, 2400.0, 16_000.0) > 0.5)
        .count();
    assert!(
        loud >= 30,
        "the app's audio in {loud} frames of the phone's recording"
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn unmixed_24k_frames_name_participants_carry_dtmf_and_stop_with_the_call() {
    let h = TestServer::start().await;
    let (call, phone, bot) = dial(
        &h,
        json!({
            "to": RESOURCE_ACCOUNT_NUMBER,
            "tone": [{"at": "0s", "duration": "2s"}],
            "hangupAfter": "2s",
        }),
    )
    .await;
    let app = MediaSink::start().await;
    let streams = h.server.state().streams().clone();
    let mut events = streams.subscribe();
    let mut wanted = spec(
        call,
        bot,
        format!("ws://localhost:{}/", app.port()),
        StreamChannel::Unmixed,
        StreamRate::Khz24,
    );
    wanted.participants.insert(phone, format!("4:{CALLER}"));
    let id = streams.start(wanted).expect("starts");
    assert_eq!(
        next_event(&mut events, id.0).await.kind,
        StreamEventKind::Connected
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(streams.dtmf(id, '5'));
    let final_event = next_event(&mut events, id.0).await;
    let StreamEventKind::Stopped { reason, counters } = final_event.kind else {
        panic!("expected Stopped, got {final_event:?}");
    };
    assert_eq!(reason, "callEnded");
    assert_eq!(counters.dtmf_sent, 1);
    assert!(counters.plane.frames_out >= 50, "{counters:?}");
    let socket = app.closed(0, Duration::from_secs(10)).await;
    let values = socket.json();
    assert_eq!(values[0]["audioMetadata"]["sampleRate"], 24_000);
    assert_eq!(values[0]["audioMetadata"]["length"], 960);
    let frames: Vec<&Value> = values
        .iter()
        .copied()
        .filter(|v| v["kind"] == "AudioData")
        .collect();
    assert!(frames.len() >= 50, "{}", frames.len());
    for frame in &frames {
        assert_eq!(
            frame["audioData"]["participantRawID"],
            format!("4:{CALLER}")
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(frame["audioData"]["data"].as_str().expect("data"))
            .expect("base64");
        assert_eq!(bytes.len(), 960);
    }
    assert!(values
        .iter()
        .any(|v| **v == json!({"kind": "DtmfData", "dtmfData": {"data": "5"}})));
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn refused_and_unreachable_targets_fail() {
    let h = TestServer::start().await;
    let (call, _phone, bot) = dial(
        &h,
        json!({"to": RESOURCE_ACCOUNT_NUMBER, "hangupAfter": "3s"}),
    )
    .await;
    let streams = h.server.state().streams().clone();
    let mut events = streams.subscribe();
    let at = |url: &str| {
        spec(
            call,
            bot,
            url.into(),
            StreamChannel::Mixed,
            StreamRate::Khz16,
        )
    };
    assert!(matches!(
        streams.start(at("wss://169.254.169.254/latest")),
        Err(StreamError::Refused(_))
    ));
    assert!(matches!(
        streams.start(at("wss://10.0.0.8/ws")),
        Err(StreamError::Refused(_))
    ));
    assert!(matches!(
        streams.start(at("ws://app.example.com/ws")),
        Err(StreamError::BadUrl(_))
    ));
    assert!(matches!(
        streams.start(at("https://app.example.com/ws")),
        Err(StreamError::BadUrl(_))
    ));
    // Nothing listens there: the connection fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let id = streams
        .start(at(&format!("ws://127.0.0.1:{port}/ws")))
        .expect("starts");
    let event = next_event(&mut events, id.0).await;
    let StreamEventKind::Failed { reason, .. } = event.kind else {
        panic!("expected Failed, got {event:?}");
    };
    assert!(reason.contains("connect"), "{reason}");
    assert!(!streams.is_live(id));
    h.server.shutdown().await;
}

/// The app's answer for the barge-in test: on its 10th AudioData frame it sends 1.5 s of 2400 Hz
/// in one message (as a voice app forwards a model's reply unpaced), on its 60th `StopAudio`, and
/// after its 150th it closes the socket.
fn app_reply_then_barge_in() -> impl FnMut(usize, &Frame) -> Vec<Message> + Send + 'static {
    let mut audio_frames = 0usize;
    move |_, frame| {
        if frame.json().is_none_or(|v| v["kind"] != "AudioData") {
            return Vec::new();
        }
        audio_frames += 1;
        match audio_frames {
            10 => {
                let samples: Vec<u8> = (0..320 * 75)
                    .flat_map(|i| {
                        let t = i as f64 / 16_000.0;
                        (((t * 2400.0 * std::f64::consts::TAU).sin() * 12_000.0) as i16)
                            .to_le_bytes()
                    })
                    .collect();
                let data = base64::engine::general_purpose::STANDARD.encode(samples);
                let out = json!({"kind": "AudioData", "audioData": {"data": data}});
                vec![Message::text(out.to_string())]
            }
            60 => vec![Message::text(
                json!({"kind": "StopAudio", "audioData": null, "stopAudio": {}}).to_string(),
            )],
            n if n >= 150 => vec![Message::Close(None)],
            _ => Vec::new(),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_reply_sent_at_once_plays_in_real_time_until_stop_audio_cuts_it() {
    let h = TestServer::start().await;
    let (call, phone, bot) = dial(
        &h,
        json!({"to": RESOURCE_ACCOUNT_NUMBER, "hangupAfter": "6s", "record": true}),
    )
    .await;
    let app = MediaSink::answering(app_reply_then_barge_in()).await;
    let streams = h.server.state().streams().clone();
    let mut events = streams.subscribe();
    let id = streams
        .start(spec(
            call,
            bot,
            app.url("/ws"),
            StreamChannel::Mixed,
            StreamRate::Khz16,
        ))
        .expect("starts");
    assert_eq!(
        next_event(&mut events, id.0).await.kind,
        StreamEventKind::Connected
    );
    app.closed(0, Duration::from_secs(5)).await;
    let StreamEventKind::Stopped { counters, .. } = next_event(&mut events, id.0).await.kind else {
        panic!("expected Stopped");
    };
    // About one second of the reply was heard (50 frames between the reply and StopAudio), the rest
    // discarded by StopAudio; nothing was dropped for want of room.
    let plane = counters.plane;
    assert_eq!(counters.stop_audio, 1, "{counters:?}");
    assert_eq!(plane.dropped_in, 0, "{counters:?}");
    assert_eq!(plane.frames_in + plane.cleared_in, 75, "{counters:?}");
    assert!((45..=52).contains(&plane.frames_in), "{counters:?}");
    let heard = recording(&h, call, phone).await;
    let loud = heard
        .chunks(320)
        .filter(|f| tone_share(f, 2400.0, 16_000.0) > 0.5)
        .count();
    // Far more than the 10 frames a 200 ms queue used to keep (a frame straddling the tone's edges
    // or the recording's frame grid does not count).
    assert!(loud >= 30, "{loud} frames of the reply heard");
    h.server.shutdown().await;
}
