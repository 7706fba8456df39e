//! `ringside bench <scenario>`: a load generator that drives a Ringside server (self-started as a
//! child process, or a running one) through its real HTTPS front doors with a real bot receiver in
//! this process, and reports rates, HDR-histogram latency percentiles and the server process's CPU
//! and memory as a table or `--json`.
//!
//! Submodules: `target` (the server: child process or `--data-dir`), `receiver` (the local webhook
//! and WebSocket sink), `measure` (histograms, `/proc` readings, pacing, progress line), `report`
//! (table and JSON), `plan` (the options every scenario takes and the plan they make), `fixtures`
//! (test audio and the dev users' behaviour, shared by `graph` and `media`), `replies` (HTTP
//! answers as JSON or errors), `nodes` (starting one node or a cluster; a node's dev.json),
//! `postgres` (the throwaway database of `--store postgres`), `graph_ctx` (what a Graph scenario's
//! call tasks share), `hop` (the cluster's forwarding hop, measured by graph-setup), and one module
//! per family of scenarios (`graph`, `media`, `acs`, `sip`).

mod acs;
mod fixtures;
mod graph;
mod graph_ctx;
mod hop;
mod measure;
mod media;
mod nodes;
mod plan;
mod postgres;
mod receiver;
mod replies;
mod report;
mod sip;
mod target;

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};

use plan::{LoadArgs, Plan};

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
    /// SIP calls: SIPp (sip-tester) as PSTN callers behind the dev trunk calling the bot's number
    /// with G.711 audio both ways and an RFC 4733 digit, held for --duration, at --rate calls/s
    /// (defaults: 400 calls, 20/s, 20 s each, at most 2,000 at once).
    Sip(LoadArgs),
}

/// Runs `ringside bench …`.
pub(crate) async fn run(args: BenchArgs) -> Result<()> {
    let (name, load) = match &args.scenario {
        Scenario::GraphSetup(load) => ("graph-setup", load),
        Scenario::GraphIncoming(load) => ("graph-incoming", load),
        Scenario::MediaSoak(load) => ("media-soak", load),
        Scenario::AcsStream(load) => ("acs-stream", load),
        Scenario::AcsSetup(load) => ("acs-setup", load),
        Scenario::Sip(load) => ("sip", load),
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
        Scenario::Sip(a) => Plan::from_args(a, 400, 20.0, 2_000),
    };
    if load.target.nodes > 1 && !matches!(args.scenario, Scenario::GraphSetup(_)) {
        anyhow::bail!("--nodes is for graph-setup only (the other scenarios drive one node)");
    }
    let load_before = measure::load_average();
    let server = target::Server::open(&load.target).await?;
    let progress = measure::Progress::start(name, !load.json);
    let result = match &args.scenario {
        Scenario::GraphSetup(_) => graph::setup(&server, &plan, &progress).await,
        Scenario::GraphIncoming(_) => graph::incoming(&server, &plan, &progress).await,
        Scenario::MediaSoak(_) => media::soak(&server, &plan, &progress).await,
        Scenario::AcsStream(_) => acs::stream(&server, &plan, &progress).await,
        Scenario::AcsSetup(_) => acs::setup(&server, &plan, &progress).await,
        Scenario::Sip(_) => sip::calls(&server, &plan, &progress).await,
    };
    progress.finish();
    let rss = server.pid.and_then(measure::process_rss);
    let threads = server.pid.and_then(measure::process_threads);
    let node_rss: Vec<Option<u64>> = server
        .nodes
        .iter()
        .map(|n| n.pid.and_then(measure::process_rss))
        .collect();
    let database_pss = server.postgres_pid().and_then(measure::tree_pss);
    let store = server.store;
    let stopped = server.stop().await;
    let mut report = result?;
    report.server_rss = report.server_rss.or(rss);
    report.server_threads = threads;
    report.store = store.to_string();
    report.database_pss = database_pss;
    report.node_memory(&node_rss);
    stopped?;
    report.finish(name, &plan, load_before);
    if load.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
