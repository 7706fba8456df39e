//! Load run of the real [`MediaClock`]: N two-party conversations (looped prompt, tone detection,
//! one in-band digit per second from each phone) for T seconds; prints CPU share, tick lateness,
//! memory per conversation and digits detected vs sent.
//!
//! `cargo run --release -p ringside-media --example media_soak -- --conversations 5000 --seconds 20 --shards 2`
//! (add `--realtime 10` to run the shard threads at SCHED_FIFO priority 10).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_engine::MediaSignal;
use ringside_media::{procfs, scenario, ClockOptions, EndpointEvent, MediaClock, MediaOutput};

struct Args {
    conversations: u64,
    seconds: u64,
    shards: usize,
    realtime: Option<u8>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        conversations: 1000,
        seconds: 20,
        shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
        realtime: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--conversations" => args.conversations = number(&value)?,
            "--seconds" => args.seconds = number(&value)?.max(1),
            "--shards" => args.shards = number(&value)?.max(1) as usize,
            "--realtime" => args.realtime = Some(number(&value)?.clamp(1, 99) as u8),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

#[derive(Default)]
struct Counts {
    detected: AtomicU64,
    false_detections: AtomicU64,
    keys_sounded: AtomicU64,
    outputs: AtomicU64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "media_soak: {e}\nusage: media_soak [--conversations N] [--seconds T] [--shards S] [--realtime PRIORITY]"
            );
            std::process::exit(2);
        }
    };
    let counts = Arc::new(Counts::default());
    let prompt = scenario::prompt();
    // Warm the allocator and shared state before the baseline reading.
    let rss_before = procfs::rss_bytes().unwrap_or(0);

    let sink_counts = Arc::clone(&counts);
    let options = ClockOptions {
        realtime_priority: args.realtime,
    };
    let clock = MediaClock::start_with(args.shards, options, move |output| {
        sink_counts.outputs.fetch_add(1, Ordering::Relaxed);
        match output {
            MediaOutput::Engine {
                signal: MediaSignal::ToneDetected { leg, .. },
                ..
            } => {
                if scenario::is_phone(leg) {
                    sink_counts.detected.fetch_add(1, Ordering::Relaxed);
                } else {
                    sink_counts.false_detections.fetch_add(1, Ordering::Relaxed);
                }
            }
            MediaOutput::Endpoint {
                event: EndpointEvent::KeyPressed { .. },
                ..
            } => {
                sink_counts.keys_sounded.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    });
    let rss_clock = procfs::rss_bytes().unwrap_or(0);
    for i in 0..args.conversations {
        for command in scenario::setup(i, &prompt) {
            clock.send(command);
        }
    }
    // Let the shards apply the setup and run a little.
    let settle = Instant::now();
    while clock.stats().conversations < args.conversations as usize
        && settle.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let rss_after = procfs::rss_bytes().unwrap_or(0);

    clock.reset_stats();
    let cpu_start = procfs::process_cpu_time();
    let shard_cpu_start: Vec<Option<Duration>> =
        clock.stats().shards.iter().map(|s| s.cpu_time).collect();
    let start = Instant::now();
    let mut sent = 0u64;
    let mut tick = 0u64;
    let run = Duration::from_secs(args.seconds);
    while start.elapsed() < run {
        for (command, _) in scenario::presses(tick, args.conversations) {
            clock.send(command);
            sent += 1;
        }
        tick += 1;
        let next = start + Duration::from_millis(20 * tick);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let wall = start.elapsed();
    let cpu_end = procfs::process_cpu_time();
    let stats = clock.stats();
    // Let the last keys finish sounding and be detected (not counted in CPU share).
    std::thread::sleep(Duration::from_millis(500));
    let detected = counts.detected.load(Ordering::Relaxed);
    let false_detections = counts.false_detections.load(Ordering::Relaxed);
    let sounded = counts.keys_sounded.load(Ordering::Relaxed);
    let outputs = counts.outputs.load(Ordering::Relaxed);
    clock.shutdown();

    let cores = match (cpu_start, cpu_end) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a).as_secs_f64() / wall.as_secs_f64()),
        _ => None,
    };
    let per_conversation = if args.conversations > 0 {
        rss_after.saturating_sub(rss_clock) as f64 / args.conversations as f64
    } else {
        0.0
    };
    println!(
        "media_soak: {} conversations, {} shards, {:.1} s",
        args.conversations,
        args.shards,
        wall.as_secs_f64()
    );
    match cores {
        Some(c) => println!("cpu share:        {c:.3} cores (process CPU time / wall time)"),
        None => println!("cpu share:        unavailable (no /proc)"),
    }
    println!(
        "tick lateness:    p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} ticks",
        ms(stats.lateness_p50),
        ms(stats.lateness_p99),
        ms(stats.lateness_max),
        stats.ticks
    );
    println!("work per tick:    p99 {:.3} ms", ms(stats.work_p99));
    for (i, (s, before)) in stats.shards.iter().zip(shard_cpu_start).enumerate() {
        let cpu = match (before, s.cpu_time) {
            (Some(a), Some(b)) => format!(
                "{:.3} cores",
                b.saturating_sub(a).as_secs_f64() / wall.as_secs_f64()
            ),
            _ => "n/a".to_string(),
        };
        println!(
            "  shard {i}: realtime {}, {} conversations, {} ticks, {} skipped, lateness p50 {:.3} / p99 {:.3} / max {:.3} ms, work p50 {:.3} / p99 {:.3} ms, thread cpu {cpu}",
            s.realtime,
            s.conversations,
            s.ticks,
            s.skipped_frames,
            ms(s.lateness_p50),
            ms(s.lateness_p99),
            ms(s.lateness_max),
            ms(s.work_p50),
            ms(s.work_p99),
        );
    }
    println!(
        "memory:           RSS {:.1} MiB before, {:.1} MiB with clock, {:.1} MiB with conversations: {:.1} KiB per conversation",
        rss_before as f64 / 1048576.0,
        rss_clock as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
        per_conversation / 1024.0
    );
    let share = if sent > 0 {
        100.0 * detected as f64 / sent as f64
    } else {
        100.0
    };
    println!(
        "digits:           sent {sent}, sounded {sounded}, detected {detected} ({share:.2} %), false {false_detections}; {outputs} outputs"
    );
    if detected != sent || false_detections != 0 {
        eprintln!("media_soak: FAIL: digits detected {detected} != sent {sent} or false detections {false_detections}");
        std::process::exit(1);
    }
}
