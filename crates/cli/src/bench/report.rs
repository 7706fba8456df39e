//! A scenario's result: counts, rate, latency percentiles (from HDR histograms), the server
//! process's CPU and memory, scenario figures, and the machine it ran on; printed as a summary
//! table or as one JSON object (`--json`, the input of scripts/bench-plot.py).

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{json, Map, Value};

use super::measure;
use super::plan::Plan;

/// Percentiles of one step, milliseconds.
#[derive(Clone, Debug)]
pub(crate) struct Summary {
    pub(crate) count: u64,
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) p999: f64,
    pub(crate) max: f64,
    pub(crate) mean: f64,
}

impl Summary {
    pub(crate) fn of(histogram: &Histogram<u64>) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: histogram.len(),
            p50: ms(histogram.value_at_quantile(0.5)),
            p90: ms(histogram.value_at_quantile(0.9)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p999: ms(histogram.value_at_quantile(0.999)),
            max: ms(histogram.max()),
            mean: histogram.mean() / 1000.0,
        }
    }

    fn to_json(&self) -> Value {
        let r = |v: f64| (v * 1000.0).round() / 1000.0;
        json!({
            "count": self.count,
            "p50": r(self.p50),
            "p90": r(self.p90),
            "p99": r(self.p99),
            "p999": r(self.p999),
            "max": r(self.max),
            "mean": r(self.mean),
        })
    }
}

/// A scenario figure: JSON key, human label, value and unit.
#[derive(Clone, Debug)]
pub(crate) struct Figure {
    key: String,
    label: String,
    value: Value,
    unit: String,
}

/// One node of a cluster (or the only node) as the bench saw it.
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeFigures {
    pub(crate) name: String,
    /// The number its ids carry (0: not in a cluster).
    pub(crate) number: u16,
    pub(crate) pid: Option<u32>,
    pub(crate) cpu_cores: Option<f64>,
    pub(crate) rss: Option<u64>,
}

/// What a scenario measured.
#[derive(Debug, Default)]
pub(crate) struct Report {
    scenario: String,
    params: Value,
    /// Calls attempted.
    pub(crate) calls: usize,
    /// Calls that went through every step.
    pub(crate) completed: usize,
    pub(crate) failed: usize,
    pub(crate) errors: Vec<String>,
    /// Time the calls took (the rate's denominator).
    pub(crate) wall: Duration,
    latencies: Vec<(String, Summary)>,
    figures: Vec<Figure>,
    /// Server process id, CPU cores, RSS.
    pub(crate) server_pid: Option<u32>,
    pub(crate) server_cpu_cores: Option<f64>,
    pub(crate) server_rss: Option<u64>,
    pub(crate) server_threads: Option<u64>,
    pub(crate) steal_cores: Option<f64>,
    /// Per node, when the scenario measured them (graph-setup).
    pub(crate) nodes: Vec<NodeFigures>,
    /// `sqlite`, `postgres (throwaway)` or `postgres (URL)`.
    pub(crate) store: String,
    /// The self-started PostgreSQL server (postmaster and backends): CPU cores, memory (PSS).
    pub(crate) database_cpu_cores: Option<f64>,
    pub(crate) database_pss: Option<u64>,
    load_before: Option<[f64; 3]>,
    load_after: Option<[f64; 3]>,
}

impl Report {
    pub(crate) fn new(server_pid: Option<u32>) -> Report {
        Report {
            server_pid,
            ..Report::default()
        }
    }

    pub(crate) fn latencies(&mut self, histograms: Vec<(String, Histogram<u64>)>) {
        for (name, histogram) in histograms {
            if !histogram.is_empty() {
                self.latencies.push((name, Summary::of(&histogram)));
            }
        }
    }

    pub(crate) fn figure(&mut self, key: &str, label: &str, value: Value, unit: &str) {
        self.figures.push(Figure {
            key: key.into(),
            label: label.into(),
            value,
            unit: unit.into(),
        });
    }

