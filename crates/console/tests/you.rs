//! "You" on the softphone, against a real dev-mode server on tokio's paused clock: a socket
//! registers a directory user; a Graph bot calling that user rings the socket (and the user does
//! not answer by itself), the page answers and hears the bot's prompt; a bot transferring a call
//! to the user rings the socket too, and the transfer completes when the page answers; a
//! declined call ends; a second socket cannot be the same user; the user's behaviour comes back
//! when the socket closes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use ringside_testkit::server::{sine_wav, TestServer};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

mod support;

use support::{next_json, phone, say, until_state, Socket, CALLER, LIMIT, RESOURCE_ACCOUNT_NUMBER};

fn service_hosted() -> Value {
    json!({"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"})
}

/// Registers dev user `index` on the socket; its object id.
async fn register(h: &TestServer, socket: &mut Socket, index: usize) -> String {
    let user = &h.dev.users[index];
    say(
        socket,
        json!({"type": "register", "user": user.user_principal_name}),
    )
    .await;
    let frame = next_json(socket).await;
    assert_eq!(frame["type"], "registered", "{frame}");
    assert_eq!(frame["you"]["id"], user.id.as_str(), "{frame}");
    user.id.clone()
}

/// The states of the hook's notifications about `id`'s call, in order.
fn states(h: &TestServer) -> Vec<String> {
    h.hook
        .received()
        .iter()
        .flat_map(|r| r.body["value"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["resourceData"]["state"].as_str().map(str::to_string))
        .collect()
}

/// A leg's state in the platform API's view of `call`.
async fn leg_state(h: &TestServer, call: &str, leg: &str) -> String {
    let view = h
        .admin(Method::GET, &format!("/calls/{call}"), None::<Value>)
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    view.body["legs"]
        .as_array()
        .and_then(|legs| legs.iter().find(|l| l["id"] == leg))
        .and_then(|l| l["state"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Zero crossings of a frame of s16le samples.
fn crossings(bytes: &[u8]) -> usize {
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect();
    samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count()
}

/// Reads audio frames until `wanted` of them are loud 600 Hz (about 15 crossings per 20 ms);
/// how many frames that took.
async fn hear_600_hz(socket: &mut Socket, wanted: usize) -> usize {
    let (mut frames, mut tone) = (0, 0);
    while tone < wanted {
        let message = tokio::time::timeout(LIMIT, socket.next())
            .await
            .expect("audio in time")
            .expect("open")
            .expect("frame");
        let Message::Binary(bytes) = message else {
            continue;
        };
        assert_eq!(bytes.len(), 640);
        frames += 1;
        let peak = bytes
            .chunks_exact(2)
            .map(|p| i16::from_le_bytes([p[0], p[1]]).unsigned_abs())
            .max()
            .unwrap_or(0);
        if peak > 4_000 && (20..=28).contains(&crossings(&bytes)) {
            tone += 1;
        }
        assert!(
            frames < 2_000,
            "the bot's prompt never came: {tone} tone frames"
        );
    }
    frames
}

#[tokio::test(start_paused = true)]
async fn a_bot_calling_you_rings_the_page_which_answers_and_hears_the_prompt() {
    let h = TestServer::start().await;
    let mut socket = phone(&h).await;
    let user = register(&h, &mut socket, 0).await;

    let placed = h
        .graph(
            Method::POST,
            "/v1.0/communications/calls",
            json!({
                "callbackUri": h.hook.url("/out"),
                "targets": [{"identity": {"user": {"id": user}}}],
                "requestedModalities": ["audio"],
                "mediaConfig": service_hosted(),
            }),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let bot_call = placed.body["id"].as_str().expect("id").to_string();

    let ringing = until_state(&mut socket, "ringing").await;
    let call = ringing["callId"].as_str().expect("callId").to_string();
    let leg = ringing["legId"].as_str().expect("legId").to_string();
    assert!(ringing["from"]["kind"].is_string(), "{ringing}");
    // A user answers after a second by default: "you" only answers from the page.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(leg_state(&h, &call, &leg).await, "incoming");

    say(&mut socket, json!({"type": "answer"})).await;
    assert_eq!(until_state(&mut socket, "answering").await["legId"], leg);
    until_state(&mut socket, "connected").await;
    h.hook
        .wait_until(LIMIT, |_| states(&h).iter().any(|s| s == "established"))
        .await;

    let upload = h.admin(Method::POST, "/media", sine_wav(600.0, 2.0)).await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    let uri = format!(
        "{}/ringside/v1/media/{}",
        h.base,
        upload.body["id"].as_str().expect("media id")
    );
    let played = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{bot_call}/playPrompt"),
            json!({"prompts": [{"mediaInfo": {"uri": uri}}]}),
        )
        .await;
    assert_eq!(played.status, StatusCode::OK, "{}", played.body);
    hear_600_hz(&mut socket, 40).await;

    say(&mut socket, json!({"type": "hangup"})).await;
    assert_eq!(until_state(&mut socket, "ended").await["callId"], call);
    h.hook
        .wait_until(LIMIT, |_| states(&h).iter().any(|s| s == "terminated"))
        .await;
}

#[tokio::test(start_paused = true)]
async fn a_transfer_to_you_rings_the_page_and_completes_when_answered() {
    let h = TestServer::start().await;
    let mut socket = phone(&h).await;
    let user = register(&h, &mut socket, 1).await;
    h.set_webhook(&h.hook.url("/calling")).await;
    h.dial(CALLER, RESOURCE_ACCOUNT_NUMBER).await;
    let offered = h.hook.wait_until(LIMIT, |r| !r.is_empty()).await;
    let id = offered[0].body["value"][0]["resourceData"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let answered = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/answer"),
            json!({"callbackUri": h.hook.url("/answered"), "mediaConfig": service_hosted(),
                   "acceptedModalities": ["audio"]}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::ACCEPTED, "{}", answered.body);
    h.hook
        .wait_until(LIMIT, |_| states(&h).iter().any(|s| s == "established"))
        .await;

    let transfer = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/transfer"),
            json!({"transferTarget": {"identity": {"user": {"id": user}}}}),
        )
        .await;
    assert_eq!(transfer.status, StatusCode::ACCEPTED, "{}", transfer.body);
    let ringing = until_state(&mut socket, "ringing").await;
    assert_eq!(states(&h).last().map(String::as_str), Some("transferring"));
    say(&mut socket, json!({"type": "answer"})).await;
    until_state(&mut socket, "connected").await;
    h.hook
        .wait_until(LIMIT, |_| {
            states(&h).iter().any(|s| s == "transferAccepted")
        })
        .await;
    // The caller and "you" now talk: the leg stays up after the bot left.
    let call = ringing["callId"].as_str().expect("callId");
    let leg = ringing["legId"].as_str().expect("legId");
    h.hook
        .wait_until(LIMIT, |_| states(&h).iter().any(|s| s == "terminated"))
        .await;
    assert_eq!(leg_state(&h, call, leg).await, "established");
    say(&mut socket, json!({"type": "hangup"})).await;
    until_state(&mut socket, "ended").await;
}

#[tokio::test(start_paused = true)]
async fn a_declined_call_ends_one_user_per_socket_and_the_behaviour_comes_back() {
    let h = TestServer::start().await;
    let user = h.dev.users[0].clone();
    let mut socket = phone(&h).await;
    register(&h, &mut socket, 0).await;

    // Another tab cannot be the same user.
    let mut other = phone(&h).await;
    say(
        &mut other,
        json!({"type": "register", "user": user.user_principal_name}),
    )
    .await;
    assert_eq!(next_json(&mut other).await["you"], Value::Null);
    assert_eq!(next_json(&mut other).await["type"], "error");
    say(&mut other, json!({"type": "answer"})).await;
    assert_eq!(next_json(&mut other).await["type"], "error");

    // A simulated phone calls the user: it rings here; declined, the caller's leg ends.
    let dialled = h.dial(CALLER, &user.id).await;
    let ringing = until_state(&mut socket, "ringing").await;
    assert_eq!(ringing["callId"], dialled["callId"]);
    assert_eq!(ringing["from"]["number"], CALLER, "{ringing}");
    say(&mut socket, json!({"type": "decline"})).await;
    assert_eq!(
        until_state(&mut socket, "ended").await["reason"],
        "declined"
    );
    let call = dialled["callId"].as_str().expect("callId");
    let caller = dialled["legId"].as_str().expect("legId");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(leg_state(&h, call, caller).await, "terminated");

    // Closed, the socket gives the user back: they answer by themselves again.
    socket.send(Message::Close(None)).await.expect("close");
    drop(socket);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = h.dial(CALLER, &user.id).await;
    let (call, target) = (
        again["callId"].as_str().expect("callId"),
        again["targetLegId"].as_str().expect("targetLegId"),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(leg_state(&h, call, target).await, "established");
    // And the other tab may be them now.
    say(
        &mut other,
        json!({"type": "register", "user": user.user_principal_name}),
    )
    .await;
    assert_eq!(next_json(&mut other).await["you"]["id"], user.id.as_str());
}
