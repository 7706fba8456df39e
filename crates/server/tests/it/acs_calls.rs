//! Integration tests of the ACS call flow against a real dev-mode server on 127.0.0.1:0: a
//! simulated PSTN phone dials the dev CCaaS number (+14255550200, bound to the dev ACS resource),
//! a real Event Grid subscription receiver gets `IncomingCall`, the app answers with HMAC-signed
//! requests exactly as the SDKs sign them, and a real callback receiver gets the CloudEvents
//! (CallConnected, ParticipantsUpdated, AddParticipant*, RemoveParticipantSucceeded,
//! CallTransferAccepted, CallDisconnected), each one event per POST with a bearer JWT; plus reject,
//! hang-up and the negative cases (bad signature, bad incomingCallContext, malformed JSON,
//! unknown or disconnected connection); and key presses reaching a media stream that asked for
//! DTMF (`enableDtmfTones`) with and without continuous DTMF recognition.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use ringside_server::{RunningServer, ServeOptions, Server};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const CALLER: &str = "+14255550199";
const CCAAS_NUMBER: &str = "+14255550200";
const API: &str = "api-version=2026-03-12";

/// What a receiver got: headers of interest and the JSON body.
#[derive(Clone, Debug)]
struct Received {
    authorization: Option<String>,
    aeg_event_type: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
}

struct Harness {
    server: RunningServer,
    http: reqwest::Client,
    base: String,
    endpoint: String,
    host: String,
    key: String,
    token: String,
    acs: String,
    grid: Arc<Receiver>,
    callbacks: Arc<Receiver>,
    callback_url: String,
    grid_url: String,
    _dir: tempfile::TempDir,
}

