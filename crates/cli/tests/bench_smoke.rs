//! CI smoke test of `ringside bench`: every scenario runs tiny (5 calls, 2 s) against a server it
//! starts itself (a child `ringside serve` on 127.0.0.1:0), and its `--json` report has sane
//! numbers: every call completed, percentiles above zero, server CPU and memory read, digits
//! detected, frames received; graph-setup also on a throwaway PostgreSQL and on a two-node cluster
//! (per node CPU and memory, the forwarding hop measured).

use std::process::Command;

use serde_json::Value;

const CALLS: u64 = 5;

fn bench(scenario: &str, extra: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["bench", scenario, "--calls", "5", "--json"])
        .args(extra)
        .env_remove("RINGSIDE_BENCH_DATA_DIR")
        .output()
        .expect("ringside bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{scenario} failed: {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{scenario}: the output is not JSON ({e}): {stdout}"));
    assert_eq!(report["scenario"], scenario, "{report:#}");
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    assert!(
        report["server"]["pid"].as_u64().is_some_and(|p| p > 0),
        "{report:#}"
    );
    assert!(
        report["server"]["rssBytes"]
            .as_u64()
            .is_some_and(|b| b > 1 << 20),
        "{report:#}"
    );
    assert!(
        report["server"]["cpuCores"]
            .as_f64()
            .is_some_and(|c| c >= 0.0),
        "{report:#}"
    );
    report
}

/// Every named step has `count` samples and positive, ordered percentiles.
fn check_latencies(report: &Value, steps: &[&str], count: u64) {
    for step in steps {
        let s = &report["latencyMs"][*step];
        assert_eq!(s["count"].as_u64(), Some(count), "{step}: {report:#}");
        let p50 = s["p50"].as_f64().unwrap_or(0.0);
        let p99 = s["p99"].as_f64().unwrap_or(0.0);
        let max = s["max"].as_f64().unwrap_or(0.0);
        assert!(p50 > 0.0 && p50 <= p99 && p99 <= max, "{step}: {s}");
        assert!(max < 20_000.0, "{step}: {s}");
    }
}

fn figure(report: &Value, key: &str) -> f64 {
    report["figures"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("no figure {key}: {report:#}"))
}

#[test]
fn graph_setup_runs_tiny() {
    let report = bench("graph-setup", &["--concurrency", "2"]);
    assert_eq!(report["calls"].as_u64(), Some(CALLS));
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    assert!(report["callsPerSec"].as_f64().is_some_and(|r| r > 0.0));
    check_latencies(
        &report,
        &[
            "create (201)",
            "create → established notification",
            "delete (204)",
        ],
        CALLS,
    );
}

#[test]
fn graph_setup_runs_tiny_on_postgres() {
    let report = bench(
        "graph-setup",
        &["--concurrency", "2", "--store", "postgres"],
    );
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    assert_eq!(report["store"], "postgres (throwaway)", "{report:#}");
    // The bench's own PostgreSQL server did the writes, and its CPU (in 10 ms ticks: maybe 0 for
    // 5 calls) and memory were read.
    assert!(figure(&report, "databaseCpuMsPerCall") >= 0.0, "{report:#}");
    assert!(
        report["database"]["pssBytes"]
            .as_u64()
            .is_some_and(|b| b > 1 << 20),
        "{report:#}"
    );
    check_latencies(&report, &["create → established notification"], CALLS);
}

