//! The media streaming load benchmark, shared by `examples/stream_bench.rs` and the CLI's bench
//! command: a dev-mode server with N two-party calls (a simulated phone playing a test tone into
//! the dev resource account's built-in responder), one ACS media stream per bot leg to a local
//! WebSocket sink in the same process, and the sink measuring every frame's lateness into an HDR
//! histogram, plus process CPU and memory per stream.
//!
//! Lateness of a frame = (arrival − media timestamp) − the smallest (arrival − timestamp) seen on
//! its stream so far: how much later than its stream's best-case schedule it arrived. It includes
//! the media clock's own tick lateness, the queue, JSON/base64 encoding, the socket and the sink's
//! scheduling (the sink shares the cores with the server).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use ringside_engine::{ConversationId, LegId};
use ringside_media::procfs;
use tokio::net::TcpListener;

use crate::serve::{ServeOptions, Server};
use ringside_runtime::streaming::{
    StreamChannel, StreamEventKind, StreamId, StreamRate, StreamSpec,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Concurrent streams (one call each).
    pub streams: usize,
    /// Measured seconds.
    pub seconds: u64,
    /// Seconds of streaming before measuring.
    pub warmup_secs: u64,
    /// 16 or 24 kHz.
    pub rate: StreamRate,
    /// Calls dialled at once while setting up.
    pub dial_concurrency: usize,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            streams: 2_000,
            seconds: 10,
            warmup_secs: 3,
            rate: StreamRate::Khz16,
            dial_concurrency: 64,
        }
    }
}

/// What was measured.
#[derive(Clone, Debug)]
pub struct BenchReport {
    /// Streams asked for.
    pub streams: usize,
    /// Streams that connected.
    pub connected: usize,
    /// Frames the sink received while measuring.
    pub frames: u64,
    /// Measured wall time.
    pub measured: Duration,
    /// Frames per second at the sink.
    pub frames_per_sec: f64,
    /// Lateness percentiles, microseconds: p50, p99, p99.9, max.
    pub lateness_us: [u64; 4],
    /// Frames dropped on full queues (whole run).
    pub dropped: u64,
    /// Process CPU while measuring (server and sink), in cores (1.0 = one core busy).
    pub cpu_cores: f64,
    /// Process CPU per stream, microseconds per second of streaming.
    pub cpu_us_per_stream_sec: f64,
    /// Resident memory added by the streams (after the calls were up), bytes per stream.
    pub rss_per_stream: u64,
    /// Cores available.
    pub cores: usize,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |us: u64| us as f64 / 1000.0;
        writeln!(
            f,
            "streams {} (connected {}) on {} cores, measured {:.1} s",
            self.streams,
            self.connected,
            self.cores,
            self.measured.as_secs_f64()
        )?;
        writeln!(
            f,
            "frames out {} ({:.0}/s), dropped {}",
            self.frames, self.frames_per_sec, self.dropped
        )?;
        writeln!(
            f,
            "lateness p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            ms(self.lateness_us[0]),
            ms(self.lateness_us[1]),
            ms(self.lateness_us[2]),
            ms(self.lateness_us[3])
        )?;
        write!(
            f,
            "cpu {:.2} cores ({:.1} µs per stream-second), rss {:.1} KiB per stream",
            self.cpu_cores,
            self.cpu_us_per_stream_sec,
            self.rss_per_stream as f64 / 1024.0
        )
    }
}

