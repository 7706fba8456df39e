//! `acs-stream`: N calls created with mediaStreamingOptions streaming to a WebSocket sink in this
//! process, held for the measured time: streams open, frames/s, per-frame lateness, server CPU and
//! RSS per stream.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;

use super::client::{targets_default, Calls};
use crate::bench::measure::{self, CpuFigures, CpuWindow, Progress};
use crate::bench::plan::Plan;
use crate::bench::report::Report;
use crate::bench::target::Server;

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

/// Binds the WebSocket sink on a loopback port and serves it; its URL, state and task.
async fn start_sink() -> Result<(String, Arc<Sink>, tokio::task::JoinHandle<()>)> {
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
    let task = tokio::spawn(serve_sink(listener, sink.clone()));
    Ok((sink_url, sink, task))
}

/// What the measured window saw: the server's RSS after the warm-up, the streams open at the
/// sink, and the server's CPU.
struct Window {
    rss_during: Option<u64>,
    open: usize,
    cpu: CpuFigures,
}

/// `acs-stream`.
pub(crate) async fn stream(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let measured = plan.duration.unwrap_or(Duration::from_secs(10));
    let calls = Arc::new(Calls::start(server, true).await?);
    let (sink_url, sink, sink_task) = start_sink().await?;
    let rss_before = server.pid.and_then(measure::process_rss);

    progress.phase(
        "createCall with streaming → MediaStreamingStarted",
        plan.calls,
    );
    let sink_url = Arc::new(sink_url);
    let created = measure::drive(
        plan.calls,
        plan.rate,
        plan.concurrency,
        None,
        progress,
        |i| {
            let (calls, sink_url) = (calls.clone(), sink_url.clone());
            async move { create_streaming_call(&calls, &sink_url, i).await }
        },
    )
    .await;
    let ids = Arc::new(created.ok);
    let window = measure_window(server, plan, measured, progress, &sink).await;

    progress.phase("hanging up", ids.len());
    let hung = measure::drive(ids.len(), None, plan.concurrency, None, progress, |i| {
        let (calls, ids) = (calls.clone(), ids.clone());
        async move { calls.hang_up(&ids[i]).await }
    })
    .await;
    let wait = Instant::now() + Duration::from_secs(10);
    while sink.open.load(Ordering::Relaxed) > 0 && Instant::now() < wait {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sink_task.abort();
    targets_default(server, &calls.targets).await;

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
    report.server_cpu_cores = window.cpu.cores;
    report.steal_cores = window.cpu.steal_cores;
    calls
        .latencies
        .merge("frame lateness at the sink", &lateness);
    report.latencies(calls.latencies.take());
    stream_figures(&mut report, &window, frames, ids.len(), rss_before);
    Ok(report)
}

/// One streaming call: createCall to target `i` with mediaStreamingOptions → MediaStreamingStarted;
/// the call connection id.
async fn create_streaming_call(calls: &Calls, sink_url: &str, i: usize) -> Result<String> {
    let created = calls.create(i, Some(sink_url)).await?;
    let (t0, id) = (created.sent, created.id);
    let started = calls
        .event(&format!("acs-streaming:{id}"), || {
            format!("no MediaStreamingStarted for {id}")
        })
        .await?;
    calls.latencies.record(
        "createCall → MediaStreamingStarted",
        started.at.saturating_duration_since(t0),
    );
    Ok(id)
}

/// Waits out the warm-up, then counts the sink's frames for `measured`.
async fn measure_window(
    server: &Server,
    plan: &Plan,
    measured: Duration,
    progress: &Progress,
    sink: &Sink,
) -> Window {
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
    Window {
        rss_during,
        open,
        cpu,
    }
}

/// Streams, frames and frames/s (received and expected), and the server's CPU and RSS per stream.
fn stream_figures(
    report: &mut Report,
    window: &Window,
    frames: u64,
    streams: usize,
    rss_before: Option<u64>,
) {
    let (open, cpu) = (window.open, window.cpu);
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
    if let (Some(before), Some(during)) = (rss_before, window.rss_during) {
        report.figure(
            "rssPerStreamBytes",
            "server rss per streaming call",
            json!(during.saturating_sub(before) / streams.max(1) as u64),
            "bytes",
        );
    }
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