    pub(crate) fn errors(&mut self, errors: &[String]) {
        for error in errors {
            if self.errors.len() < 8 && !self.errors.contains(error) {
                self.errors.push(error.clone());
            }
        }
    }

    /// Fills in what every report carries once the scenario is done (`load_before`: the load
    /// average when the bench started).
    pub(crate) fn finish(&mut self, scenario: &str, plan: &Plan, load_before: Option<[f64; 3]>) {
        self.load_before = load_before;
        self.scenario = scenario.to_string();
        self.params = json!({
            "calls": plan.calls,
            "rate": plan.rate,
            "concurrency": plan.concurrency,
            "durationSecs": plan.duration.map(|d| d.as_secs_f64()),
            "warmupSecs": plan.warmup.as_secs_f64(),
        });
        self.load_after = measure::load_average();
    }

    fn calls_per_sec(&self) -> f64 {
        self.completed as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    pub(crate) fn to_json(&self) -> Value {
        let latency: Map<String, Value> = self
            .latencies
            .iter()
            .map(|(name, s)| (name.clone(), s.to_json()))
            .collect();
        let figures: Map<String, Value> = self
            .figures
            .iter()
            .map(|f| (f.key.clone(), f.value.clone()))
            .collect();
        json!({
            "scenario": self.scenario,
            "params": self.params,
            "calls": self.calls,
            "completed": self.completed,
            "failed": self.failed,
            "errors": self.errors,
            "wallSecs": self.wall.as_secs_f64(),
            "callsPerSec": (self.calls_per_sec() * 10.0).round() / 10.0,
            "latencyMs": latency,
            "figures": figures,
            "server": {
                "pid": self.server_pid,
                "cpuCores": self.server_cpu_cores,
                "rssBytes": self.server_rss,
                "threads": self.server_threads,
            },
            "store": self.store,
            "nodes": self.nodes.iter().map(|n| json!({
                "name": n.name,
                "number": n.number,
                "pid": n.pid,
                "cpuCores": n.cpu_cores,
                "rssBytes": n.rss,
            })).collect::<Vec<_>>(),
            "database": {
                "cpuCores": self.database_cpu_cores,
                "pssBytes": self.database_pss,
            },
            "machine": {
                "cores": std::thread::available_parallelism().map(usize::from).ok(),
                "cpu": cpu_model(),
                "loadBefore": self.load_before,
                "loadAfter": self.load_after,
                "stealCores": self.steal_cores,
            },
            "version": env!("CARGO_PKG_VERSION"),
        })
    }

    pub(crate) fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "ringside bench {}  {}", self.scenario, self.params);
        let _ = writeln!(
            out,
            "  calls {} — completed {}, failed {} in {:.2} s → {:.1} calls/s",
            self.calls,
            self.completed,
            self.failed,
            self.wall.as_secs_f64(),
            self.calls_per_sec()
        );
        if !self.latencies.is_empty() {
            let _ = writeln!(
                out,
                "  {:<40} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max"
            );
            for (name, s) in &self.latencies {
                let _ = writeln!(
                    out,
                    "  {:<40} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                    name, s.count, s.p50, s.p90, s.p99, s.p999, s.max
                );
            }
        }
        for f in &self.figures {
            let value = match &f.value {
                Value::Number(n) => match n.as_f64() {
                    Some(v) if v.fract() != 0.0 => format!("{v:.3}"),
                    _ => n.to_string(),
                },
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "  {:<40} {value} {}", f.label, f.unit);
        }
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let who = if self.nodes.len() > 1 {
            format!("{} servers, all together", self.nodes.len())
        } else {
            format!(
                "server pid {}",
                self.server_pid
                    .map_or_else(|| "unknown".into(), |p| p.to_string())
            )
        };
        let _ = writeln!(
            out,
            "  {who}: cpu {} cores, rss {}",
            self.server_cpu_cores
                .map_or_else(|| "n/a".into(), |c| format!("{c:.3}")),
            self.server_rss
                .map_or_else(|| "n/a".into(), |b| format!("{:.1} MiB", mib(b))),
        );
        self.node_lines(&mut out);
        let load = |l: Option<[f64; 3]>| {
            l.map_or_else(
                || "n/a".into(),
                |l| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]),
            )
        };
        let _ = writeln!(
            out,
            "  machine: {} cores ({}), load before {}, after {}{}",
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1),
            cpu_model().unwrap_or_else(|| "unknown cpu".into()),
            load(self.load_before),
            load(self.load_after),
            self.steal_cores
                .map_or_else(String::new, |s| format!(", steal {s:.3} cores")),
        );
        for error in &self.errors {
            let _ = writeln!(out, "  error: {error}");
        }
        out
    }
}