/// A receiver on 127.0.0.1:0 answering Event Grid validation events with their code.
async fn receiver(path: &'static str) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(Receiver::default());
    let record = receiver.clone();
    let app = Router::new().route(
        path,
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let record = record.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let validation = body[0]["data"]["validationCode"].clone();
                record.got.lock().unwrap().push(Received {
                    authorization: header("authorization"),
                    aeg_event_type: header("aeg-event-type"),
                    body,
                });
                Json(json!({ "validationResponse": validation }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}{path}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (receiver, url)
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ServeOptions {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config: None,
        manual_media_clock: false,
    };
    let server = Server::start(options).await.expect("server starts");
    let pem = std::fs::read(server.ca_cert_path()).expect("CA certificate");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .build()
        .expect("client");
    let info = server.dev_info().expect("dev mode").clone();
    let endpoint = info.acs.endpoint.trim_end_matches('/').to_string();
    let host = endpoint
        .split_once("://")
        .map(|(_, h)| h.to_string())
        .expect("host");
    let (grid, grid_url) = receiver("/api/incomingCall").await;
    let (callbacks, callback_url) = receiver("/api/callbacks").await;
    let h = Harness {
        base: format!("{}/ringside/v1", server.base_url()),
        server,
        http,
        endpoint,
        host,
        key: info.acs.access_key.clone(),
        token: info.admin_token.clone(),
        acs: info.acs.resource_id.clone(),
        grid,
        callbacks,
        callback_url: format!("{callback_url}?secret=s1"),
        grid_url: grid_url.clone(),
        _dir: dir,
    };
    let (status, body) = h
        .admin(
            Method::POST,
            &format!("/acsResources/{}/eventSubscriptions", h.acs),
            json!({
                "name": "incoming-calls",
                "endpoint": grid_url,
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    h
}

impl Harness {
    fn grid_url(&self) -> String {
        self.grid_url.clone()
    }

    /// A recording-storage request as the SDKs make it: to the `*.asm.skype.com` URL (resolved to
    /// the server), signed with the ACS endpoint's host. Without a range it is Python-style
    /// (`x-ms-host` without the port, the signature over the host with it); with one, JS-style.
    async fn storage(
        &self,
        method: Method,
        url: &str,
        range: Option<&str>,
        key: &str,
    ) -> (StatusCode, Vec<u8>) {
        let pem = std::fs::read(self.server.ca_cert_path()).expect("CA certificate");
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
            .resolve("ringside.asm.skype.com", self.server.local_addr())
            .build()
            .expect("client");
        let parsed = reqwest::Url::parse(url).expect("url");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(b"");
        let to_sign = acs_string_to_sign(method.as_str(), parsed.path(), &date, &self.host, &hash);
        let signature = acs_sign(key, &to_sign).expect("sign");
        let x_ms_host = if range.is_some() {
            self.host.clone()
        } else {
            self.host.split(':').next().unwrap_or_default().to_string()
        };
        let mut request = client
            .request(method, url)
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header("x-ms-host", x_ms_host)
            .header("accept", "application/json")
            .header("authorization", acs_authorization(&signature));
        if let Some(range) = range {
            request = request.header("range", range);
        }
        let response = request.send().await.expect("storage request");
        let status = response.status();
        (status, response.bytes().await.expect("body").to_vec())
    }

    async fn admin(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
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

    /// An HMAC-signed ACS request as the SDKs send it (`key` overrides the resource key).
    async fn acs_with(
        &self,
        method: Method,
        path: &str,
        body: &[u8],
        key: &str,
    ) -> (StatusCode, Value) {
        let path_and_query = format!("{path}?{API}");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(body);
        let to_sign =
            acs_string_to_sign(method.as_str(), &path_and_query, &date, &self.host, &hash);
        let signature = acs_sign(key, &to_sign).expect("sign");
        let response = self
            .http
            .request(method, format!("{}{path_and_query}", self.endpoint))
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header("authorization", acs_authorization(&signature))
            .header("content-type", "application/json")
            .header("Repeatability-Request-ID", uuid_like())
            .body(body.to_vec())
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

    async fn acs(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.acs_with(method, path, &bytes, &self.key.clone()).await
    }

    async fn dial(&self, from: &str, to: &str) -> Value {
        let (status, body) = self
            .admin(
                Method::POST,
                &format!("/phones/{from}/calls"),
                json!({ "to": to }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn behaviour(&self, number: &str, behaviour: Value) {
        let (status, body) = self
            .admin(
                Method::PUT,
                &format!("/phones/{number}/behaviour"),
                behaviour,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Waits for an IncomingCall naming `caller`.
    async fn incoming_call(&self, caller: &str) -> Received {
        wait_for(&self.grid, Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
                && r.body[0]["data"]["from"]["rawId"] == format!("4:{caller}").as_str()
        })
        .await
    }

    /// Waits for a callback of `type` about connection `id` satisfying `also`.
    async fn callback(&self, id: &str, kind: &str, also: impl Fn(&Value) -> bool) -> Received {
        let kind = format!("Microsoft.Communication.{kind}");
        wait_for(&self.callbacks, Duration::from_secs(15), |r| {
            r.body[0]["type"] == kind.as_str()
                && r.body[0]["data"]["callConnectionId"] == id
                && also(&r.body[0]["data"])
        })
        .await
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "00000000-0000-4000-8000-{:012x}",
        NEXT.fetch_add(1, Ordering::Relaxed)
            + SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_micros() as u64
                % 1_000_000_000
    )
}

async fn wait_for(
    receiver: &Receiver,
    limit: Duration,
    matches: impl Fn(&Received) -> bool,
) -> Received {
    let start = Instant::now();
    loop {
        if let Some(found) = receiver.got.lock().unwrap().iter().find(|r| matches(r)) {
            return found.clone();
        }
        if start.elapsed() > limit {
            let got: Vec<Value> = receiver
                .got
                .lock()
                .unwrap()
                .iter()
                .map(|r| r.body.clone())
                .collect();
            panic!("nothing matched within {limit:?}; received: {got:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pstn_call_is_delivered_answered_extended_transferred_and_ends() {
    let h = start().await;
    h.behaviour("+14255550777", json!({"answerAfter": "200ms"}))
        .await;
    h.behaviour("+14255550778", json!({"answer": "busy"})).await;
    h.behaviour("+14255550779", json!({"answerAfter": "200ms"}))
        .await;
    h.dial(CALLER, CCAAS_NUMBER).await;

    // IncomingCall through Event Grid (Event Grid schema, aeg headers).
    let incoming = h.incoming_call(CALLER).await;
    assert_eq!(incoming.aeg_event_type.as_deref(), Some("Notification"));
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
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": "forged.token", "callbackUri": h.callback_url})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8523");
    let (status, body) = h
        .acs_with(
            Method::POST,
            "/calling/callConnections:answer",
            b"{not json",
            &h.key.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8523");
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": "http://example.com/cb"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let wrong_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=";
    let answer = json!({
        "incomingCallContext": context,
        "callbackUri": h.callback_url,
        "operationContext": "answer-ctx",
        "mediaStreamingOptions": {"transportUrl": "wss://127.0.0.1:1/ws", "transportType": "websocket",
                                  "contentType": "audio", "audioChannelType": "mixed",
                                  "startMediaStreaming": false},
    });
    let (status, body) = h
        .acs_with(
            Method::POST,
            "/calling/callConnections:answer",
            answer.to_string().as_bytes(),
            wrong_key,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // Answer.
    let (status, props) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(answer.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    assert_eq!(props["serverCallId"], server_call_id.as_str());
    assert_eq!(props["callbackUri"], h.callback_url.as_str());
    assert_eq!(props["source"]["rawId"], format!("4:{CALLER}").as_str());
    assert_eq!(props["answeredFor"]["value"], CCAAS_NUMBER);
    assert_eq!(
        props["mediaStreamingSubscription"]["state"], "inactive",
        "{props}"
    );
    // Answering twice is refused.
    let (status, _) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(answer),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let connected = h.callback(&id, "CallConnected", |_| true).await;
    assert!(connected
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer ")));
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
    let (status, props) = h.acs(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{props}");
    assert_eq!(props["callConnectionState"], "connected");
    let (status, list) = h
        .acs(Method::GET, &format!("{path}/participants"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(raw_ids(&list["value"]), vec![format!("4:{CALLER}")]);
    assert_eq!(list["value"][0]["isMuted"], false);

    // Add a PSTN participant who answers.
    let (status, added) = h
        .acs(
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
    let ok = h
        .callback(&id, "AddParticipantSucceeded", |d| {
            d["operationContext"] == "add-ctx"
        })
        .await;
    assert_eq!(ok.body[0]["data"]["participant"]["rawId"], "4:+14255550777");
    let _ = &invitation;
    let updated = h
        .callback(&id, "ParticipantsUpdated", |d| {
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
    let (status, one) = h
        .acs(
            Method::GET,
            &format!("{path}/participants/4%3A%2B14255550777"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["identifier"]["phoneNumber"]["value"], "+14255550777");
    let (status, missing) = h
        .acs(
            Method::GET,
            &format!("{path}/participants/4%3A%2B14255550000"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

    // A busy number fails.
    let (status, _) = h
        .acs(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({
                "participantToAdd": {"rawId": "4:+14255550778", "phoneNumber": {"value": "+14255550778"}},
                "operationContext": "add-busy",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = h
        .callback(&id, "AddParticipantFailed", |d| {
            d["operationContext"] == "add-busy"
        })
        .await;
    assert_eq!(
        failed.body[0]["data"]["resultInformation"]["subCode"], 8539,
        "{}",
        failed.body
    );

    // Remove the added participant.
    let (status, removed) = h
        .acs(
            Method::POST,
            &format!("{path}/participants:remove"),
            Some(json!({
                "participantToRemove": {"rawId": "4:+14255550777", "phoneNumber": {"value": "+14255550777"}},
                "operationContext": "remove-ctx",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{removed}");
    h.callback(&id, "RemoveParticipantSucceeded", |d| {
        d["operationContext"] == "remove-ctx" && d["participant"]["rawId"] == "4:+14255550777"
    })
    .await;

    // Transfer the caller to PSTN.
    let (status, transfer) = h
        .acs(
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
    let accepted = h
        .callback(&id, "CallTransferAccepted", |d| {
            d["operationContext"] == "xfer-ctx"
        })
        .await;
    assert_eq!(
        accepted.body[0]["data"]["transferTarget"]["rawId"],
        "4:+14255550779"
    );
    h.callback(&id, "CallDisconnected", |_| true).await;

    // The connection is gone.
    let (status, body) = h.acs(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "8522");
    let (status, body) = h.acs(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = h
        .acs(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({"participantToAdd": {"rawId": "4:+14255550777"}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_hang_up_and_unknown_connections() {
    let h = start().await;
    // Reject: the caller's call ends.
    let dialled = h.dial("+14255550198", CCAAS_NUMBER).await;
    let call = dialled["callId"].as_str().unwrap().to_string();
    let incoming = h.incoming_call("+14255550198").await;
    let context = incoming.body[0]["data"]["incomingCallContext"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/callConnections:reject",
            Some(json!({"incomingCallContext": context, "callRejectReason": "sideways"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/callConnections:reject",
            Some(json!({"incomingCallContext": context, "callRejectReason": "busy"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let start = Instant::now();
    loop {
        let (_, view) = h
            .admin(Method::GET, &format!("/calls/{call}"), Value::Null)
            .await;
        if view["state"] == "ended" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The context cannot be used again.
    let (status, _) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": h.callback_url})),
        )
        .await;
    assert!(status.is_client_error());

    // Answer, then hang up (DELETE 204): CallDisconnected, then 404.
    h.dial("+14255550197", CCAAS_NUMBER).await;
    let incoming = h.incoming_call("+14255550197").await;
    let (status, props) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.callback_url,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    h.callback(&id, "CallConnected", |d| d["operationContext"].is_null())
        .await;
    let path = format!("/calling/callConnections/{id}");
    let (status, body) = h.acs(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let gone = h.callback(&id, "CallDisconnected", |_| true).await;
    assert_eq!(gone.body[0]["data"]["resultInformation"]["subCode"], 7000);
    let (status, body) = h
        .acs(Method::POST, &format!("{path}:terminate"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Unknown connections and actions.
    let (status, body) = h
        .acs(
            Method::GET,
            "/calling/callConnections/00000000-0000-0000-0000-000000000001",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "8522");
    let (status, body) = h
        .acs(Method::GET, "/calling/callConnections/not-a-guid", None)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmixed_recording_is_started_paused_stopped_announced_and_downloaded() {
    let h = start().await;
    let (status, body) = h
        .admin(
            Method::POST,
            &format!("/acsResources/{}/eventSubscriptions", h.acs),
            json!({
                "name": "recordings",
                "endpoint": h.grid_url(),
                "includedEventTypes": ["Microsoft.Communication.RecordingFileStatusUpdated"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    const AGENT: &str = "+14255550781";
    // The agent talks from the moment it answers (1.5 s after it is called); the caller only for
    // its first 2.5 seconds — long enough to be in the recording's first half second even on a
    // slow machine, over before the agent's last half second (which starts at least 3.5 s in).
    h.behaviour(
        AGENT,
        json!({"answerAfter": "1500ms", "tone": [{"at": "0ms", "duration": "20s"}]}),
    )
    .await;
    let (status, body) = h
        .admin(
            Method::POST,
            &format!("/phones/{CALLER}/calls"),
            json!({"to": CCAAS_NUMBER, "customContext": {"sipHeaders": {"X-MS-Custom-a b": "1"}}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = h
        .admin(
            Method::POST,
            &format!("/phones/{CALLER}/calls"),
            json!({
                "to": CCAAS_NUMBER,
                "tone": [{"at": "0ms", "duration": "2500ms"}],
                "customContext": {
                    "sipHeaders": {"X-MS-Custom-ticket": "42", "userToUser": "0a0b;encoding=hex"},
                    "voipHeaders": {"lang": "fr"},
                },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let incoming = h.incoming_call(CALLER).await;
    let custom = &incoming.body[0]["data"]["customContext"];
    assert_eq!(custom["sipHeaders"]["X-MS-Custom-ticket"], "42", "{custom}");
    assert_eq!(custom["sipHeaders"]["userToUser"], "0a0b;encoding=hex");
    assert_eq!(custom["voipHeaders"]["lang"], "fr");
    let context = incoming.body[0]["data"]["incomingCallContext"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, answered) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({"incomingCallContext": context, "callbackUri": h.callback_url})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let id = answered["callConnectionId"].as_str().unwrap().to_string();
    h.callback(&id, "CallConnected", |_| true).await;

    // Start (by connection id, Teams Phone extensibility style), unmixed WAV.
    let start = json!({
        "callConnectionId": id,
        "recordingContentType": "audio",
        "recordingChannelType": "unmixed",
        "recordingFormatType": "wav",
        "recordingStateCallbackUri": h.callback_url,
        "channelAffinity": [],
    });
    let (status, started) = h
        .acs(Method::POST, "/calling/recordings", Some(start.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["recordingState"], "active");
    assert_eq!(started["recordingKind"], "azureCommunicationServices");
    let recording = started["recordingId"].as_str().unwrap().to_string();
    let changed = h
        .callback(&id, "RecordingStateChanged", |d| d["state"] == "active")
        .await;
    assert_eq!(changed.body[0]["data"]["recordingId"], recording.as_str());
    // One unmixed recording per call.
    let (status, body) = h
        .acs(Method::POST, "/calling/recordings", Some(start))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8553");
    // Unsupported kinds say so.
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/recordings",
            Some(json!({"callConnectionId": id, "recordingFormatType": "mp3"})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");

    // Pause and resume.
    let rec_path = format!("/calling/recordings/{recording}");
    let (status, _) = h
        .acs(Method::POST, &format!("{rec_path}:pause"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, state) = h.acs(Method::GET, &rec_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["recordingState"], "inactive");
    h.callback(&id, "RecordingStateChanged", |d| d["state"] == "inactive")
        .await;
    let (status, _) = h
        .acs(Method::POST, &format!("{rec_path}:resume"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, state) = h.acs(Method::GET, &rec_path, None).await;
    assert_eq!(state["recordingState"], "active");

    // The agent joins and talks; then the recording stops.
    let (status, added) = h
        .acs(
            Method::POST,
            &format!("/calling/callConnections/{id}/participants:add"),
            Some(json!({
                "participantToAdd": {"rawId": format!("4:{AGENT}"), "phoneNumber": {"value": AGENT}},
                "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{added}");
    h.callback(&id, "AddParticipantSucceeded", |_| true).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (status, _) = h.acs(Method::DELETE, &rec_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = h.acs(Method::DELETE, &rec_path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // RecordingFileStatusUpdated through Event Grid.
    let file = wait_for(&h.grid, Duration::from_secs(15), |r| {
        r.body[0]["eventType"] == "Microsoft.Communication.RecordingFileStatusUpdated"
    })
    .await;
    let data = &file.body[0]["data"];
    assert_eq!(data["recordingChannelType"], "Unmixed");
    assert_eq!(data["recordingFormatType"], "Wav");
    assert!(
        data["recordingDurationMs"].as_u64().unwrap() >= 1_000,
        "{data}"
    );
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
    let (status, meta) = h.storage(Method::GET, &metadata, None, &h.key).await;
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
    let (status, wav) = h.storage(Method::GET, &content, None, &h.key).await;
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
    let late = channel_rms(&wav, channels, seconds - 0.5, seconds - 0.05);
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
    let (status, part) = h
        .storage(Method::GET, &content, Some("bytes=0-99"), &h.key)
        .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&part[..], &wav[..100]);
    let wrong = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        b"not the key of any ACS resource!",
    );
    let (status, _) = h.storage(Method::GET, &content, None, &wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = h.storage(Method::DELETE, &delete, None, &h.key).await;
    assert_eq!(status, StatusCode::OK);
    let (status, gone) = h.storage(Method::GET, &content, None, &h.key).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let gone: Value = serde_json::from_slice(&gone).expect("error body");
    assert_eq!(gone["error"]["code"], "8522");
    assert_eq!(
        gone["status"], 404,
        "the JS downloader reads top-level status/message"
    );
    assert!(gone["message"].is_string());

    // Recording a call that has ended: unknown connection.
    let (status, _) = h
        .acs(
            Method::DELETE,
            &format!("/calling/callConnections/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = h
        .acs(
            Method::POST,
            "/calling/recordings",
            Some(json!({"callConnectionId": id})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    h.server.shutdown().await;
}

/// The text messages a WebSocket app on 127.0.0.1:0 receives, with the number of the connection
/// (0, 1, …) that carried each, and its `ws://` URL.
async fn websocket_app() -> (Arc<Mutex<Vec<(usize, Value)>>>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/media", listener.local_addr().expect("addr"));
    let got = Arc::new(Mutex::new(Vec::new()));
    let record = got.clone();
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(message)) = socket.next().await {
                    if let Message::Text(text) = message {
                        if let Ok(value) = serde_json::from_str::<Value>(text.as_str()) {
                            record.lock().unwrap().push((connection, value));
                        }
                    }
                }
            });
            connection += 1;
        }
    });
    (got, url)
}

/// Waits until connection `connection` carried an unmixed AudioData frame; returns its participantRawID.
async fn unmixed_frame(got: &Mutex<Vec<(usize, Value)>>, connection: usize) -> Value {
    let start = Instant::now();
    loop {
        if let Some((_, frame)) = got
            .lock()
            .unwrap()
            .iter()
            .find(|(c, v)| *c == connection && v["kind"] == "AudioData")
        {
            return frame["audioData"]["participantRawID"].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no AudioData on connection {connection}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many callbacks of `event` (short name) the receiver got.
fn count(receiver: &Receiver, event: &str) -> usize {
    let kind = format!("Microsoft.Communication.{event}");
    receiver
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.body[0]["type"] == kind.as_str())
        .count()
}

async fn dtmf_on_socket(got: &Mutex<Vec<(usize, Value)>>, digit: &str) {
    let wanted = json!({"kind": "DtmfData", "dtmfData": {"data": digit}});
    let start = Instant::now();
    while !got.lock().unwrap().iter().any(|(_, v)| *v == wanted) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no DtmfData {digit} on the socket; kinds: {:?}",
            got.lock()
                .unwrap()
                .iter()
                .map(|(_, v)| v["kind"].clone())
                .filter(|k| k != "AudioData")
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmixed_stream_names_participants_and_gets_key_presses_without_continuous_recognition()
{
    let h = start().await;
    let (socket, ws_url) = websocket_app().await;
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
            let (status, body) = h
                .admin(Method::POST, &path, json!({ "digits": digits }))
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        }
    };
    let incoming = h.incoming_call(caller).await;
    let (status, props) = h
        .acs(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.callback_url,
                "mediaStreamingOptions": {"transportUrl": ws_url, "transportType": "websocket",
                                          "contentType": "audio", "audioChannelType": "unmixed",
                                          "startMediaStreaming": true, "enableDtmfTones": true},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{props}");
    let id = props["callConnectionId"].as_str().unwrap().to_string();
    h.callback(&id, "MediaStreamingStarted", |_| true).await;
    // Unmixed frames name the caller by raw id, also after a stop and a start.
    assert_eq!(unmixed_frame(&socket, 0).await, format!("4:{caller}"));
    let path = format!("/calling/callConnections/{id}");
    for (action, event) in [
        ("stopMediaStreaming", "MediaStreamingStopped"),
        ("startMediaStreaming", "MediaStreamingStarted"),
    ] {
        let seen = count(&h.callbacks, event);
        let (status, body) = h
            .acs(Method::POST, &format!("{path}:{action}"), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{action}: {body}");
        let start = Instant::now();
        while count(&h.callbacks, event) == seen {
            assert!(start.elapsed() < Duration::from_secs(10), "no new {event}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(unmixed_frame(&socket, 1).await, format!("4:{caller}"));

    // No recognition running: the key still reaches the stream, and no recognition event is sent.
    press("5").await;
    dtmf_on_socket(&socket, "5").await;

    // Continuous recognition on and off again: the stream keeps getting the keys.
    let target = json!({"targetParticipant": {"rawId": format!("4:{caller}"), "phoneNumber": {"value": caller}}});
    let (status, body) = h
        .acs(
            Method::POST,
            &format!("{path}:startContinuousDtmfRecognition"),
            Some(target.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    press("6").await;
    h.callback(&id, "ContinuousDtmfRecognitionToneReceived", |d| {
        d["tone"] == "six"
    })
    .await;
    dtmf_on_socket(&socket, "6").await;
    let (status, body) = h
        .acs(
            Method::POST,
            &format!("{path}:stopContinuousDtmfRecognition"),
            Some(target),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    h.callback(&id, "ContinuousDtmfRecognitionStopped", |_| true)
        .await;
    press("7").await;
    dtmf_on_socket(&socket, "7").await;
    let tones: Vec<Value> = h
        .callbacks
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|r| {
            r.body[0]["type"] == "Microsoft.Communication.ContinuousDtmfRecognitionToneReceived"
        })
        .map(|r| r.body[0]["data"]["tone"].clone())
        .collect();
    assert_eq!(tones, vec![json!("six")]);

    let (status, body) = h.acs(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    h.callback(&id, "MediaStreamingStopped", |_| true).await;
    h.server.shutdown().await;
}
