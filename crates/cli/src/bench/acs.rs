//! ACS door scenarios through `/calling` with HMAC-SHA256-signed requests (as the Call Automation
//! SDKs sign them, dev.json's ACS key): `acs-setup` (createCall → CallConnected → hangUp, then a
//! simulated phone dials the CCaaS number → IncomingCall via an Event Grid subscription →
//! answerCall → CallConnected → hangUp) and `acs-stream` (N calls created with
//! mediaStreamingOptions streaming to a WebSocket sink in this process: frames/s, per-frame
//! lateness, server CPU).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, Context, Result};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use reqwest::Method;
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use serde_json::{json, Value};

use super::measure::{self, CpuWindow, Latencies, Progress};
use super::plan::Plan;
use super::receiver::Receiver;
use super::report::Report;
use super::target::Server;

const API_VERSION: &str = "api-version=2026-03-12";
const EVENT_WAIT: Duration = Duration::from_secs(20);
/// The Event Grid subscription the bench creates (and removes) on the dev ACS resource.
const SUBSCRIPTION: &str = "ringside-bench";
/// Simulated numbers the created calls go to (they answer at once).
const TARGETS: usize = 16;

/// A signing ACS client.
struct Acs {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    key: String,
}

fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (nanos >> 32) as u32,
        (nanos >> 16) as u16,
        (n >> 12) & 0xfff,
        n & 0xfff,
        (u64::from(std::process::id()) << 24 | (nanos & 0xff_ffff)) & 0xffff_ffff_ffff
    )
}

impl Acs {
    fn new(server: &Server) -> Result<Acs> {
        let endpoint = server.dev.acs.endpoint.trim_end_matches('/').to_string();
        let host = endpoint
            .split_once("://")
            .map(|(_, host)| host.to_string())
            .ok_or_else(|| anyhow!("dev.json's ACS endpoint has no scheme: {endpoint}"))?;
        Ok(Acs {
            http: server.http.clone(),
            endpoint,
            host,
            key: server.dev.acs.access_key.clone(),
        })
    }

    /// A signed request; the status must be `want`; the JSON answer (Null when empty).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: u16,
    ) -> Result<Value> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let path_and_query = format!("{path}?{API_VERSION}");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(&bytes);
        let to_sign =
            acs_string_to_sign(method.as_str(), &path_and_query, &date, &self.host, &hash);
        let signature = acs_sign(&self.key, &to_sign).map_err(|e| anyhow!("signing: {e}"))?;
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path_and_query}", self.endpoint))
            .header("x-ms-date", &date)
            .header("x-ms-content-sha256", hash)
            .header("authorization", acs_authorization(&signature));
        if method == Method::POST {
            request = request
                .header("content-type", "application/json")
                .header("Repeatability-Request-ID", request_id())
                .header("Repeatability-First-Sent", &date);
        }
        let response = request
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        super::target::expect_status(response, want, &format!("{method} {path}")).await
    }
}

/// Numbers `+1208555xxxx` that answer at once (and play a test tone, for streams).
async fn answering_targets(server: &Server, tone: bool) -> Result<Vec<String>> {
    let mut numbers = Vec::new();
    for k in 0..TARGETS {
        let number = format!("+12085550{k:03}");
        let mut behaviour = json!({"answerAfter": "0ms"});
        if tone {
            behaviour["tone"] = json!([{"at": "0s", "duration": "3600s"}]);
        }
        server
            .admin(
                Method::PUT,
                &format!("/phones/{}/behaviour", number.replace('+', "%2B")),
                Some(&behaviour),
            )
            .await
            .context("setting a target number's behaviour")?;
        numbers.push(number);
    }
    Ok(numbers)
}

async fn targets_default(server: &Server, numbers: &[String]) {
    for number in numbers {
        let _ = server
            .admin(
                Method::DELETE,
                &format!("/phones/{}/behaviour", number.replace('+', "%2B")),
                None,
            )
            .await;
    }
}

