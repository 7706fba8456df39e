//! Integration tests of the Graph service-hosted media operations against a real dev-mode server on
//! 127.0.0.1:0, with a real webhook receiver and a real prompt server (both axum on loopback http,
//! which dev mode allows): a simulated PSTN phone dials the dev resource account, the bot answers,
//! plays a prompt fetched from the prompt server (the phone's recording holds it), subscribes to
//! tones (the phone's key presses arrive as toneInfo notifications), sends DTMF, records what the
//! phone plays (downloaded with the recordingAccessToken), cancels queued and running operations,
//! and bad prompts, permissions and app-hosted calls fail as documented.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ringside_server::{DevInfo, RunningServer, ServeOptions, Server};
use serde_json::{json, Value};

const CALLER: &str = "+14255550199";
const BOT_NUMBER: &str = "+14255550100";
const RATE: u32 = 16_000;

#[derive(Clone, Debug)]
struct Received {
    auth: String,
    body: Value,
}

#[derive(Default)]
struct Hook {
    received: Mutex<Vec<Received>>,
}

async fn hook_handler(
    State(hook): State<Arc<Hook>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    hook.received.lock().unwrap().push(Received {
        auth,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    StatusCode::ACCEPTED
}

/// A sine at `hz`, `seconds` long, as 16 kHz mono 16-bit WAV.
fn sine_wav(hz: f32, seconds: f32) -> Vec<u8> {
    let frames = (RATE as f32 * seconds) as usize;
    let samples: Vec<f32> = (0..frames)
        .map(|i| (i as f32 * hz * std::f32::consts::TAU / RATE as f32).sin() * 0.5)
        .collect();
    let spec = ringside_audio::WavSpec {
        sample_rate: RATE,
        channels: 1,
        format: ringside_audio::SampleFormat::I16,
        extensible: false,
    };
    ringside_audio::wav::encode(spec, &samples).expect("encode")
}

/// Serves prompts over loopback http: `/beep.wav` (1 s at 1 kHz), `/text`, `/missing` (404).
async fn prompt_server() -> SocketAddr {
    let beep = sine_wav(1_000.0, 1.0);
    let app = axum::Router::new()
        .route(
            "/beep.wav",
            axum::routing::get(move || {
                let beep = beep.clone();
                async move { beep }
            }),
        )
        .route(
            "/text",
            axum::routing::get(|| async { "<html>not a wav</html>" }),
        )
        .route(
            "/missing",
            axum::routing::get(|| async { StatusCode::NOT_FOUND }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind prompts");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

struct Harness {
    server: RunningServer,
    http: reqwest::Client,
    base: String,
    dev: DevInfo,
    hook: Arc<Hook>,
    hook_url: String,
    token: String,
    prompts: SocketAddr,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
    bytes: Vec<u8>,
}

async fn start() -> Harness {
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
    let pem = std::fs::read(server.ca_cert_path()).expect("CA");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .build()
        .expect("client");
    let hook = Arc::new(Hook::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind hook");
    let hook_addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .fallback(axum::routing::post(hook_handler))
        .with_state(hook.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dev = server.dev_info().expect("dev").clone();
    let base = server.base_url().to_string();
    let mut h = Harness {
        server,
        http,
        base,
        dev,
        hook,
        hook_url: format!("http://{hook_addr}"),
        token: String::new(),
        prompts: prompt_server().await,
        _dir: dir,
    };
    h.token = h.graph_token().await;
    h.set_webhook().await;
    h
}

impl Harness {
    async fn graph_token(&self) -> String {
        let response = self
            .http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                self.base, self.dev.tenant_id
            ))
            .form(&[
                ("client_id", self.dev.app.client_id.as_str()),
                ("client_secret", self.dev.app.client_secret.as_str()),
                ("grant_type", "client_credentials"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .expect("token");
        let body: Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: String,
        bearer: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.http.request(method, url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("request");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body").to_vec();
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        self.send(
            method,
            format!("{}/ringside/v1{path}", self.base),
            Some(&self.dev.admin_token.clone()),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    async fn set_webhook(&self) {
        let reply = self
            .admin(
                reqwest::Method::PATCH,
                &format!("/applications/{}", self.dev.app.client_id),
                json!({"bot": {"callingWebhookUrl": format!("{}/calling", self.hook_url)}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    async fn graph(&self, path: &str, body: Value) -> Reply {
        self.graph_as(&self.token, path, body).await
    }

    async fn graph_as(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            format!("{}{path}", self.base),
            Some(token),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    async fn get_graph(&self, path: &str) -> Reply {
        self.send(
            reqwest::Method::GET,
            format!("{}{path}", self.base),
            Some(&self.token.clone()),
            None,
        )
        .await
    }

    fn notifications(&self) -> Vec<Value> {
        self.hook
            .received
            .lock()
            .unwrap()
            .iter()
            .flat_map(|r| r.body["value"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Waits for a notification matching `f` (at most `limit`) and returns it.
    async fn wait_for(&self, limit: Duration, f: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            if let Some(found) = self.notifications().into_iter().find(|n| f(n)) {
                return found;
            }
            if start.elapsed() > limit {
                panic!(
                    "no matching notification in {limit:?}; got {:#?}",
                    self.notifications()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for the completion notification of operation `op`.
    async fn completion(&self, op: &str, limit: Duration) -> Value {
        let url_end = format!("/operations/{op}");
        self.wait_for(limit, |n| {
            n["changeType"] == "deleted"
                && n["resourceUrl"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(&url_end))
        })
        .await["resourceData"]
            .clone()
    }

    /// The phone dials the bot's number (recording when asked); the bot answers with
    /// service-hosted media. Returns (Graph call id, conversation id, phone leg id).
    async fn incoming_answered(&self, record: bool) -> (String, String, String) {
        let before = self.notifications().len();
        let dial = self
            .admin(
                reqwest::Method::POST,
                &format!("/phones/{}/calls", CALLER.replace('+', "%2B")),
                json!({"to": BOT_NUMBER, "record": record}),
            )
            .await;
        assert!(dial.status.is_success(), "{}", dial.body);
        let conversation = dial.body["callId"].as_str().unwrap().to_string();
        let phone_leg = dial.body["legId"].as_str().unwrap().to_string();
        let created = self
            .wait_for(Duration::from_secs(5), |n| {
                n["changeType"] == "created"
                    && n["resourceData"]["callChainId"] == conversation.as_str()
            })
            .await;
        let id = created["resourceData"]["id"].as_str().unwrap().to_string();
        let answer = self
            .graph(
                &format!("/v1.0/communications/calls/{id}/answer"),
                json!({
                    "callbackUri": format!("{}/call/{id}", self.hook_url),
                    "mediaConfig": {
                        "@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
                        "preFetchMedia": [{"uri": self.prompt_url("/beep.wav"), "resourceId": "beep"}]
                    },
                    "acceptedModalities": ["audio"],
                }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        self.wait_for(Duration::from_secs(5), |n| {
            n["resourceUrl"] == format!("/communications/calls/{id}").as_str()
                && n["resourceData"]["state"] == "established"
        })
        .await;
        let _ = before;
        (id, conversation, phone_leg)
    }

    fn prompt_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.prompts)
    }

    async fn press(&self, conversation: &str, leg: &str, digits: &str) {
        let reply = self
            .admin(
                reqwest::Method::POST,
                &format!("/calls/{conversation}/legs/{leg}/press"),
                json!({"digits": digits}),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }

    async fn hang_up_and_get_recording(&self, conversation: &str, leg: &str) -> Vec<u8> {
        let reply = self
            .admin(
                reqwest::Method::POST,
                &format!("/calls/{conversation}/legs/{leg}/hangup"),
                json!({}),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
        let start = Instant::now();
        loop {
            let reply = self
                .send(
                    reqwest::Method::GET,
                    format!(
                        "{}/ringside/v1/calls/{conversation}/legs/{leg}/recording",
                        self.base
                    ),
                    Some(&self.dev.admin_token.clone()),
                    None,
                )
                .await;
            if reply.status == StatusCode::OK {
                return reply.bytes;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "no recording");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Samples of a WAV as f32 (the reader's output).
fn samples(wav: &[u8]) -> (u32, Vec<f32>) {
    let decoded = ringside_audio::wav::decode(wav).expect("WAV decodes");
    assert_eq!(decoded.channels, 1);
    (decoded.sample_rate, decoded.samples)
}

/// 20 ms frames in which a tone at `hz` carries most of the energy (Goertzel against the frame's
/// total energy).
fn frames_dominated_by(wav: &[u8], hz: f32) -> usize {
    let (rate, samples) = samples(wav);
    let n = (rate / 50) as usize;
    samples
        .chunks_exact(n)
        .filter(|frame| {
            let energy: f32 = frame.iter().map(|s| s * s).sum();
            if energy < 1e-3 {
                return false;
            }
            let w = hz * std::f32::consts::TAU / rate as f32;
            let coeff = 2.0 * w.cos();
            let (mut s1, mut s2) = (0.0f32, 0.0f32);
            for &x in frame.iter() {
                let s0 = x + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            // A pure sine of amplitude A over n samples: power ≈ (A n / 2)², energy ≈ A² n / 2.
            power / (energy * n as f32 / 2.0) > 0.6
        })
        .count()
}

fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

fn op_id(reply: &Reply) -> String {
    reply.body["id"].as_str().expect("operation id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_prompt_is_heard_tones_reach_the_bot_and_dtmf_is_sent() {
    let h = start().await;
    let (id, conversation, phone) = h.incoming_answered(true).await;

    // playPrompt from the loopback prompt server (resourceId prefetched at answer).
    let played = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            json!({
                "clientContext": "greeting",
                "prompts": [{
                    "@odata.type": "#microsoft.graph.mediaPrompt",
                    "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo",
                                  "uri": h.prompt_url("/beep.wav"), "resourceId": "beep"}
                }]
            }),
        )
        .await;
    assert_eq!(played.status, StatusCode::OK, "{}", played.body);
    assert_eq!(
        played.body["@odata.type"],
        "#microsoft.graph.playPromptOperation"
    );
    assert_eq!(played.body["status"], "running");
    assert_eq!(played.body["clientContext"], "greeting");
    let op = op_id(&played);
    assert_eq!(
        played.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{}/v1.0/communications/calls/{id}/operations/{op}", h.base).as_str())
    );
    let done = h.completion(&op, Duration::from_secs(6)).await;
    assert_eq!(done["@odata.type"], "#microsoft.graph.playPromptOperation");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["clientContext"], "greeting");
    assert_eq!(done["resultInfo"]["code"], 200);
    assert_eq!(done["resultInfo"]["subcode"], 0);
    let got = h
        .get_graph(&format!("/v1.0/communications/calls/{id}/operations/{op}"))
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["status"], "completed");

    // subscribeToTone (SDK spelling, beta): completed at once; key presses arrive as toneInfo.
    let subscribed = h
        .graph(
            &format!("/beta/communications/calls/{id}/microsoft.graph.subscribeToTone"),
            json!({"clientContext": "tones"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);
    assert_eq!(
        subscribed.body["@odata.type"],
        "#microsoft.graph.subscribeToToneOperation"
    );
    assert_eq!(subscribed.body["status"], "completed");
    h.press(&conversation, &phone, "12#").await;
    let call_url = format!("/communications/calls/{id}");
    let mut tones = Vec::new();
    let start = Instant::now();
    while tones.len() < 3 && start.elapsed() < Duration::from_secs(6) {
        tones = h
            .notifications()
            .iter()
            .filter(|n| n["resourceUrl"] == call_url.as_str())
            .filter_map(|n| {
                let info = &n["resourceData"]["toneInfo"];
                info["tone"]
                    .as_str()
                    .map(|t| (info["sequenceId"].as_i64().unwrap_or(-1), t.to_string()))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        tones,
        vec![
            (1, "tone1".to_string()),
            (2, "tone2".to_string()),
            (3, "pound".to_string())
        ]
    );

    // sendDtmfTones: running, then completed with completionReason.
    let sent = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/sendDtmfTones"),
            json!({"tones": ["tone5", "star"], "delayBetweenTonesMs": 100, "clientContext": "dtmf"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        sent.body["@odata.type"],
        "#microsoft.graph.sendDtmfTonesOperation"
    );
    assert_eq!(sent.body["status"], "running");
    let done = h.completion(&op_id(&sent), Duration::from_secs(6)).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["completionReason"], "completedSuccessfully");
    // The phone detected the keys the bot sent.
    let start = Instant::now();
    let detected = loop {
        let log = h
            .send(
                reqwest::Method::GET,
                format!(
                    "{}/ringside/v1/calls/{conversation}/legs/{phone}/log",
                    h.base
                ),
                Some(&h.dev.admin_token.clone()),
                None,
            )
            .await;
        let detected: String = log.body["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == "toneDetected")
            .filter_map(|e| e["tone"].as_str())
            .collect();
        if detected.contains("5*") || start.elapsed() > Duration::from_secs(3) {
            break detected;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(detected.contains("5*"), "the phone detected {detected:?}");

    // The phone heard the 1 kHz prompt: about 50 frames (1 s) dominated by 1 kHz.
    let recording = h.hang_up_and_get_recording(&conversation, &phone).await;
    let heard = frames_dominated_by(&recording, 1_000.0);
    assert!((40..=60).contains(&heard), "1 kHz frames heard: {heard}");
    // Notifications are signed for the bot.
    assert!(h
        .hook
        .received
        .lock()
        .unwrap()
        .iter()
        .all(|r| r.auth.starts_with("Bearer ")));
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_response_captures_the_phone_and_serves_it_with_the_token() {
    let h = start().await;
    let (id, conversation, phone) = h.incoming_answered(false).await;
    let upload = h
        .send(
            reqwest::Method::POST,
            format!("{}/ringside/v1/media", h.base),
            Some(&h.dev.admin_token.clone()),
            Some(sine_wav(600.0, 1.5)),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    let media = upload.body["id"].as_str().unwrap().to_string();

    let recorded = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/microsoft.graph.recordResponse"),
            json!({
                "clientContext": "rec",
                "bargeInAllowed": true,
                "initialSilenceTimeoutInSeconds": 5,
                "maxSilenceTimeoutInSeconds": 10,
                "maxRecordDurationInSeconds": 3,
                "playBeep": false,
                "stopTones": ["#"],
            }),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    assert_eq!(
        recorded.body["@odata.type"],
        "#microsoft.graph.recordOperation"
    );
    assert_eq!(recorded.body["status"], "running");
    assert!(recorded.body["recordingLocation"].is_null());
    // The phone speaks (a 600 Hz tone for 1.5 s) while the bot records.
    let play = h
        .admin(
            reqwest::Method::POST,
            &format!("/calls/{conversation}/legs/{phone}/play"),
            json!({"media": media}),
        )
        .await;
    assert!(play.status.is_success(), "{}", play.body);

    let done = h
        .completion(&op_id(&recorded), Duration::from_secs(8))
        .await;
    assert_eq!(done["@odata.type"], "#microsoft.graph.recordOperation");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["resultInfo"]["code"], 200);
    assert_eq!(done["resultInfo"]["subcode"], 8515);
    assert_eq!(done["completionReason"], "maxRecordDurationReached");
    assert_eq!(done["clientContext"], "rec");
    let location = done["recordingLocation"].as_str().expect("location");
    let token = done["recordingAccessToken"].as_str().expect("token");
    assert!(
        location.starts_with(&format!("{}/ringside/v1/recordings/", h.base)),
        "{location}"
    );
    assert!(token.len() >= 32);

    // No token: 401; another token: 403; unknown id: 404; the admin token is not enough.
    let download = |bearer: Option<String>, url: String| {
        let h = &h;
        async move {
            h.send(reqwest::Method::GET, url, bearer.as_deref(), None)
                .await
        }
    };
    let reply = download(None, location.to_string()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["error"]["code"], "InvalidAuthenticationToken");
    let reply = download(Some("not-the-token".into()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = download(Some(h.dev.admin_token.clone()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let unknown = format!("{}/ringside/v1/recordings/{}", h.base, "0".repeat(32));
    let reply = download(Some(token.to_string()), unknown).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["error"]["code"], "itemNotFound");

    let reply = download(Some(token.to_string()), location.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/octet-stream")
    );
    let (rate, audio) = samples(&reply.bytes);
    let seconds = audio.len() as f32 / rate as f32;
    assert!((2.8..=3.2).contains(&seconds), "recorded {seconds} s");
    // The phone's tone is in the first 1.5 s; then it is quiet.
    let split = (rate as f32 * 1.6) as usize;
    assert!(rms(&audio[..split]) > 0.1, "speech recorded");
    assert!(rms(&audio[split..]) < 0.02, "silence after");
    assert!(frames_dominated_by(&reply.bytes, 600.0) >= 60);

    // A stop tone ends the next recording early; it is still delivered.
    let recorded = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"maxRecordDurationInSeconds": 20, "maxSilenceTimeoutInSeconds": 20,
                   "playBeep": true, "stopTones": ["#", "*"]}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(800)).await;
    h.press(&conversation, &phone, "#").await;
    let done = h
        .completion(&op_id(&recorded), Duration::from_secs(8))
        .await;
    assert!(started.elapsed() < Duration::from_secs(5), "stopped early");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["resultInfo"]["subcode"], 8514);
    assert_eq!(done["completionReason"], "stopToneDetected");
    let reply = download(
        Some(done["recordingAccessToken"].as_str().unwrap().to_string()),
        done["recordingLocation"].as_str().unwrap().to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let (rate, audio) = samples(&reply.bytes);
    assert!(audio.len() < rate as usize * 4, "{} samples", audio.len());
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_media_processing_fails_running_and_queued_operations_but_keeps_tones() {
    let h = start().await;
    let (id, conversation, phone) = h.incoming_answered(false).await;
    let upload = h
        .send(
            reqwest::Method::POST,
            format!("{}/ringside/v1/media", h.base),
            Some(&h.dev.admin_token.clone()),
            Some(sine_wav(440.0, 10.0)),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    let long = format!(
        "{}/ringside/v1/media/{}",
        h.base,
        upload.body["id"].as_str().unwrap()
    );
    let prompt = |uri: &str| json!({"prompts": [{"mediaInfo": {"uri": uri}}], "loop": true});
    let first = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            prompt(&long),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["status"], "running");
    let second = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            prompt(&h.prompt_url("/beep.wav")),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(
        second.body["status"], "notStarted",
        "queued behind the first"
    );
    let record = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"maxRecordDurationInSeconds": 10}),
        )
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert_eq!(record.body["status"], "notStarted");
    let subscribed = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/subscribeToTone"),
            json!({}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);

    let cancel = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/microsoft.graph.cancelMediaProcessing"),
            json!({"clientContext": "stop"}),
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    assert_eq!(
        cancel.body["@odata.type"],
        "#microsoft.graph.cancelMediaProcessingOperation"
    );
    assert_eq!(cancel.body["status"], "completed");
    assert!(cancel.headers.get("location").is_some());
    for op in [&first, &second, &record] {
        let done = h.completion(&op_id(op), Duration::from_secs(5)).await;
        assert_eq!(done["status"], "failed", "{done}");
        assert_eq!(done["resultInfo"]["code"], 400);
        assert_eq!(done["resultInfo"]["subcode"], 8508);
    }
    let cancelled_record = h.completion(&op_id(&record), Duration::from_secs(1)).await;
    assert_eq!(cancelled_record["completionReason"], "operationCanceled");
    assert_eq!(cancelled_record["recordingLocation"], "");
    assert_eq!(cancelled_record["recordingAccessToken"], "");
    // The cancel operation itself was final in its response: no notification for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel_url = format!("/operations/{}", op_id(&cancel));
    assert!(!h.notifications().iter().any(|n| n["resourceUrl"]
        .as_str()
        .is_some_and(|u| u.ends_with(&cancel_url))));
    // The tone subscription survives the cancel.
    h.press(&conversation, &phone, "7").await;
    let tone = h
        .wait_for(Duration::from_secs(5), |n| {
            n["resourceData"]["toneInfo"]["tone"] == "tone7"
        })
        .await;
    assert_eq!(tone["changeType"], "updated");
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_prompts_permissions_and_app_hosted_calls_fail_as_documented() {
    let h = start().await;
    let (id, _conversation, _phone) = h.incoming_answered(false).await;
    let play = |uri: String| {
        let h = &h;
        let id = id.clone();
        async move {
            h.graph(
                &format!("/v1.0/communications/calls/{id}/playPrompt"),
                json!({"prompts": [{"mediaInfo": {"uri": uri}}]}),
            )
            .await
        }
    };
    // Never fetchable as written: 400 in the envelope.
    for uri in [
        "ftp://example.com/a.wav".to_string(),
        "http://example.com/a.wav".to_string(),
        "not a url".to_string(),
        String::new(),
    ] {
        let reply = play(uri.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.body
        );
        assert!(reply.body["error"]["message"].is_string());
    }
    // Fetch failures: the operation is accepted and fails with 400/8536.
    for uri in [
        "https://10.1.2.3/a.wav".to_string(),
        "https://169.254.169.254/latest/meta-data".to_string(),
        h.prompt_url("/missing"),
        h.prompt_url("/text"),
    ] {
        let reply = play(uri.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        let done = h.completion(&op_id(&reply), Duration::from_secs(5)).await;
        assert_eq!(done["status"], "failed", "{uri}: {done}");
        assert_eq!(done["resultInfo"]["code"], 400, "{uri}");
        assert_eq!(done["resultInfo"]["subcode"], 8536, "{uri}");
    }
    // A recordResponse whose prompt cannot be fetched fails instead of recording without it.
    let reply = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/recordResponse"),
            json!({"prompts": [{"mediaInfo": {"uri": h.prompt_url("/missing")}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done = h.completion(&op_id(&reply), Duration::from_secs(5)).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["resultInfo"]["subcode"], 8536);
    assert_eq!(done["completionReason"], "playPromptFailed");
    assert_eq!(done["recordingLocation"], "");
    // Too many prompts, bad tones, out-of-range timeouts, too long a clientContext.
    let many: Vec<Value> = (0..21)
        .map(|_| json!({"mediaInfo": {"uri": h.prompt_url("/beep.wav")}}))
        .collect();
    for (action, body) in [
        ("playPrompt", json!({"prompts": many})),
        ("playPrompt", json!({"prompts": []})),
        ("recordResponse", json!({"maxRecordDurationInSeconds": 0})),
        (
            "recordResponse",
            json!({"initialSilenceTimeoutInSeconds": 121}),
        ),
        ("recordResponse", json!({"stopTones": ["x"]})),
        ("sendDtmfTones", json!({"tones": []})),
        ("sendDtmfTones", json!({"tones": ["tone99"]})),
        ("subscribeToTone", json!({"clientContext": "x".repeat(257)})),
    ] {
        let reply = h
            .graph(
                &format!("/v1.0/communications/calls/{id}/{action}"),
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{action} {body}: {}",
            reply.body
        );
    }
    // Unknown call: 404.
    let missing = "00000000-0000-4000-8000-000000000001";
    let reply = h
        .graph(
            &format!("/v1.0/communications/calls/{missing}/subscribeToTone"),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    // Without Calls.AccessMedia.All: recordResponse and subscribeToTone are 403, playPrompt works
    // (its permissions were checked when the call was answered).
    let patched = h
        .admin(
            reqwest::Method::PATCH,
            &format!("/applications/{}", h.dev.app.client_id),
            json!({"requestedPermissions": ["Calls.Initiate.All", "Calls.JoinGroupCall.All"]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let consent = h
        .admin(
            reqwest::Method::PUT,
            &format!(
                "/tenants/{}/consents/{}",
                h.dev.tenant_id, h.dev.app.client_id
            ),
            json!({}),
        )
        .await;
    assert!(consent.status.is_success(), "{}", consent.body);
    let limited = h.graph_token().await;
    for action in ["recordResponse", "subscribeToTone"] {
        let reply = h
            .graph_as(
                &limited,
                &format!("/v1.0/communications/calls/{id}/{action}"),
                json!({}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{action}: {}",
            reply.body
        );
        assert!(reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Calls.AccessMedia.All")));
    }
    let reply = h
        .graph_as(
            &limited,
            &format!("/v1.0/communications/calls/{id}/playPrompt"),
            json!({"prompts": [{"mediaInfo": {"uri": h.prompt_url("/beep.wav")}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_hosted_calls_refuse_service_hosted_media_operations() {
    let h = start().await;
    let dial = h
        .admin(
            reqwest::Method::POST,
            &format!("/phones/{}/calls", CALLER.replace('+', "%2B")),
            json!({"to": BOT_NUMBER}),
        )
        .await;
    assert!(dial.status.is_success(), "{}", dial.body);
    let created = h
        .wait_for(Duration::from_secs(5), |n| n["changeType"] == "created")
        .await;
    let id = created["resourceData"]["id"].as_str().unwrap().to_string();
    let answer = h
        .graph(
            &format!("/v1.0/communications/calls/{id}/answer"),
            json!({
                "callbackUri": format!("{}/app/{id}", h.hook_url),
                "mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "{}"},
                "acceptedModalities": ["audio"],
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    h.wait_for(Duration::from_secs(5), |n| {
        n["resourceData"]["state"] == "established"
    })
    .await;
    for (action, body) in [
        (
            "playPrompt",
            json!({"prompts": [{"mediaInfo": {"uri": h.prompt_url("/beep.wav")}}]}),
        ),
        ("recordResponse", json!({})),
        ("subscribeToTone", json!({})),
    ] {
        let reply = h
            .graph(&format!("/v1.0/communications/calls/{id}/{action}"), body)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{action}: {}",
            reply.body
        );
        assert_eq!(reply.body["error"]["code"], "NotSupported");
    }
    h.server.shutdown().await;
}