#[test]
fn graph_setup_runs_tiny_on_a_cluster() {
    let report = bench(
        "graph-setup",
        &["--concurrency", "2", "--nodes", "2", "--hop-pairs", "20"],
    );
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    let nodes = report["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 2, "{report:#}");
    for node in &nodes {
        // Read from /proc in 10 ms ticks: a node may have used less than one in 5 calls.
        assert!(
            node["cpuCores"].as_f64().is_some_and(|c| c >= 0.0),
            "{node}"
        );
        assert!(
            node["rssBytes"].as_u64().is_some_and(|b| b > 1 << 20),
            "{node}"
        );
    }
    assert_ne!(nodes[0]["number"], nodes[1]["number"], "{report:#}");
    // Round-robin over two nodes: each call is deleted through the node it was not created
    // through, so its delete is forwarded exactly when the create was not placed elsewhere.
    assert_eq!(
        figure(&report, "deletesForwarded") + figure(&report, "createsPlacedElsewhere"),
        CALLS as f64,
        "{report:#}"
    );
    assert_eq!(figure(&report, "hopPairs"), 20.0);
    check_latencies(
        &report,
        &[
            "hop: GET call at its owner",
            "hop: GET call via another node",
        ],
        20,
    );
    let p50 = figure(&report, "hopAddedP50Ms");
    assert!(p50 > 0.0 && p50 < 1_000.0, "the hop adds time: {report:#}");
}

#[test]
fn a_cluster_is_for_graph_setup_only() {
    let output = Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["bench", "acs-setup", "--calls", "1", "--nodes", "2"])
        .env_remove("RINGSIDE_BENCH_DATA_DIR")
        .output()
        .expect("ringside bench runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("graph-setup only"), "{stderr}");
}

#[test]
fn graph_incoming_runs_tiny() {
    let report = bench("graph-incoming", &["--rate", "20"]);
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    check_latencies(
        &report,
        &[
            "dial → incoming notification",
            "answer → established notification",
            "playPrompt (200 ms) → completed",
            "delete (204)",
        ],
        CALLS,
    );
    // The 200 ms prompt was played, not skipped.
    let played = &report["latencyMs"]["playPrompt (200 ms) → completed"];
    assert!(played["p50"].as_f64().unwrap_or(0.0) >= 150.0, "{played}");
}

#[test]
fn media_soak_runs_tiny() {
    let report = bench("media-soak", &["--duration", "2s", "--warmup", "1s"]);
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    check_latencies(&report, &["dial request (201)"], CALLS);
    assert_eq!(figure(&report, "concurrentCalls"), CALLS as f64);
    // Two keys per call (warm-up + measured − 1 s), every one detected, nothing false.
    assert_eq!(figure(&report, "digitsSent"), 2.0 * CALLS as f64);
    assert_eq!(
        figure(&report, "digitsDetected"),
        figure(&report, "digitsSent"),
        "{report:#}"
    );
    assert_eq!(figure(&report, "digitsFalse"), 0.0, "{report:#}");
    assert_eq!(figure(&report, "digitAccuracy"), 1.0);
    // The media clock ran for the measured 2 s (50 ticks/s on each shard) with the calls on it.
    assert!(figure(&report, "ticks") >= 80.0, "{report:#}");
    assert!(figure(&report, "mediaConversations") >= CALLS as f64);
    assert!(figure(&report, "latenessMaxMs") >= figure(&report, "latenessP50Ms"));
    assert!(figure(&report, "cpuCores") > 0.0);
}

#[test]
fn acs_stream_runs_tiny() {
    let report = bench("acs-stream", &["--duration", "2s", "--warmup", "1s"]);
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    assert_eq!(figure(&report, "streams"), CALLS as f64);
    // 50 frames per second per stream, give or take the edges of the window.
    let fps = figure(&report, "framesPerSec");
    assert!((200.0..=300.0).contains(&fps), "{fps} frames/s: {report:#}");
    let lateness = &report["latencyMs"]["frame lateness at the sink"];
    assert!(
        lateness["count"].as_u64().is_some_and(|n| n >= 400),
        "{lateness}"
    );
    assert!(
        lateness["p99"].as_f64().is_some_and(|v| v > 0.0),
        "{lateness}"
    );
    check_latencies(&report, &["createCall → MediaStreamingStarted"], CALLS);
}

#[test]
fn acs_setup_runs_tiny() {
    let report = bench("acs-setup", &["--concurrency", "2"]);
    assert_eq!(report["completed"].as_u64(), Some(CALLS));
    assert_eq!(figure(&report, "answerCalls"), CALLS as f64);
    assert_eq!(figure(&report, "answerFailed"), 0.0);
    check_latencies(
        &report,
        &[
            "createCall (201)",
            "createCall → CallConnected",
            "hangUp (204)",
            "dial → IncomingCall (Event Grid)",
            "answerCall (200)",
            "answerCall → CallConnected",
        ],
        CALLS,
    );
}

#[test]
fn an_unknown_data_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["bench", "graph-setup", "--calls", "1", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("ringside bench runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dev.json"), "{stderr}");
}
