//! The console's SSE fan-out under load (issue 16's target: < 2 % of a core with 1,000 live calls
//! and 5 open consoles). Run it with
//! `cargo run --release -p ringside-console --example sse_fanout [-- --calls 1000 --consoles 5
//! --seconds 20 --runs 3 --scale 1]`.
//!
//! One process: a thread (`fanout-mdl`) plays the calls of [`model::Model`], handing each 20 ms
//! batch of engine events and delivery records to the publisher thread (`fanout-gen`), which puts
//! them into the console's [`Hub`] exactly as the console's pumps do ([`model::publish`]:
//! `events::map` → `Hub::publish`; `deliveries::publish`); a one-worker tokio runtime
//! (`fanout-srv`) serves `/events` with the console's own `sse::stream` through axum over loopback
//! TCP; another (`fanout-cli`) runs the consoles, each a socket reading the stream and counting
//! its messages. The fan-out's cost is the CPU of `fanout-gen` and `fanout-srv` over the measured
//! window (after a warm-up), from `/proc/self/task/*/schedstat`; the readers' CPU is shown apart.

mod cpu;
mod model;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use ringside_console::deliveries::Legs;
use ringside_console::hub::Hub;
use ringside_console::sse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TICK: Duration = Duration::from_millis(20);
const WARM_UP: Duration = Duration::from_secs(3);

