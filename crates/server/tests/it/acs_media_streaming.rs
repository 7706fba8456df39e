//! Integration test of the ACS door's media streaming against a real dev-mode server on
//! 127.0.0.1:0: an HMAC-signed createCall to a simulated phone with `mediaStreamingOptions`
//! (`startMediaStreaming: true`) streams to a WebSocket app in the test once the call connects
//! (bearer JWT and call headers on the upgrade, AudioMetadata then AudioData); the callback URI
//! receives MediaStreamingStarted; `:stopMediaStreaming` answers 202 and MediaStreamingStopped
//! follows; a second stop is 400; an invalid `mediaStreamingOptions` is 400.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::routing::post;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use ringside_server::{ServeOptions, Server};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const API: &str = "api-version=2025-06-15";
const CCAAS_NUMBER: &str = "+14255550200";
const PHONE: &str = "+14255550177";

struct Acs {
    http: reqwest::Client,
    base: String,
    host: String,
    key: String,
}

impl Acs {
    async fn send(&self, method: Method, path: &str, body: &Value) -> (StatusCode, Value) {
        let bytes = serde_json::to_vec(body).expect("json");
        let path_and_query = format!("{path}?{API}");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(&bytes);
        let to_sign =
            acs_string_to_sign(method.as_str(), &path_and_query, &date, &self.host, &hash);
        let signature = acs_sign(&self.key, &to_sign).expect("sign");
        let response = self
            .http
            .request(method, format!("{}{}", self.base, path_and_query))
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header("authorization", acs_authorization(&signature))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

type Events = Arc<Mutex<Vec<Value>>>;

async fn wait_for(events: &Events, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = events
            .lock()
            .expect("lock")
            .iter()
            .find(|e| e["type"] == format!("Microsoft.Communication.{kind}"))
            .cloned();
        if let Some(event) = found {
            return event;
        }
        assert!(Instant::now() < deadline, "no {kind} callback");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::result_large_err)] // the handshake callback's signature is tungstenite's
async fn create_call_with_media_streaming_streams_and_stops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(ServeOptions {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config: None,
        manual_media_clock: false,
    })
    .await
    .expect("server starts");
    let pem = std::fs::read(server.ca_cert_path()).expect("CA certificate");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .build()
        .expect("client");
    let info = server.dev_info().expect("dev mode").clone();
    let endpoint = info.acs.endpoint.trim_end_matches('/').to_string();
    let acs = Acs {
        http: http.clone(),
        host: endpoint
            .split_once("://")
            .map(|(_, h)| h.to_string())
            .expect("host"),
        base: endpoint,
        key: info.acs.access_key.clone(),
    };

    // The app's callback endpoint.
    let events: Events = Arc::default();
    let sink = events.clone();
    let app = axum::Router::new().route(
        "/callbacks",
        post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                if let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&body) {
                    sink.lock().expect("lock").extend(list);
                }
                StatusCode::OK
            }
        }),
    );
    let hooks = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook_url = format!("http://{}/callbacks", hooks.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(hooks, app).await;
    });

    // The app's media WebSocket.
    let media = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let media_port = media.local_addr().expect("addr").port();
    let socket_task = tokio::spawn(async move {
        let (tcp, _) = media.accept().await.expect("accept");
        let mut seen = (None, None);
        let callback = |request: &tokio_tungstenite::tungstenite::handshake::server::Request,
                        response| {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            seen = (header("authorization"), header("x-ms-call-connection-id"));
            Ok(response)
        };
        let mut socket = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .expect("upgrade");
        let mut kinds = Vec::new();
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(text.as_str()).expect("json");
                kinds.push(value["kind"].as_str().unwrap_or("").to_string());
            }
        }
        (seen, kinds)
    });

    let options = json!({
        "transportType": "websocket",
        "transportUrl": format!("ws://127.0.0.1:{media_port}/acs"),
        "audioChannelType": "mixed",
        "contentType": "audio",
        "audioFormat": "pcm16KMono",
        "startMediaStreaming": true,
        "enableBidirectional": true,
    });
    // Invalid options are a 400 in the ACS envelope.
    let (status, body) = acs
        .send(
            Method::POST,
            "/calling/callConnections",
            &json!({
                "targets": [{"rawId": format!("4:{PHONE}"), "phoneNumber": {"value": PHONE}}],
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "callbackUri": hook_url,
                "mediaStreamingOptions": {"transportType": "websocket", "audioChannelType": "loud", "transportUrl": "wss://a/b"},
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("audioChannelType"));

    let (status, created) = acs
        .send(
            Method::POST,
            "/calling/callConnections",
            &json!({
                "targets": [{"rawId": format!("4:{PHONE}"), "phoneNumber": {"value": PHONE}}],
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                "callbackUri": hook_url,
                "operationContext": "dial",
                "mediaStreamingOptions": options,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
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
    let (status, props) = acs
        .send(
            Method::GET,
            &format!("/calling/callConnections/{id}"),
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    assert_eq!(props["mediaStreamingSubscription"]["state"], "active");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let path = format!("/calling/callConnections/{id}:stopMediaStreaming");
    let (status, body) = acs
        .send(Method::POST, &path, &json!({"operationContext": "stop-it"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let stopped = wait_for(&events, "MediaStreamingStopped").await;
    assert_eq!(stopped["data"]["operationContext"], "stop-it");
    assert_eq!(
        stopped["data"]["mediaStreamingUpdate"]["mediaStreamingStatusDetails"],
        "subscriptionStopped"
    );
    let (status, body) = acs.send(Method::POST, &path, &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let ((auth, connection), kinds) = tokio::time::timeout(Duration::from_secs(10), socket_task)
        .await
        .expect("the socket closes")
        .expect("socket task");
    assert!(auth.unwrap_or_default().starts_with("Bearer ey"));
    assert_eq!(connection.as_deref(), Some(id.as_str()));
    assert_eq!(kinds.first().map(String::as_str), Some("AudioMetadata"));
    let audio = kinds.iter().filter(|k| *k == "AudioData").count();
    assert!(audio >= 20, "{audio} AudioData frames in 0.5 s");
    server.shutdown().await;
}
