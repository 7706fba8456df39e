//! Integration test of the ACS door's media streaming against a real dev-mode server on
//! 127.0.0.1:0: an HMAC-signed createCall to a simulated phone with `mediaStreamingOptions`
//! (`startMediaStreaming: true`) streams to a WebSocket app in the test once the call connects
//! (bearer JWT and call headers on the upgrade, AudioMetadata then AudioData); the callback URI
//! receives MediaStreamingStarted; `:stopMediaStreaming` answers 202 and MediaStreamingStopped
//! follows; a second stop is 400; an invalid `mediaStreamingOptions` is 400.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{Hook, MediaSink, TestServer};
use serde_json::{json, Value};

const CCAAS_NUMBER: &str = "+14255550200";
const PHONE: &str = "+14255550177";

/// The first callback event of `kind` (short name), waiting at most 15 s.
async fn wait_for(events: &Hook, kind: &str) -> Value {
    let kind = format!("Microsoft.Communication.{kind}");
    let found = |r: &ringside_testkit::server::Received| {
        r.body
            .as_array()
            .and_then(|list| list.iter().find(|e| e["type"] == kind.as_str()))
            .cloned()
    };
    let received = events
        .wait_for(Duration::from_secs(15), |r| found(r).is_some())
        .await;
    found(&received).expect("the event")
}

#[tokio::test(start_paused = true)]
async fn create_call_with_media_streaming_streams_and_stops() {
    let h = TestServer::start().await;
    let acs = ringside_testkit::server::Acs {
        api_version: "2025-06-15".into(),
        ..h.acs()
    };
    // The app's callback endpoint and media WebSocket.
    let events = Hook::start().await;
    let hook_url = events.url("/callbacks");
    let media = MediaSink::start().await;

    let options = json!({
        "transportType": "websocket",
        "transportUrl": media.url("/acs"),
        "audioChannelType": "mixed",
        "contentType": "audio",
        "audioFormat": "pcm16KMono",
        "startMediaStreaming": true,
        "enableBidirectional": true,
    });
    // Invalid options are a 400 in the ACS envelope.
    let reply = acs
        .call(
            Method::POST,
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": format!("4:{PHONE}"), "phoneNumber": {"value": PHONE}}],
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "callbackUri": hook_url,
                "mediaStreamingOptions": {"transportType": "websocket", "audioChannelType": "loud", "transportUrl": "wss://a/b"},
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.message().contains("audioChannelType"));

    let reply = acs
        .call(
            Method::POST,
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": format!("4:{PHONE}"), "phoneNumber": {"value": PHONE}}],
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "callbackUri": hook_url,
                "operationContext": "dial",
                "mediaStreamingOptions": options,
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = reply.body;
    let id = created["callConnectionId"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(created["mediaStreamingSubscription"]["state"], "inactive");

    wait_for(&events, "CallConnected").await;
    let started = wait_for(&events, "MediaStreamingStarted").await;
    assert_eq!(started["data"]["callConnectionId"], id.as_str());
    assert_eq!(
        started["data"]["mediaStreamingUpdate"]["mediaStreamingStatus"],
        "mediaStreamingStarted"
    );
    let props = acs
        .call(Method::GET, &format!("/calling/callConnections/{id}"), None)
        .await;
    assert_eq!(props.status, StatusCode::OK, "{}", props.body);
    assert_eq!(props.body["mediaStreamingSubscription"]["state"], "active");

    // Half a second of streaming, then stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let path = format!("/calling/callConnections/{id}:stopMediaStreaming");
    let reply = acs
        .call(
            Method::POST,
            &path,
            Some(json!({"operationContext": "stop-it"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let stopped = wait_for(&events, "MediaStreamingStopped").await;
    assert_eq!(stopped["data"]["operationContext"], "stop-it");
    assert_eq!(
        stopped["data"]["mediaStreamingUpdate"]["mediaStreamingStatusDetails"],
        "subscriptionStopped"
    );
    let reply = acs.call(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    let socket = media.closed(0, Duration::from_secs(10)).await;
    assert!(socket.header("authorization").starts_with("Bearer ey"));
    assert_eq!(socket.header("x-ms-call-connection-id"), id.as_str());
    let kinds: Vec<&str> = socket
        .json()
        .iter()
        .map(|v| v["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds.first().copied(), Some("AudioMetadata"));
    let audio = kinds.iter().filter(|k| **k == "AudioData").count();
    assert_eq!(audio, 25, "0.5 s of 20 ms AudioData frames");
    h.server.shutdown().await;
}
