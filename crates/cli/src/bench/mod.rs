//! `ringside bench <scenario>`: a load generator that drives a Ringside server (self-started as a
//! child process, or a running one) through its real HTTPS front doors with a real bot receiver in
//! this process, and reports rates, HDR-histogram latency percentiles and the server process's CPU
//! and memory as a table or `--json`.
//!
//! Submodules: `target` (the server: child process or `--data-dir`), `receiver` (the local webhook
//! and WebSocket sink), `measure` (histograms, `/proc` readings, pacing, progress line), `report`
//! (table and JSON), `fixtures` (test audio and the dev users' behaviour, shared by `graph` and
//! `media`), and one module per family of scenarios (`graph`, `media`, `acs`).

mod acs;
mod fixtures;
mod graph;
mod measure;
mod media;
mod receiver;
mod report;
mod target;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};

/// `ringside bench` options.
#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand, Debug)]
enum Scenario {
    /// Graph call setup: POST /communications/calls to a directory user → `established`
    /// notification → DELETE, per call (defaults: 3,000 calls, 64 at a time, unpaced).
    GraphSetup(LoadArgs),
    /// Graph incoming calls: simulated phones dial the bot's number, the bot answers on the
    /// `created` notification, plays a prompt and hangs up (defaults: 1,000 calls at 200/s).
    GraphIncoming(LoadArgs),
    /// Media soak: N concurrent two-party calls (phone ↔ user) with a looped prompt and one in-band
    /// DTMF key per second, held for --duration: server CPU and RSS per call, media clock lateness,
    /// digits detected (defaults: 5,000 calls, 20 s).
    MediaSoak(LoadArgs),
    /// ACS media streaming: N concurrent ACS calls (createCall with mediaStreamingOptions) streaming
    /// audio to a WebSocket sink in this process: frames/s, lateness, server CPU (defaults: 2,000
    /// calls, 10 s).
    AcsStream(LoadArgs),
    /// ACS call setup: createCall → CallConnected → hangUp, then incoming calls: IncomingCall →
    /// answerCall → CallConnected → hangUp, through /calling with HMAC-signed requests (defaults:
    /// 3,000 calls each, 64 at a time).
    AcsSetup(LoadArgs),
}

/// Options every scenario takes.
#[derive(Args, Debug, Clone)]
pub(crate) struct LoadArgs {
    /// Calls to place (setup scenarios) or to hold at once (media-soak, acs-stream).
    #[arg(long)]
    calls: Option<usize>,
    /// Calls started per second (0 = as fast as --concurrency allows).
    #[arg(long)]
    rate: Option<f64>,
    /// Measured time (media-soak, acs-stream); for the setup scenarios, stop starting calls after
    /// this long. E.g. `20s`, `1500ms`, `2m`.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Requests in flight at most (calls being set up at once).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Time between the last call being up and the start of measuring (media-soak, acs-stream).
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    warmup: Duration,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Which server to drive.
#[derive(Args, Debug, Clone)]
pub(crate) struct TargetArgs {
    /// Drive the running dev-mode server whose data dir this is (dev.json gives the URL, admin
    /// token, CA, app credentials and ACS key). Without it (and without --url) the bench starts its
    /// own server: `ringside serve --listen 127.0.0.1:0` as a child process with a temporary data dir.
    #[arg(long, env = "RINGSIDE_BENCH_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Base URL of the running server (overrides dev.json's; dev.json is still read from
    /// --data-dir, default .ringside).
    #[arg(long)]
    url: Option<String>,
    /// Process id of the running server, to read its CPU and memory from /proc (known
    /// automatically for a self-started server).
    #[arg(long)]
    server_pid: Option<u32>,
    /// The `ringside` binary to start as the server (default: this executable).
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

/// What a scenario was asked to do, with its defaults filled in.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) calls: usize,
    /// Calls started per second; `None` = unpaced.
    pub(crate) rate: Option<f64>,
    pub(crate) duration: Option<Duration>,
    pub(crate) concurrency: usize,
    pub(crate) warmup: Duration,
}

impl Plan {
    fn from_args(args: &LoadArgs, calls: usize, rate: f64, concurrency: usize) -> Plan {
        let rate = args.rate.unwrap_or(rate);
        Plan {
            calls: args.calls.unwrap_or(calls).max(1),
            rate: (rate > 0.0).then_some(rate),
            duration: args.duration,
            concurrency: args.concurrency.unwrap_or(concurrency).max(1),
            warmup: args.warmup,
        }
    }
}

/// Parses `20s`, `1500ms`, `2m`, `1h` or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 20s, 1500ms, 2m)"))?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{text}' (ms, s, m, h)")),
    };
    if !value.is_finite() || value < 0.0 || value * scale > 86_400.0 {
        return Err(format!("'{text}' is out of range (0 to 24 h)"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

/// Runs `ringside bench …`.
pub(crate) async fn run(args: BenchArgs) -> Result<()> {
    let (name, load) = match &args.scenario {
        Scenario::GraphSetup(load) => ("graph-setup", load),
        Scenario::GraphIncoming(load) => ("graph-incoming", load),
        Scenario::MediaSoak(load) => ("media-soak", load),
        Scenario::AcsStream(load) => ("acs-stream", load),
        Scenario::AcsSetup(load) => ("acs-setup", load),
    };
    let plan = match &args.scenario {
        Scenario::GraphSetup(a) => Plan::from_args(a, 3_000, 0.0, 64),
        Scenario::GraphIncoming(a) => Plan::from_args(a, 1_000, 200.0, 512),
        Scenario::MediaSoak(a) => {
            let mut plan = Plan::from_args(a, 5_000, 500.0, 64);
            plan.duration = Some(a.duration.unwrap_or(Duration::from_secs(20)));
            plan
        }
        Scenario::AcsStream(a) => {
            let mut plan = Plan::from_args(a, 2_000, 500.0, 64);
            plan.duration = Some(a.duration.unwrap_or(Duration::from_secs(10)));
            plan
        }
        Scenario::AcsSetup(a) => Plan::from_args(a, 3_000, 0.0, 64),
    };
    let load_before = measure::load_average();
    let server = target::Server::open(&load.target).await?;
    let progress = measure::Progress::start(name, !load.json);
    let result = match &args.scenario {
        Scenario::GraphSetup(_) => graph::setup(&server, &plan, &progress).await,
        Scenario::GraphIncoming(_) => graph::incoming(&server, &plan, &progress).await,
        Scenario::MediaSoak(_) => media::soak(&server, &plan, &progress).await,
        Scenario::AcsStream(_) => acs::stream(&server, &plan, &progress).await,
        Scenario::AcsSetup(_) => acs::setup(&server, &plan, &progress).await,
    };
    progress.finish();
    let rss = server.pid.and_then(measure::process_rss);
    let threads = server.pid.and_then(measure::process_threads);
    let stopped = server.stop().await;
    let mut report = result?;
    report.server_rss = report.server_rss.or(rss);
    report.server_threads = threads;
    stopped?;
    report.finish(name, &plan, load_before);
    if load.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("48h").is_err());
    }
}