/// The sink's shared state.
struct Sink {
    measuring: AtomicBool,
    frames: AtomicU64,
    open: AtomicUsize,
    histogram: Mutex<Histogram<u64>>,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 60 s at 3 significant figures: constant, valid bounds.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Milliseconds of the day of an ACS `timestamp` (`…THH:MM:SS.mmmZ`).
fn day_ms(text: &str) -> Option<u64> {
    let at = text.find("\"timestamp\":\"")? + 13;
    let stamp = text.get(at..at + 24)?;
    let num = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<u64>().ok();
    Some(((num(11..13)? * 60 + num(14..16)?) * 60 + num(17..19)?) * 1000 + num(20..23)?)
}

async fn serve_sink(listener: TcpListener, sink: Arc<Sink>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let _ = tcp.set_nodelay(true);
        let sink = sink.clone();
        tokio::spawn(async move {
            let Ok(mut socket) = tokio_tungstenite::accept_async_with_config(
                tcp,
                Some(
                    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                        .read_buffer_size(ringside_runtime::streaming::READ_BUFFER),
                ),
            )
            .await
            else {
                return;
            };
            sink.open.fetch_add(1, Ordering::Relaxed);
            let mut local = histogram();
            let start = Instant::now();
            let mut best: Option<i64> = None;
            let mut frames = 0u64;
            while let Some(Ok(message)) = socket.next().await {
                let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
                    continue;
                };
                let Some(ms) = day_ms(text.as_str()) else {
                    continue;
                };
                let arrival = i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX);
                let offset = arrival - i64::try_from(ms * 1000).unwrap_or(0);
                let floor = *best.get_or_insert(offset);
                let floor = floor.min(offset);
                best = Some(floor);
                if sink.measuring.load(Ordering::Relaxed) {
                    frames += 1;
                    let late = u64::try_from(offset - floor).unwrap_or(0).max(1);
                    let _ = local.record(late.min(60_000_000));
                }
            }
            sink.frames.fetch_add(frames, Ordering::Relaxed);
            if let Ok(mut shared) = sink.histogram.lock() {
                let _ = shared.add(&local);
            }
            sink.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Runs the benchmark (inside a tokio runtime).
pub async fn run(options: BenchOptions) -> anyhow::Result<BenchReport> {
    let dir = std::env::temp_dir().join(format!("ringside-stream-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::start(ServeOptions {
        data_dir: dir.clone(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config: None,
        manual_media_clock: false,
        sip: None,
    })
    .await?;
    let result = measure(&server, &options).await;
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(
    server: &crate::serve::RunningServer,
    options: &BenchOptions,
) -> anyhow::Result<BenchReport> {
    let info = server
        .dev_info()
        .ok_or_else(|| anyhow!("the bench server is not in dev mode"))?;
    let number = info
        .resource_accounts
        .iter()
        .find_map(|r| r.phone_number.clone())
        .ok_or_else(|| anyhow!("the dev resource account has no number"))?;
    let pem = std::fs::read(server.ca_cert_path())?;
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem)?)
        .build()?;
    let base = server.base_url().to_string();
    let token = info.admin_token.clone();
    let lifetime = options.warmup_secs + options.seconds + 60;

    // The calls: a phone with a test tone per call.
    let limit = Arc::new(tokio::sync::Semaphore::new(options.dial_concurrency.max(1)));
    let mut dials = tokio::task::JoinSet::new();
    for i in 0..options.streams {
        let (http, base, token, number, limit) = (
            http.clone(),
            base.clone(),
            token.clone(),
            number.clone(),
            limit.clone(),
        );
        dials.spawn(async move {
            let _permit = limit.acquire().await.ok();
            let caller = format!("+1206{:07}", 5_000_000 + i);
            let body = serde_json::json!({
                "to": number,
                "tone": [{"at": "0s", "duration": format!("{lifetime}s")}],
                "hangupAfter": format!("{lifetime}s"),
            });
            let reply: serde_json::Value = http
                .post(format!("{base}/ringside/v1/phones/{caller}/calls"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await?
                .json()
                .await?;
            let id = |key: &str| -> anyhow::Result<ringside_model::Guid> {
                reply[key]
                    .as_str()
                    .ok_or_else(|| anyhow!("dial: no {key}: {reply}"))?
                    .parse()
                    .map_err(|_| anyhow!("dial: bad {key}"))
            };
            Ok::<_, anyhow::Error>((ConversationId(id("callId")?), LegId(id("targetLegId")?)))
        });
    }
    let mut calls = Vec::with_capacity(options.streams);
    while let Some(joined) = dials.join_next().await {
        calls.push(joined.context("dial task")??);
    }
    // Let the built-in responders answer.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let rss_before = procfs::rss_bytes().unwrap_or(0);

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let sink = Arc::new(Sink {
        measuring: AtomicBool::new(false),
        frames: AtomicU64::new(0),
        open: AtomicUsize::new(0),
        histogram: Mutex::new(histogram()),
    });
    let sink_task = tokio::spawn(serve_sink(listener, sink.clone()));

    let streams = server.state().streams().clone();
    let mut events = streams.subscribe();
    let mut ids: Vec<StreamId> = Vec::with_capacity(calls.len());
    for (conversation, leg) in &calls {
        let id = streams
            .start(StreamSpec {
                conversation: *conversation,
                leg: *leg,
                url: format!("ws://127.0.0.1:{port}/media"),
                codec: Arc::new(ringside_door_acs::stream_wire::AcsCodec {
                    subscription_id: format!("bench-{}", ids.len()),
                }),
                channel: StreamChannel::Mixed,
                rate: options.rate,
                bidirectional: false,
                bearer: None,
                headers: Vec::new(),
                participants: HashMap::new(),
                owner: "platform",
            })
            .map_err(|e| anyhow!("start: {e}"))?;
        ids.push(id);
    }
    let mut connected = 0usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected < ids.len() && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Ok(event)) if event.kind == StreamEventKind::Connected => connected += 1,
            Ok(Ok(_)) => {}
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                connected = ids.iter().filter(|id| streams.is_live(**id)).count();
            }
            _ => break,
        }
    }