fn create_body(target: &str, source: &str, callback: &str, streaming: Option<&str>) -> Value {
    let mut body = json!({
        "targets": [{"rawId": format!("4:{target}"), "kind": "phoneNumber", "phoneNumber": {"value": target}}],
        "sourceCallerIdNumber": {"value": source},
        "callbackUri": callback,
    });
    if let Some(url) = streaming {
        body["mediaStreamingOptions"] = json!({
            "transportType": "websocket",
            "transportUrl": url,
            "audioChannelType": "mixed",
            "contentType": "audio",
            "audioFormat": "pcm16KMono",
            "startMediaStreaming": true,
        });
    }
    body
}

fn connection_id(props: &Value) -> Result<String> {
    props["callConnectionId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no callConnectionId in {props}"))
}

/// `acs-setup`.
pub(crate) async fn setup(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let acs = Arc::new(Acs::new(server)?);
    let receiver = Arc::new(Receiver::start().await?);
    let source = server.acs_number()?;
    let targets = Arc::new(answering_targets(server, false).await?);
    let latencies = Arc::new(Latencies::default());
    let callback = format!("{}/acs/callbacks", receiver.url);

    // createCall → CallConnected → hangUp.
    progress.phase("createCall → CallConnected → hangUp", plan.calls);
    let cpu = CpuWindow::start(server.pid);
    let created = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (acs, receiver, targets, latencies, source, callback) = (
                acs.clone(),
                receiver.clone(),
                targets.clone(),
                latencies.clone(),
                source.clone(),
                callback.clone(),
            );
            async move {
                let body = create_body(&targets[i % targets.len()], &source, &callback, None);
                let t0 = Instant::now();
                let props = acs
                    .send(Method::POST, "/calling/callConnections", Some(&body), 201)
                    .await?;
                let t1 = Instant::now();
                let id = connection_id(&props)?;
                let connected = receiver
                    .mailbox
                    .wait(&format!("acs-connected:{id}"), EVENT_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no CallConnected for {id}"))?;
                let t2 = Instant::now();
                acs.send(
                    Method::DELETE,
                    &format!("/calling/callConnections/{id}"),
                    None,
                    204,
                )
                .await?;
                let t3 = Instant::now();
                latencies.record("createCall (201)", t1 - t0);
                latencies.record(
                    "createCall → CallConnected",
                    connected.at.saturating_duration_since(t0),
                );
                latencies.record("hangUp (204)", t3 - t2);
                Ok(())
            }
        },
    )
    .await;
    let create_cpu = cpu.end();

    // Incoming: a phone dials the CCaaS number → IncomingCall → answerCall → CallConnected → hangUp.
    let subscriptions = format!(
        "/acsResources/{}/eventSubscriptions",
        server.dev.acs.resource_id
    );
    let _ = server
        .admin(
            Method::DELETE,
            &format!("{subscriptions}/{SUBSCRIPTION}"),
            None,
        )
        .await;
    server
        .admin(
            Method::POST,
            &subscriptions,
            Some(&json!({
                "name": SUBSCRIPTION,
                "endpoint": format!("{}/acs/incoming", receiver.url),
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            })),
        )
        .await
        .context("creating the Event Grid subscription")?;
    progress.phase(
        "dial → IncomingCall → answerCall → CallConnected → hangUp",
        plan.calls,
    );
    let (http, base, token) = (
        server.http.clone(),
        server.base.clone(),
        server.dev.admin_token.clone(),
    );
    let cpu = CpuWindow::start(server.pid);
    let answered = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        plan.duration,
        progress,
        |i| {
            let (acs, receiver, latencies, source, callback, http, base, token) = (
                acs.clone(),
                receiver.clone(),
                latencies.clone(),
                source.clone(),
                callback.clone(),
                http.clone(),
                base.clone(),
                token.clone(),
            );
            async move {
                let caller = format!("+1209{:07}", 5_000_000 + i % 4_000_000);
                let t0 = Instant::now();
                let response = http
                    .post(format!(
                        "{base}/ringside/v1/phones/{}/calls",
                        caller.replace('+', "%2B")
                    ))
                    .bearer_auth(&token)
                    .json(&json!({"to": source, "hangupAfter": "60s"}))
                    .send()
                    .await
                    .context("dial")?;
                super::target::json_or_error(&Method::POST, "dial", response).await?;
                let incoming = receiver
                    .mailbox
                    .wait(&format!("acs-incoming:4:{caller}"), EVENT_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no IncomingCall from {caller}"))?;
                let context = incoming.body["incomingCallContext"]
                    .as_str()
                    .ok_or_else(|| anyhow!("IncomingCall without incomingCallContext"))?;
                let t1 = Instant::now();
                let props = acs
                    .send(
                        Method::POST,
                        "/calling/callConnections:answer",
                        Some(&json!({"incomingCallContext": context, "callbackUri": callback})),
                        200,
                    )
                    .await?;
                let t2 = Instant::now();
                let id = connection_id(&props)?;
                let connected = receiver
                    .mailbox
                    .wait(&format!("acs-connected:{id}"), EVENT_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no CallConnected for {id}"))?;
                let t3 = Instant::now();
                acs.send(
                    Method::DELETE,
                    &format!("/calling/callConnections/{id}"),
                    None,
                    204,
                )
                .await?;
                let t4 = Instant::now();
                latencies.record(
                    "dial → IncomingCall (Event Grid)",
                    incoming.at.saturating_duration_since(t0),
                );
                latencies.record("answerCall (200)", t2 - t1);
                latencies.record(
                    "answerCall → CallConnected",
                    connected.at.saturating_duration_since(t1),
                );
                latencies.record("hangUp (204) after answer", t4 - t3);
                Ok(())
            }
        },
    )
    .await;
    let answer_cpu = cpu.end();
    let _ = server
        .admin(
            Method::DELETE,
            &format!("{subscriptions}/{SUBSCRIPTION}"),
            None,
        )
        .await;
    targets_default(server, &targets).await;

    let mut report = Report::new(server.pid);
    report.calls = created.ok.len() + created.failed;
    report.completed = created.ok.len();
    report.failed = created.failed;
    report.wall = created.wall;
    report.errors(&created.errors);
    report.errors(&answered.errors);
    report.server_cpu_cores = create_cpu.cores;
    report.steal_cores = create_cpu.steal_cores;
    report.latencies(latencies.take());
    let rate = |n: usize, wall: Duration| n as f64 / wall.as_secs_f64().max(1e-9);
    report.figure(
        "createCallsPerSec",
        "createCall → connected → hangUp",
        json!(rate(created.ok.len(), created.wall)),
        "calls/s",
    );
    report.figure(
        "answerCalls",
        "incoming calls answered",
        json!(answered.ok.len()),
        "",
    );
    report.figure(
        "answerFailed",
        "incoming calls failed",
        json!(answered.failed),
        "",
    );
    report.figure(
        "answerCallsPerSec",
        "dial → IncomingCall → answer → hangUp",
        json!(rate(answered.ok.len(), answered.wall)),
        "calls/s",
    );
    if let Some(cores) = answer_cpu.cores {
        report.figure(
            "answerCpuCores",
            "server cpu while answering",
            json!(cores),
            "cores",
        );
    }
    Ok(report)
}

