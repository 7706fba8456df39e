//! What the bench measures with: named HDR latency histograms, the server process's CPU time and
//! resident memory from `/proc/<pid>`, the machine's load average, a paced and bounded call driver,
//! and the progress line on stderr.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use hdrhistogram::Histogram;

/// A latency histogram in microseconds, 1 µs to 10 min at 3 significant figures.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant, valid histogram bounds")
}

/// Microseconds of a duration, clamped into the histogram's range.
pub(crate) fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .clamp(1, 600_000_000)
}

/// Named latency histograms, in the order first recorded (a handful of names: a list is enough).
#[derive(Default)]
pub(crate) struct Latencies {
    inner: Mutex<Vec<(String, Histogram<u64>)>>,
}

impl Latencies {
    fn with(&self, name: &str, f: impl FnOnce(&mut Histogram<u64>)) {
        let mut list = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let at = match list.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                list.push((name.to_string(), histogram()));
                list.len() - 1
            }
        };
        f(&mut list[at].1);
    }

    pub(crate) fn record(&self, name: &str, duration: Duration) {
        self.with(name, |h| {
            let _ = h.record(micros(duration));
        });
    }

    /// Adds a histogram recorded elsewhere (e.g. a WebSocket sink's) under `name`.
    pub(crate) fn merge(&self, name: &str, other: &Histogram<u64>) {
        self.with(name, |h| {
            let _ = h.add(other);
        });
    }

    /// The histograms in recording order.
    pub(crate) fn take(&self) -> Vec<(String, Histogram<u64>)> {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Kernel clock ticks per second for `/proc/<pid>/stat` (USER_HZ, 100 on mainstream Linux).
const USER_HZ: u64 = 100;

/// CPU time (user + system, all threads) of process `pid`.
pub(crate) fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_cpu(&stat)
}

fn stat_cpu(stat: &str) -> Option<Duration> {
    let fields = stat_fields(stat)?;
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / USER_HZ))
}

/// The fields of a `/proc/<pid>/stat` line after the command name (state is field 0, the parent
/// id field 1, utime 11, stime 12, cutime 13, cstime 14).
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    Some(rest.split_whitespace().collect())
}

/// CPU time of process `pid` and its children: its own and its reaped children's (cutime,
/// cstime) and that of the children still running — a PostgreSQL postmaster and its backends.
pub(crate) fn tree_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields = stat_fields(&stat)?;
    let ticks = |range: std::ops::Range<usize>| -> Option<u64> {
        range.map(|i| fields.get(i)?.parse::<u64>().ok()).sum()
    };
    let own = Duration::from_millis(ticks(11..15)? * 1000 / USER_HZ);
    let children: Duration = children_of(pid).into_iter().filter_map(process_cpu).sum();
    Some(own + children)
}

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| Some(stat_fields(&stat)?.get(1)?.parse::<u32>().ok()? == pid))
                .unwrap_or(false)
        })
        .collect()
}

/// Proportional memory (PSS: shared pages split among their users) of process `pid` and its
/// children, bytes — PostgreSQL's shared buffers counted once, not once per backend.
pub(crate) fn tree_pss(pid: u32) -> Option<u64> {
    let pss = |p: u32| -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).ok()?;
        status_kib(&text, "Pss:").map(|kib| kib * 1024)
    };
    let own = pss(pid)?;
    Some(own + children_of(pid).into_iter().filter_map(pss).sum::<u64>())
}

/// Resident memory (`VmRSS`) of process `pid`, bytes.
pub(crate) fn process_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_kib(&status, "VmRSS:").map(|kib| kib * 1024)
}

/// Threads of process `pid`.
pub(crate) fn process_threads(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_kib(&status, "Threads:")
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1, 5 and 15 minute load averages.
pub(crate) fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// Steal time of the whole machine (all CPUs) so far, from `/proc/stat` (the hypervisor running
/// something else on our vCPUs).
pub(crate) fn steal_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let steal: u64 = line.split_whitespace().nth(8)?.parse().ok()?;
    Some(Duration::from_millis(steal * 1000 / USER_HZ))
}

/// CPU time of a process (or a process tree) over a window, in cores (1.0 = one core busy), with
/// its start reading.
pub(crate) struct CpuWindow {
    pid: Option<u32>,
    read: fn(u32) -> Option<Duration>,
    cpu: Option<Duration>,
    steal: Option<Duration>,
    start: Instant,
}

/// What a [`CpuWindow`] saw.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CpuFigures {
    pub(crate) cores: Option<f64>,
    pub(crate) steal_cores: Option<f64>,
    pub(crate) wall: Duration,
}

impl CpuWindow {
    pub(crate) fn start(pid: Option<u32>) -> CpuWindow {
        CpuWindow::start_with(pid, process_cpu)
    }

    /// A window over process `pid` and its children ([`tree_cpu`]).
    pub(crate) fn start_tree(pid: Option<u32>) -> CpuWindow {
        CpuWindow::start_with(pid, tree_cpu)
    }

    fn start_with(pid: Option<u32>, read: fn(u32) -> Option<Duration>) -> CpuWindow {
        CpuWindow {
            pid,
            read,
            cpu: pid.and_then(read),
            steal: steal_time(),
            start: Instant::now(),
        }
    }

    pub(crate) fn end(&self) -> CpuFigures {
        let wall = self.start.elapsed();
        let secs = wall.as_secs_f64().max(1e-9);
        let cores = match (self.pid.and_then(self.read), self.cpu) {
            (Some(now), Some(then)) => Some(now.saturating_sub(then).as_secs_f64() / secs),
            _ => None,
        };
        let steal_cores = match (steal_time(), self.steal) {
            (Some(now), Some(then)) => Some(now.saturating_sub(then).as_secs_f64() / secs),
            _ => None,
        };
        CpuFigures {
            cores,
            steal_cores,
            wall,
        }
    }
}