struct Options {
    calls: usize,
    consoles: usize,
    seconds: u64,
    runs: usize,
    scale: u32,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            calls: 1_000,
            consoles: 5,
            seconds: 20,
            runs: 3,
            scale: 1,
        };
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("{flag}: not a number"))
            };
            match flag.as_str() {
                "--calls" => options.calls = number(&value)? as usize,
                "--consoles" => options.consoles = number(&value)? as usize,
                "--seconds" => options.seconds = number(&value)?.max(1),
                "--runs" => options.runs = number(&value)?.max(1) as usize,
                "--scale" => options.scale = number(&value)?.clamp(1, 1_000) as u32,
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

/// What one console's socket received.
#[derive(Default)]
struct Console {
    bytes: AtomicU64,
    messages: AtomicU64,
    resets: AtomicU64,
}

/// One measured window.
struct Measured {
    events: u64,
    seconds: f64,
    server: f64,
    publisher: f64,
    in_publish: f64,
    readers: f64,
    received: Vec<(u64, u64, u64)>,
}

impl Measured {
    fn fan_out(&self) -> f64 {
        self.server + self.publisher
    }

    /// Why a console did not get every event (a reset, or fewer messages than events published,
    /// beyond the 2 % the window's edges allow), if one did not.
    fn short(&self) -> Option<String> {
        let enough = self.events - self.events / 50;
        self.received
            .iter()
            .enumerate()
            .find(|(_, (messages, _, resets))| *resets > 0 || *messages < enough)
            .map(|(index, (messages, _, resets))| {
                format!(
                    "console {} got {messages} messages and {resets} resets for {} events",
                    index + 1,
                    self.events
                )
            })
    }
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("sse_fanout: {message}");
            return ExitCode::from(2);
        }
    };
    println!(
        "sse_fanout: {} live calls (rates ×{}), {} consoles, {} s measured after {} s warm-up, {} runs",
        options.calls,
        options.scale,
        options.consoles,
        options.seconds,
        WARM_UP.as_secs(),
        options.runs
    );
    let mut results = Vec::new();
    for number in 1..=options.runs {
        match run(&options) {
            Ok(measured) => {
                report(number, &measured);
                if let Some(problem) = measured.short() {
                    eprintln!("sse_fanout: run {number}: {problem}");
                    return ExitCode::FAILURE;
                }
                results.push(measured.fan_out());
            }
            Err(error) => {
                eprintln!("sse_fanout: run {number}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    results.sort_by(f64::total_cmp);
    let median = results[results.len() / 2];
    println!(
        "median fan-out CPU over {} runs: {median:.2} % of one core (target < 2 %)",
        results.len()
    );
    ExitCode::SUCCESS
}

fn report(number: usize, m: &Measured) {
    let rate = m.events as f64 / m.seconds;
    println!(
        "run {number}: {} events in {:.1} s ({rate:.0}/s); fan-out {:.2} % of a core \
         (server {:.2} %, publisher thread {:.2} %; its wall time in the console's code {:.2} %); \
         readers {:.2} %",
        m.events,
        m.seconds,
        m.fan_out(),
        m.server,
        m.publisher,
        m.in_publish,
        m.readers
    );
    for (index, (messages, bytes, resets)) in m.received.iter().enumerate() {
        println!(
            "  console {}: {messages} messages, {:.1} KB/s, {resets} resets",
            index + 1,
            *bytes as f64 / 1024.0 / m.seconds
        );
    }
}

fn run(options: &Options) -> Result<Measured, String> {
    let hub = Arc::new(Hub::default());
    let server = runtime("fanout-srv")?;
    let readers = runtime("fanout-cli")?;
    let listener = server
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| format!("bind: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let app = Router::new()
        .route("/events", get(events))
        .with_state(hub.clone());
    server.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let consoles: Vec<Arc<Console>> = (0..options.consoles).map(|_| Arc::default()).collect();
    for console in &consoles {
        readers.spawn(read(address, console.clone()));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while consoles
        .iter()
        .any(|c| c.messages.load(Ordering::Relaxed) == 0)
    {
        if Instant::now() > deadline {
            return Err("the consoles did not connect within 10 s".into());
        }
        thread::sleep(Duration::from_millis(10));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicU64::new(0));
    let (batches, received) = mpsc::channel();
    let generator = {
        let (stop, calls, scale) = (stop.clone(), options.calls, options.scale);
        thread::Builder::new()
            .name("fanout-mdl".into())
            .spawn(move || generate(calls, scale, &stop, &batches))
            .map_err(|e| e.to_string())?
    };
    let publisher = {
        let (hub, published, busy) = (hub.clone(), published.clone(), busy.clone());
        thread::Builder::new()
            .name("fanout-gen".into())
            .spawn(move || publish(&hub, &received, &published, &busy))
            .map_err(|e| e.to_string())?
    };
    thread::sleep(WARM_UP);
    let snapshot = |consoles: &[Arc<Console>]| {
        let received: Vec<(u64, u64, u64)> = consoles
            .iter()
            .map(|c| {
                let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
                (load(&c.messages), load(&c.bytes), load(&c.resets))
            })
            .collect();
        let counts = (
            published.load(Ordering::Relaxed),
            busy.load(Ordering::Relaxed),
        );
        (Instant::now(), cpu::by_group(), counts, received)
    };
    let (t0, cpu0, (events0, busy0), received0) = snapshot(&consoles);
    thread::sleep(Duration::from_secs(options.seconds));
    let (t1, cpu1, (events1, busy1), received1) = snapshot(&consoles);
    stop.store(true, Ordering::Relaxed);
    generator.join().map_err(|_| "the generator panicked")?;
    publisher.join().map_err(|_| "the publisher panicked")?;
    server.shutdown_background();
    readers.shutdown_background();

    let window = (t1 - t0).as_nanos().max(1) as f64;
    let used = cpu::delta(&cpu0, &cpu1);
    let percent = |group: &str| *used.get(group).unwrap_or(&0) as f64 / window * 100.0;
    Ok(Measured {
        events: events1 - events0,
        seconds: window / 1e9,
        server: percent("fanout-srv"),
        publisher: percent("fanout-gen"),
        in_publish: (busy1 - busy0) as f64 / window * 100.0,
        readers: percent("fanout-cli"),
        received: received0
            .iter()
            .zip(&received1)
            .map(|(a, b)| (b.0 - a.0, b.1 - a.1, b.2 - a.2))
            .collect(),
    })
}

fn runtime(name: &str) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("{name}: {e}"))
}

/// The model's thread: every 20 ms, what is due goes to the publisher, until `stop`.
fn generate(calls: usize, scale: u32, stop: &AtomicBool, batches: &mpsc::Sender<Vec<model::Item>>) {
    let mut model = model::Model::new(calls, scale);
    let start = Instant::now();
    let mut at = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        at += TICK;
        if let Some(wait) = (start + at).checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        if batches.send(model.advance(at)).is_err() {
            return;
        }
    }
}

/// The publisher thread: each batch into the hub as the console's pumps do, until the model's
/// thread ends; counts what it published and the wall time it took.
fn publish(
    hub: &Hub,
    batches: &mpsc::Receiver<Vec<model::Item>>,
    published: &AtomicU64,
    busy: &AtomicU64,
) {
    let legs = Legs::default();
    for batch in batches {
        let started = Instant::now();
        for item in &batch {
            model::publish(hub, &legs, item);
        }
        busy.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        published.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
}

/// `GET /events`: the console's stream (the console's own handler adds only the session check).
async fn events(State(hub): State<Arc<Hub>>) -> impl IntoResponse {
    Sse::new(sse::stream(&hub, None)).keep_alive(KeepAlive::new().interval(sse::KEEP_ALIVE))
}

/// One console: reads the stream and counts its messages (blank-line separated) and resets.
async fn read(address: std::net::SocketAddr, console: Arc<Console>) {
    let Ok(mut socket) = TcpStream::connect(address).await else {
        return;
    };
    let request = b"GET /events HTTP/1.1\r\nhost: bench\r\naccept: text/event-stream\r\n\r\n";
    if socket.write_all(request).await.is_err() {
        return;
    }
    let mut buffer = vec![0u8; 64 * 1024];
    let mut previous = 0u8;
    loop {
        let n = match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let chunk = &buffer[..n];
        let mut messages = 0;
        for &byte in chunk {
            messages += u64::from(previous == b'\n' && byte == b'\n');
            previous = byte;
        }
        let resets = chunk.windows(12).filter(|w| w == b"event: reset").count() as u64;
        console.bytes.fetch_add(n as u64, Ordering::Relaxed);
        console.messages.fetch_add(messages, Ordering::Relaxed);
        console.resets.fetch_add(resets, Ordering::Relaxed);
    }
}
