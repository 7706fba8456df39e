//! `ringside bench sip`: SIPp as the load — PSTN callers behind the dev trunk calling the Graph
//! bot's number with G.711 audio both ways (SIPp's pcap, looped for `--duration`) and an RFC 4733
//! digit, at `--rate` calls per second up to `--concurrency` at once — against the server's SIP
//! gateway; the bot is the built-in responder (announcement, then echo of what it hears). Reports
//! SIPp's successful and failed calls, the set-up rate, the server's CPU and memory per concurrent
//! call. SIPp runs on the same two cores and takes its share.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use super::measure::{self, CpuWindow, Progress};
use super::plan::Plan;
use super::report::Report;
use super::target::Server;

/// The SIPp scenario (`LOOPS` is the number of 7 s audio loops).
const SCENARIO: &str = include_str!("sip_uac.xml");
/// Length of SIPp's `g711a.pcap`, one loop.
const LOOP: Duration = Duration::from_millis(7_100);

/// Runs the scenario and measures it.
pub(crate) async fn calls(server: &Server, plan: &Plan, progress: &Progress) -> Result<Report> {
    let udp = server
        .dev
        .sip
        .as_ref()
        .and_then(|sip| sip["udp"].as_str())
        .ok_or_else(|| anyhow!("the server has no SIP listener (dev.json has no sip.udp)"))?
        .to_string();
    let bot = server.graph_bot_number()?;
    let hold = plan.duration.unwrap_or(Duration::from_secs(20));
    let loops = (hold.as_secs_f64() / LOOP.as_secs_f64()).ceil().max(1.0) as u32;
    let dir = tempfile::tempdir().context("creating SIPp's directory")?;
    std::os::unix::fs::symlink("/usr/share/sip-tester", dir.path().join("pcap"))
        .context("linking SIPp's pcap directory")?;
    let scenario = dir.path().join("uac.xml");
    std::fs::write(&scenario, SCENARIO.replace("LOOPS", &loops.to_string()))?;
    let rate = plan.rate.unwrap_or(20.0);
    progress.phase("SIPp calls", plan.calls);
    let rss_before = server.pid.and_then(measure::process_rss).unwrap_or(0);
    let window = CpuWindow::start(server.pid);
    let started = Instant::now();
    let mut child = sipp(dir.path(), &scenario, &udp, &bot, rate, plan)?;
    let mut peak_rss = 0u64;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.context("waiting for SIPp")?,
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                peak_rss = peak_rss.max(server.pid.and_then(measure::process_rss).unwrap_or(0));
            }
        }
    };
    let cpu = window.end();
    let stats = last_stats(&dir.path().join("stats.csv"))?;
    let mut report = Report::new(server.pid);
    report.calls = plan.calls;
    report.completed = stats.successful;
    report.failed = stats
        .failed
        .max(plan.calls.saturating_sub(stats.successful));
    report.wall = started.elapsed();
    report.server_cpu_cores = cpu.cores;
    report.steal_cores = cpu.steal_cores;
    report.server_rss = Some(peak_rss);
    if !status.success() {
        report.errors(&[format!("SIPp exited with {status}")]);
    }
    let added = peak_rss.saturating_sub(rss_before);
    // The average number of calls up over the window (calls × length / wall): CPU is averaged
    // over the same window, ramps included.
    let length = LOOP.as_secs_f64() * f64::from(loops) + 0.5;
    let average = stats.successful as f64 * length / report.wall.as_secs_f64().max(1e-9);
    let measured = Measured {
        rate,
        loops,
        stats,
        cores: cpu.cores,
        rss: added,
        average,
    };
    figures(&mut report, plan, &measured);
    Ok(report)
}

/// Starts SIPp.
fn sipp(
    dir: &Path,
    scenario: &Path,
    udp: &str,
    bot: &str,
    rate: f64,
    plan: &Plan,
) -> Result<tokio::process::Child> {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let seconds = (plan.calls as f64 / rate) as u64 + 120;
    tokio::process::Command::new("sipp")
        .arg(udp)
        .arg("-sf")
        .arg(scenario)
        .args(["-s", bot, "-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args(["-p", &port.to_string()])
        .args(["-r", &format!("{rate}"), "-rp", "1000"])
        .args(["-l", &plan.concurrency.to_string()])
        .args(["-m", &plan.calls.to_string()])
        .args(["-nostdin", "-trace_stat", "-stf", "stats.csv", "-fd", "1"])
        .args(["-timeout", &format!("{seconds}s")])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow!("starting sipp (apt-get install sip-tester): {e}"))
}

/// SIPp's cumulative counters at the end.
#[derive(Debug, Default)]
struct SippStats {
    successful: usize,
    failed: usize,
    retransmissions: usize,
    peak_concurrent: usize,
}

/// Reads the last line of SIPp's `-trace_stat` CSV (`;`-separated, named columns).
fn last_stats(path: &Path) -> Result<SippStats> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| anyhow!("empty SIPp stats"))?
        .split(';')
        .collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    let Some(last) = rows.last() else {
        bail!("SIPp wrote no statistics");
    };
    let column = |name: &str, row: &Vec<&str>| -> usize {
        header
            .iter()
            .position(|h| *h == name)
            .and_then(|i| row.get(i))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    Ok(SippStats {
        successful: column("SuccessfulCall(C)", last),
        failed: column("FailedCall(C)", last),
        retransmissions: column("Retransmissions(C)", last),
        peak_concurrent: rows
            .iter()
            .map(|r| column("CurrentCall", r))
            .max()
            .unwrap_or(0),
    })
}

/// What one run measured.
struct Measured {
    rate: f64,
    loops: u32,
    stats: SippStats,
    cores: Option<f64>,
    /// RSS growth, bytes.
    rss: u64,
    /// Calls up on average.
    average: f64,
}

fn figures(report: &mut Report, plan: &Plan, m: &Measured) {
    let (rate, loops, stats, cores, rss, average) =
        (m.rate, m.loops, &m.stats, m.cores, m.rss, m.average);
    let concurrent = stats.peak_concurrent.max(1);
    report.figure("rate", "set-up rate asked", json!(rate), "calls/s");
    report.figure(
        "peak_concurrent",
        "peak concurrent calls (SIPp)",
        json!(stats.peak_concurrent),
        "calls",
    );
    report.figure(
        "hold",
        "call length",
        json!((LOOP.as_secs_f64() * f64::from(loops) + 0.5).round()),
        "s",
    );
    report.figure(
        "rtp_packets",
        "RTP packets/s at the peak, both ways (PCMA 30 ms in, 20 ms out)",
        json!((concurrent as f64 * (1000.0 / 30.0 + 50.0)).round()),
        "packets/s",
    );
    report.figure(
        "retransmissions",
        "SIP retransmissions (SIPp)",
        json!(stats.retransmissions),
        "",
    );
    report.figure(
        "average_concurrent",
        "average calls up over the run",
        json!(average.round()),
        "calls",
    );
    if let Some(cores) = cores {
        report.figure(
            "cpu_per_call",
            "server CPU per call up (average over the run)",
            json!(cores * 100.0 / average.max(1.0)),
            "% of a core",
        );
    }
    report.figure(
        "rss_per_call",
        "server RSS growth per concurrent call (peak − before, over the peak)",
        json!(rss / concurrent as u64 / 1024),
        "KiB",
    );
    report.figure(
        "concurrency_limit",
        "SIPp concurrency limit",
        json!(plan.concurrency),
        "calls",
    );
}