    tokio::time::sleep(Duration::from_secs(options.warmup_secs)).await;
    let rss_after = procfs::rss_bytes().unwrap_or(0);
    let cpu0 = procfs::process_cpu_time().unwrap_or_default();
    let t0 = Instant::now();
    sink.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    sink.measuring.store(false, Ordering::Relaxed);
    let measured = t0.elapsed();
    let cpu = procfs::process_cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu0);

    let mut dropped = 0u64;
    for id in &ids {
        streams.stop(*id, "bench done");
    }
    let mut open = ids.len();
    let deadline = Instant::now() + Duration::from_secs(30);
    while open > 0 && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Ok(event)) => match event.kind {
                StreamEventKind::Stopped { counters, .. }
                | StreamEventKind::Failed { counters, .. } => {
                    dropped += counters.frames_dropped;
                    open -= 1;
                }
                StreamEventKind::Connected => {}
            },
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            _ => break,
        }
    }
    let wait = Instant::now() + Duration::from_secs(10);
    while sink.open.load(Ordering::Relaxed) > 0 && Instant::now() < wait {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sink_task.abort();

    let frames = sink.frames.load(Ordering::Relaxed);
    let histogram = sink
        .histogram
        .lock()
        .map_err(|_| anyhow!("histogram lock"))?
        .clone();
    let secs = measured.as_secs_f64().max(1e-9);
    Ok(BenchReport {
        streams: options.streams,
        connected,
        frames,
        measured,
        frames_per_sec: frames as f64 / secs,
        lateness_us: [
            histogram.value_at_quantile(0.5),
            histogram.value_at_quantile(0.99),
            histogram.value_at_quantile(0.999),
            histogram.max(),
        ],
        dropped,
        cpu_cores: cpu.as_secs_f64() / secs,
        cpu_us_per_stream_sec: cpu.as_secs_f64() * 1e6 / secs / connected.max(1) as f64,
        rss_per_stream: rss_after.saturating_sub(rss_before) / connected.max(1) as u64,
        cores: std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1),
    })
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
}
