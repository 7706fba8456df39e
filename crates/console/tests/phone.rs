//! The softphone's socket against a real dev-mode server (tokio's paused clock; the media plane
//! ticks on it): the cookie and an Origin naming this server are required; a call to the dev
//! resource account's number (the built-in announcement answers) brings the announcement to the
//! socket as 640-byte frames and the page's key to the engine as an out-of-band tone (what
//! subscribeToTone and recognize see); the page's audio is the leg's voice, heard (recorded) by a
//! simulated phone it calls; hang-up ends the call.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use ringside_engine::Event;
use ringside_testkit::server::TestServer;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

mod support;

use support::{
    next_json, open, phone, say, sign_in, status_of, until_state, CALLER, LIMIT,
    RESOURCE_ACCOUNT_NUMBER,
};

#[tokio::test(start_paused = true)]
async fn the_socket_needs_the_cookie_and_this_servers_origin() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    assert_eq!(status_of(open(&h, &[("origin", &h.base)]).await), 401);
    let elsewhere = open(
        &h,
        &[("cookie", &cookie), ("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(status_of(elsewhere), 403);
    assert_eq!(status_of(open(&h, &[("cookie", &cookie)]).await), 403);
    let mut socket = phone(&h).await;
    say(&mut socket, json!({"type": "dtmf", "digit": "5"})).await;
    assert_eq!(next_json(&mut socket).await["type"], "error");
    socket.send(Message::Text("{".into())).await.expect("send");
    assert_eq!(next_json(&mut socket).await["type"], "error");
}

#[tokio::test(start_paused = true)]
async fn the_announcement_is_heard_and_a_key_reaches_the_engine_out_of_band() {
    let h = TestServer::start().await;
    let mut events = h.server.state().calls().subscribe();
    let mut socket = phone(&h).await;
    say(
        &mut socket,
        json!({"type": "dial", "to": RESOURCE_ACCOUNT_NUMBER, "from": CALLER}),
    )
    .await;
    let dialing = until_state(&mut socket, "dialing").await;
    let call = dialing["callId"].as_str().expect("callId").to_string();
    until_state(&mut socket, "connected").await;

    // What the leg hears: 640-byte frames, and the announcement is not silence.
    let (mut frames, mut loud) = (0, 0);
    while frames < 100 {
        let message = tokio::time::timeout(LIMIT, socket.next())
            .await
            .expect("audio in time")
            .expect("open")
            .expect("frame");
        if let Message::Binary(bytes) = message {
            assert_eq!(bytes.len(), 640);
            frames += 1;
            let peak = bytes
                .chunks_exact(2)
                .map(|p| i16::from_le_bytes([p[0], p[1]]).unsigned_abs())
                .max()
                .unwrap_or(0);
            if peak > 1_000 {
                loud += 1;
            }
        }
    }
    assert!(
        loud > 10,
        "the announcement is heard: {loud} of {frames} frames"
    );

    say(&mut socket, json!({"type": "dtmf", "digit": "5"})).await;
    let tone = tokio::time::timeout(LIMIT, async {
        loop {
            if let Ok(Event::ToneReceived {
                tone, conversation, ..
            }) = events.recv().await
            {
                return (tone.to_string(), conversation.to_string());
            }
        }
    })
    .await
    .expect("the key reaches the engine");
    assert_eq!(tone, ("5".to_string(), call.clone()));

    say(&mut socket, json!({"type": "stats"})).await;
    let stats = loop {
        let frame = next_json(&mut socket).await;
        if frame["type"] == "stats" {
            break frame;
        }
    };
    assert!(
        stats["framesToPage"].as_u64().is_some_and(|n| n >= 100),
        "{stats}"
    );
    say(&mut socket, json!({"type": "hangup"})).await;
    let ended = until_state(&mut socket, "ended").await;
    assert_eq!(ended["callId"], call);
}

/// One 20 ms frame of a 1 kHz tone at amplitude 8,000, starting at sample `n`.
fn tone_frame(n: usize) -> Vec<u8> {
    (n..n + 320)
        .map(|i| {
            let phase = 2.0 * std::f64::consts::PI * 1_000.0 * i as f64 / 16_000.0;
            (8_000.0 * phase.sin()) as i16
        })
        .flat_map(i16::to_le_bytes)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn what_the_page_sends_is_the_legs_voice_heard_by_the_other_party() {
    let h = TestServer::start().await;
    let callee = "+14255550123";
    h.behaviour(callee, json!({"answerAfter": "0s", "record": true}))
        .await;
    let mut socket = phone(&h).await;
    say(
        &mut socket,
        json!({"type": "dial", "to": callee, "from": CALLER}),
    )
    .await;
    let call = until_state(&mut socket, "dialing").await["callId"]
        .as_str()
        .expect("callId")
        .to_string();
    until_state(&mut socket, "connected").await;
    for k in 0..50 {
        socket
            .send(Message::Binary(tone_frame(k * 320).into()))
            .await
            .expect("send");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    socket
        .send(Message::Binary(vec![0u8; 7].into()))
        .await
        .expect("send");
    say(&mut socket, json!({"type": "stats"})).await;
    let stats = loop {
        let frame = next_json(&mut socket).await;
        if frame["type"] == "stats" {
            break frame;
        }
    };
    assert_eq!(stats["framesFromPage"], 50, "{stats}");
    assert_eq!(stats["badFrames"], 1, "{stats}");
    say(&mut socket, json!({"type": "hangup"})).await;
    until_state(&mut socket, "ended").await;

    let view = h
        .admin(
            reqwest::Method::GET,
            &format!("/calls/{call}"),
            None::<Value>,
        )
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let callee_leg = leg_of(&view.body, callee).to_string();
    assert!(!callee_leg.is_empty(), "{}", view.body);
    let recording = h.recording(&call, &callee_leg).await;
    assert_eq!(recording.status, StatusCode::OK);
    let samples: Vec<i16> = recording.bytes[44..]
        .chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect();
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 4_000).count();
    assert!(
        loud > 4_000,
        "the callee heard the page's tone: {loud} loud samples of {}",
        samples.len()
    );
}

/// The id of the leg whose party is `number`.
fn leg_of<'a>(view: &'a Value, number: &str) -> &'a str {
    view["legs"]
        .as_array()
        .and_then(|legs| {
            legs.iter()
                .find(|leg| leg.to_string().contains(number))
                .and_then(|leg| leg["id"].as_str())
        })
        .unwrap_or_default()
}