impl Report {
    /// Each node's resident memory (in node order); with more than one node the server's is
    /// their sum.
    pub(crate) fn node_memory(&mut self, rss: &[Option<u64>]) {
        for (node, rss) in self.nodes.iter_mut().zip(rss) {
            node.rss = *rss;
        }
        if self.nodes.len() > 1 {
            self.server_rss = self.nodes.iter().map(|n| n.rss).sum();
        }
    }

    /// The store, each node's CPU and memory (when there is more than one), and the database's.
    fn node_lines(&self, out: &mut String) {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        if !self.store.is_empty() {
            let _ = writeln!(out, "  store: {}", self.store);
        }
        if self.nodes.len() > 1 {
            for n in &self.nodes {
                let _ = writeln!(
                    out,
                    "    node {} ({:04x}) pid {}: cpu {} cores, rss {}",
                    n.name,
                    n.number,
                    n.pid.map_or_else(|| "unknown".into(), |p| p.to_string()),
                    n.cpu_cores
                        .map_or_else(|| "n/a".into(), |c| format!("{c:.3}")),
                    n.rss
                        .map_or_else(|| "n/a".into(), |b| format!("{:.1} MiB", mib(b))),
                );
            }
        }
        if self.database_cpu_cores.is_some() || self.database_pss.is_some() {
            let _ = writeln!(
                out,
                "  postgres (postmaster + backends): cpu {} cores, pss {}",
                self.database_cpu_cores
                    .map_or_else(|| "n/a".into(), |c| format!("{c:.3}")),
                self.database_pss
                    .map_or_else(|| "n/a".into(), |b| format!("{:.1} MiB", mib(b))),
            );
        }
    }
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_renders_counts_percentiles_and_figures() {
        let mut histogram = measure::histogram();
        for ms in 1..=100u64 {
            histogram.record(ms * 1000).expect("in range");
        }
        let mut report = Report::new(None);
        report.calls = 100;
        report.completed = 99;
        report.failed = 1;
        report.wall = Duration::from_secs(2);
        report.latencies(vec![
            ("create".into(), histogram),
            ("empty".into(), measure::histogram()),
        ]);
        report.figure("digitsDetected", "digits detected", json!(10), "");
        report.finish(
            "graph-setup",
            &Plan {
                calls: 100,
                rate: None,
                duration: None,
                concurrency: 8,
                warmup: Duration::ZERO,
                hop_pairs: 0,
            },
            Some([0.5, 0.4, 0.3]),
        );
        assert_eq!(report.to_json()["machine"]["loadBefore"][0], 0.5);
        let value = report.to_json();
        assert_eq!(value["completed"], 99);
        assert_eq!(value["callsPerSec"], 49.5);
        let create = &value["latencyMs"]["create"];
        assert_eq!(create["count"], 100);
        assert!((create["p50"].as_f64().unwrap() - 50.0).abs() < 0.1);
        assert!((create["p99"].as_f64().unwrap() - 99.0).abs() < 0.1);
        assert!(value["latencyMs"].get("empty").is_none());
        assert_eq!(value["figures"]["digitsDetected"], 10);
        let table = report.table();
        assert!(table.contains("49.5 calls/s"), "{table}");
        assert!(table.contains("digits detected"), "{table}");
    }
}