/// The WebSocket sink's shared state.
struct Sink {
    measuring: AtomicBool,
    frames: AtomicU64,
    open: AtomicUsize,
    histogram: Mutex<Histogram<u64>>,
}

/// Milliseconds of the day of an ACS `timestamp` (`…THH:MM:SS.mmmZ`) in an AudioData frame.
fn day_ms(text: &str) -> Option<u64> {
    let at = text.find("\"timestamp\":\"")? + 13;
    let stamp = text.get(at..at + 24)?;
    let num = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<u64>().ok();
    Some(((num(11..13)? * 60 + num(14..16)?) * 60 + num(17..19)?) * 1000 + num(20..23)?)
}

/// Accepts Ringside's stream connections. Lateness of a frame = (arrival − media timestamp) minus
/// the smallest such offset seen on its stream so far (its best-case schedule).
async fn serve_sink(listener: tokio::net::TcpListener, sink: Arc<Sink>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let _ = tcp.set_nodelay(true);
        let sink = sink.clone();
        tokio::spawn(async move {
            // A small read buffer: tungstenite zero-fills the free part of it on every read (the
            // default 128 KiB costs more than the frames themselves at 100,000 frames/s).
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(8 * 1024);
            let Ok(mut socket) =
                tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await
            else {
                return;
            };
            sink.open.fetch_add(1, Ordering::Relaxed);
            // Lateness values are batched and recorded into the shared histogram 500 at a time
            // (a histogram per stream would cost ~140 KiB each).
            let mut batch: Vec<u64> = Vec::with_capacity(500);
            let start = Instant::now();
            let mut best: Option<i64> = None;
            let flush = |batch: &mut Vec<u64>| {
                sink.frames.fetch_add(batch.len() as u64, Ordering::Relaxed);
                if let Ok(mut shared) = sink.histogram.lock() {
                    for late in batch.drain(..) {
                        let _ = shared.record(late);
                    }
                }
            };
            while let Some(Ok(message)) = socket.next().await {
                let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
                    continue;
                };
                let Some(ms) = day_ms(text.as_str()) else {
                    continue;
                };
                let arrival = i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX);
                let offset = arrival - i64::try_from(ms * 1000).unwrap_or(0);
                let floor = best.map_or(offset, |b| b.min(offset));
                best = Some(floor);
                if sink.measuring.load(Ordering::Relaxed) {
                    let late = u64::try_from(offset - floor).unwrap_or(0).max(1);
                    batch.push(late.min(600_000_000));
                    if batch.len() == 500 {
                        flush(&mut batch);
                    }
                }
            }
            flush(&mut batch);
            sink.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// `acs-stream`.
pub(crate) async fn stream(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let measured = plan.duration.unwrap_or(Duration::from_secs(10));
    let acs = Arc::new(Acs::new(server)?);
    let receiver = Arc::new(Receiver::start().await?);
    let source = server.acs_number()?;
    let targets = Arc::new(answering_targets(server, true).await?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the WebSocket sink")?;
    let sink_url = format!("ws://{}/acs-media", listener.local_addr()?);
    let sink = Arc::new(Sink {
        measuring: AtomicBool::new(false),
        frames: AtomicU64::new(0),
        open: AtomicUsize::new(0),
        histogram: Mutex::new(measure::histogram()),
    });
    let sink_task = tokio::spawn(serve_sink(listener, sink.clone()));
    let latencies = Arc::new(Latencies::default());
    let callback = format!("{}/acs/callbacks", receiver.url);
    let rss_before = server.pid.and_then(measure::process_rss);

    progress.phase(
        "createCall with streaming → MediaStreamingStarted",
        plan.calls,
    );
    let created = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        None,
        progress,
        |i| {
            let (acs, receiver, targets, latencies, source, callback, sink_url) = (
                acs.clone(),
                receiver.clone(),
                targets.clone(),
                latencies.clone(),
                source.clone(),
                callback.clone(),
                sink_url.clone(),
            );
            async move {
                let body = create_body(
                    &targets[i % targets.len()],
                    &source,
                    &callback,
                    Some(&sink_url),
                );
                let t0 = Instant::now();
                let props = acs
                    .send(Method::POST, "/calling/callConnections", Some(&body), 201)
                    .await?;
                let id = connection_id(&props)?;
                let started = receiver
                    .mailbox
                    .wait(&format!("acs-streaming:{id}"), EVENT_WAIT)
                    .await
                    .ok_or_else(|| anyhow!("no MediaStreamingStarted for {id}"))?;
                latencies.record(
                    "createCall → MediaStreamingStarted",
                    started.at.saturating_duration_since(t0),
                );
                Ok(id)
            }
        },
    )
    .await;
    let ids = Arc::new(created.ok);

    progress.phase("warming up", 0);
    tokio::time::sleep(plan.warmup).await;
    let rss_during = server.pid.and_then(measure::process_rss);
    let open = sink.open.load(Ordering::Relaxed);
    progress.phase("measuring", 0);
    let cpu = CpuWindow::start(server.pid);
    sink.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(measured).await;
    sink.measuring.store(false, Ordering::Relaxed);
    let cpu = cpu.end();

    progress.phase("hanging up", ids.len());
    let hung = measure::drive(ids.len(), None, plan.concurrency, None, progress, |i| {
        let (acs, ids) = (acs.clone(), ids.clone());
        async move {
            acs.send(
                Method::DELETE,
                &format!("/calling/callConnections/{}", ids[i]),
                None,
                204,
            )
            .await?;
            Ok(())
        }
    })
    .await;
    let wait = Instant::now() + Duration::from_secs(10);
    while sink.open.load(Ordering::Relaxed) > 0 && Instant::now() < wait {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sink_task.abort();
    targets_default(server, &targets).await;

    let frames = sink.frames.load(Ordering::Relaxed);
    let lateness = sink
        .histogram
        .lock()
        .map_err(|_| anyhow!("the sink's histogram lock is poisoned"))?
        .clone();
    let mut report = Report::new(server.pid);
    report.calls = plan.calls;
    report.completed = ids.len();
    report.failed = created.failed;
    report.wall = created.wall;
    report.errors(&created.errors);
    report.errors(&hung.errors);
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    latencies.merge("frame lateness at the sink", &lateness);
    report.latencies(latencies.take());
    let secs = cpu.wall.as_secs_f64().max(1e-9);
    report.figure("streams", "streams open at the sink", json!(open), "");
    report.figure("measuredSecs", "measured", json!(secs), "s");
    report.figure(
        "frames",
        "frames received while measuring",
        json!(frames),
        "",
    );
    report.figure(
        "framesPerSec",
        "frames per second",
        json!(frames as f64 / secs),
        "frames/s",
    );
    report.figure(
        "framesExpectedPerSec",
        "frames per second expected (50 per stream)",
        json!(open * 50),
        "frames/s",
    );
    if let Some(cores) = cpu.cores {
        report.figure("cpuCores", "server cpu", json!(cores), "cores");
        report.figure(
            "cpuUsPerStreamSec",
            "server cpu per stream",
            json!(cores * 1e6 / open.max(1) as f64),
            "µs per stream-second",
        );
    }
    if let (Some(before), Some(during)) = (rss_before, rss_during) {
        report.figure(
            "rssPerStreamBytes",
            "server rss per streaming call",
            json!(during.saturating_sub(before) / ids.len().max(1) as u64),
            "bytes",
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acs_timestamps_read_as_milliseconds_of_the_day() {
        let frame = r#"{"kind":"AudioData","audioData":{"timestamp":"2024-11-15T19:16:12.925Z","data":""}}"#;
        assert_eq!(day_ms(frame), Some(((19 * 60 + 16) * 60 + 12) * 1000 + 925));
        assert_eq!(day_ms("{}"), None);
    }

    #[test]
    fn request_ids_are_distinct_and_uuid_shaped() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }

    #[test]
    fn a_streaming_create_carries_the_options() {
        let body = create_body(
            "+12085550001",
            "+14255550200",
            "http://127.0.0.1:1/cb",
            Some("ws://127.0.0.1:2/s"),
        );
        assert_eq!(body["targets"][0]["rawId"], "4:+12085550001");
        assert_eq!(body["mediaStreamingOptions"]["startMediaStreaming"], true);
        assert!(create_body("+1", "+2", "x", None)
            .get("mediaStreamingOptions")
            .is_none());
    }
}