/// Counters behind the progress line.
pub(crate) struct Progress {
    label: String,
    phase: Mutex<String>,
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    phase_start: Mutex<Instant>,
    stop: AtomicBool,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Progress {
    /// Starts the progress line (every 250 ms on stderr, only when it is a terminal and `show`).
    pub(crate) fn start(label: &str, show: bool) -> Arc<Progress> {
        let progress = Arc::new(Progress {
            label: label.to_string(),
            phase: Mutex::new("starting the server".into()),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            phase_start: Mutex::new(Instant::now()),
            stop: AtomicBool::new(false),
            task: Mutex::new(None),
        });
        if show && std::io::stderr().is_terminal() {
            let shown = progress.clone();
            let task = tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(250));
                while !shown.stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    shown.draw();
                }
            });
            *progress.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        }
        progress
    }

    /// A new phase of `total` steps (0 = a timed phase without a count).
    pub(crate) fn phase(&self, phase: &str, total: usize) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase.to_string();
        *self.phase_start.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.failed.store(0, Ordering::Relaxed);
    }

    pub(crate) fn step(&self, ok: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn draw(&self) {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let elapsed = self
            .phase_start
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
            .as_secs_f64();
        let (total, done, failed) = (
            self.total.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        );
        let line = if total > 0 {
            let width = 24;
            let filled = (done * width / total.max(1)).min(width);
            format!(
                "{} {}: [{}{}] {done}/{total} {:.0}/s, {failed} failed, {elapsed:.1} s",
                self.label,
                phase,
                "#".repeat(filled),
                "-".repeat(width - filled),
                done as f64 / elapsed.max(1e-3),
            )
        } else {
            format!("{} {}: {elapsed:.1} s", self.label, phase)
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    /// Stops and clears the progress line.
    pub(crate) fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            task.abort();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// How a driven phase went.
#[derive(Debug, Default)]
pub(crate) struct Outcome<T> {
    pub(crate) ok: Vec<T>,
    pub(crate) failed: usize,
    /// The first few distinct error messages.
    pub(crate) errors: Vec<String>,
    pub(crate) wall: Duration,
}

/// Runs `f(0..calls)`: started at `rate` per second (unpaced when `None`), at most `concurrency`
/// at once, no new start after `limit`; counts each on `progress`.
pub(crate) async fn drive<T, F, Fut>(
    calls: usize,
    rate: Option<f64>,
    concurrency: usize,
    limit: Option<Duration>,
    progress: &Progress,
    f: F,
) -> Outcome<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let mut outcome = Outcome {
        ok: Vec::with_capacity(calls),
        failed: 0,
        errors: Vec::new(),
        wall: Duration::ZERO,
    };
    let start = Instant::now();
    let mut collect = |joined: Result<Result<T>, tokio::task::JoinError>| {
        let result = joined.map_err(anyhow::Error::from).and_then(|r| r);
        progress.step(result.is_ok());
        match result {
            Ok(value) => outcome.ok.push(value),
            Err(error) => {
                outcome.failed += 1;
                let text = format!("{error:#}");
                if outcome.errors.len() < 5 && !outcome.errors.contains(&text) {
                    outcome.errors.push(text);
                }
            }
        }
    };
    for i in 0..calls {
        if let Some(rate) = rate {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        }
        if limit.is_some_and(|limit| start.elapsed() >= limit) {
            break;
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let future = f(i);
        set.spawn(async move {
            let result = future.await;
            drop(permit);
            result
        });
        while let Some(joined) = set.try_join_next() {
            collect(joined);
        }
    }
    while let Some(joined) = set.join_next().await {
        collect(joined);
    }
    outcome.wall = start.elapsed();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_and_status_lines_parse() {
        let line = "1234 (ring side (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 5 6 7";
        assert_eq!(stat_cpu(line), Some(Duration::from_secs(3)));
        assert_eq!(stat_cpu("garbage"), None);
        assert_eq!(stat_fields(line).and_then(|f| f.get(1).copied()), Some("1"));
        let status = "Name:\tringside\nVmRSS:\t  20480 kB\nThreads:\t9\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(20480));
        assert_eq!(status_kib(status, "Threads:"), Some(9));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn latencies_keep_their_recording_order() {
        let latencies = Latencies::default();
        latencies.record("b", Duration::from_millis(2));
        latencies.record("a", Duration::from_millis(1));
        latencies.record("b", Duration::from_millis(4));
        let taken = latencies.take();
        let names: Vec<&str> = taken.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(taken[0].1.len(), 2);
        assert!(taken[0].1.max() >= 3_990);
    }

    #[test]
    fn this_process_tree_has_cpu_and_memory() {
        let me = std::process::id();
        let own = process_cpu(me).expect("own cpu");
        assert!(tree_cpu(me).expect("tree cpu") >= own);
        assert!(tree_pss(me).expect("pss") > 1 << 20);
    }

    #[tokio::test]
    async fn the_driver_bounds_concurrency_and_counts_failures() {
        let progress = Progress::start("test", false);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let outcome = drive(40, None, 3, None, &progress, |i| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, Ordering::SeqCst);
                if i % 10 == 0 {
                    anyhow::bail!("call {i} failed on purpose");
                }
                Ok(i)
            }
        })
        .await;
        assert_eq!(outcome.ok.len(), 36);
        assert_eq!(outcome.failed, 4);
        assert_eq!(outcome.errors.len(), 4);
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(progress.done.load(Ordering::Relaxed), 40);
    }
}
