//! What one shard shares between the side that ticks it (a [`MediaClock`](crate::MediaClock)
//! thread) and every other thread, without a lock the ticking side ever takes: the command inbox
//! (a lock-free queue), the figures (atomics and [`AtomicHistogram`]s) and the published bot
//! recordings (a lock-free queue the takers drain); and [`Worker`], one sub-tick of a shard's
//! plane and its RTP legs ([`crate::rtp`]).
//!
//! # Why `crossbeam_queue::SegQueue` for the inbox
//!
//! Senders are tokio workers and must never block, and commands must never be dropped (the engine
//! would wait forever for their signals), so the inbox is unbounded like the `Vec` it replaces;
//! a push is one CAS on the tail plus a slot write, a pop one CAS on the head, and segments of 31
//! slots are allocated by senders. No lock is shared with the shard thread. The one wait left: a
//! pop that reaches a slot whose sender reserved it but was preempted before writing it spins
//! (crossbeam's backoff, then yields) until that sender runs again — a window of a few
//! instructions on the sender's side, against the old `try_lock` that skipped the tick's commands
//! instead. The shard takes at most the commands queued when its sub-tick starts, so a steady
//! stream of sends cannot hold a tick.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_queue::SegQueue;

use crate::command::{MediaCommand, MediaOutput};
use crate::histogram::{AtomicHistogram, Histogram};
use crate::plane::MediaPlane;
use crate::rtp::RtpLegs;
use crate::stats::{ClockStats, RtpFigures, ShardStats, RTP_COUNTERS};

pub use crate::plane::PHASES;

/// Where outputs go (called on the ticking thread).
pub(crate) type Sink = Arc<dyn Fn(MediaOutput) + Send + Sync + 'static>;

/// `cpu_nanos` when the thread's CPU time has not been read.
const NO_CPU: u64 = u64::MAX;

/// One shard's inbox, stop flag and figures.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) inbox: SegQueue<MediaCommand>,
    pub(crate) stop: AtomicBool,
    pub(crate) figures: Figures,
}

/// One shard's figures: written by the ticking side with relaxed atomics, read and reset by
/// anyone.
#[derive(Debug)]
pub(crate) struct Figures {
    ticks: AtomicU64,
    skipped: AtomicU64,
    commands: AtomicU64,
    lateness: AtomicHistogram,
    work: AtomicHistogram,
    conversations: AtomicUsize,
    legs: AtomicUsize,
    cpu_nanos: AtomicU64,
    realtime: AtomicBool,
    rtp_legs: AtomicUsize,
    /// [`RtpFigures::counters`], summed.
    rtp: [AtomicU64; RTP_COUNTERS],
}

impl Default for Figures {
    fn default() -> Self {
        Figures {
            ticks: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            commands: AtomicU64::new(0),
            lateness: AtomicHistogram::new(),
            work: AtomicHistogram::new(),
            conversations: AtomicUsize::new(0),
            legs: AtomicUsize::new(0),
            cpu_nanos: AtomicU64::new(NO_CPU),
            realtime: AtomicBool::new(false),
            rtp_legs: AtomicUsize::new(0),
            rtp: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// What one sub-tick did.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SubTick {
    /// The sub-tick ran the frame's last phase (a whole 20 ms tick is done).
    pub(crate) frame_done: bool,
    /// Frames skipped before it.
    pub(crate) skipped: u64,
    /// Commands applied.
    pub(crate) applied: u64,
    /// Wake − deadline, µs.
    pub(crate) late_us: u64,
    /// Commands, tick and sink, µs.
    pub(crate) work_us: u64,
    /// The thread's CPU time, when read.
    pub(crate) cpu: Option<Duration>,
}

/// The size of a worker's plane and RTP legs after a sub-tick, and its RTP counts during it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Load {
    pub(crate) conversations: usize,
    pub(crate) legs: usize,
    pub(crate) rtp: RtpFigures,
}

impl Figures {
    /// Counts a sub-tick of a worker that now holds `load`.
    pub(crate) fn record(&self, t: &SubTick, load: &Load) {
        if t.frame_done {
            self.ticks.fetch_add(1, Ordering::Relaxed);
        }
        if t.skipped > 0 {
            self.skipped.fetch_add(t.skipped, Ordering::Relaxed);
        }
        if t.applied > 0 {
            self.commands.fetch_add(t.applied, Ordering::Relaxed);
        }
        self.lateness.record(t.late_us);
        self.work.record(t.work_us);
        self.conversations
            .store(load.conversations, Ordering::Relaxed);
        self.legs.store(load.legs, Ordering::Relaxed);
        self.rtp_legs.store(load.rtp.legs, Ordering::Relaxed);
        for (sum, n) in self.rtp.iter().zip(load.rtp.counters()) {
            if n > 0 {
                sum.fetch_add(n, Ordering::Relaxed);
            }
        }
        if let Some(cpu) = t.cpu {
            let nanos = u64::try_from(cpu.as_nanos()).unwrap_or(NO_CPU - 1);
            self.cpu_nanos
                .store(nanos.min(NO_CPU - 1), Ordering::Relaxed);
        }
    }

    pub(crate) fn set_realtime(&self, realtime: bool) {
        self.realtime.store(realtime, Ordering::Relaxed);
    }

    /// This shard's figures and its two histograms (for the totals).
    fn read(&self) -> (ShardStats, Histogram, Histogram) {
        let lateness = self.lateness.snapshot();
        let work = self.work.snapshot();
        let us = Duration::from_micros;
        let cpu = self.cpu_nanos.load(Ordering::Relaxed);
        let stats = ShardStats {
            ticks: self.ticks.load(Ordering::Relaxed),
            skipped_frames: self.skipped.load(Ordering::Relaxed),
            commands: self.commands.load(Ordering::Relaxed),
            lateness_p50: us(lateness.quantile(0.5)),
            lateness_p99: us(lateness.quantile(0.99)),
            lateness_max: us(lateness.max()),
            work_p50: us(work.quantile(0.5)),
            work_p99: us(work.quantile(0.99)),
            work_max: us(work.max()),
            conversations: self.conversations.load(Ordering::Relaxed),
            legs: self.legs.load(Ordering::Relaxed),
            realtime: self.realtime.load(Ordering::Relaxed),
            cpu_time: (cpu != NO_CPU).then(|| Duration::from_nanos(cpu)),
            rtp: RtpFigures::from_counters(
                self.rtp_legs.load(Ordering::Relaxed),
                std::array::from_fn(|i| self.rtp.get(i).map_or(0, |a| a.load(Ordering::Relaxed))),
            ),
        };
        (stats, lateness, work)
    }

    /// Clears tick counts, RTP counts and histograms; CPU time, conversations and legs stay.
    fn reset(&self) {
        for counter in &self.rtp {
            counter.store(0, Ordering::Relaxed);
        }
        self.ticks.store(0, Ordering::Relaxed);
        self.skipped.store(0, Ordering::Relaxed);
        self.commands.store(0, Ordering::Relaxed);
        self.lateness.clear();
        self.work.clear();
    }
}

/// Figures of every shard, and lateness over all of them.
pub(crate) fn clock_stats(shards: &[Arc<Shared>]) -> ClockStats {
    let mut all = Histogram::new();
    let mut work = Histogram::new();
    let mut stats = ClockStats::default();
    for shard in shards {
        let (s, lateness, w) = shard.figures.read();
        all.merge(&lateness);
        work.merge(&w);
        stats.ticks += s.ticks;
        stats.conversations += s.conversations;
        stats.rtp.add(&s.rtp);
        stats.shards.push(s);
    }
    stats.lateness_p50 = Duration::from_micros(all.quantile(0.5));
    stats.lateness_p99 = Duration::from_micros(all.quantile(0.99));
    stats.lateness_max = Duration::from_micros(all.max());
    stats.work_p99 = Duration::from_micros(work.quantile(0.99));
    stats
}

/// Clears every shard's tick counts and histograms.
pub(crate) fn reset_stats(shards: &[Arc<Shared>]) {
    for shard in shards {
        shard.figures.reset();
    }
}

/// Finished bot recordings: shards publish into a lock-free queue; takers move them into a map
/// whose lock only takers (never a shard thread) take.
#[derive(Debug, Default)]
pub(crate) struct Recordings {
    published: SegQueue<(String, Vec<u8>)>,
    taken: Mutex<HashMap<String, Vec<u8>>>,
}

impl Recordings {
    /// From the ticking side; lock-free.
    pub(crate) fn publish(&self, handle: String, wav: Vec<u8>) {
        self.published.push((handle, wav));
    }

    /// Takes a recording by handle. Everything published before the caller learnt the handle is
    /// seen: publishing happens before the sink is called.
    pub(crate) fn take(&self, handle: &str) -> Option<Vec<u8>> {
        let mut map = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((h, wav)) = self.published.pop() {
            map.insert(h, wav);
        }
        map.remove(handle)
    }
}

/// One shard's plane, RTP legs and output buffer: the sub-tick both clocks run.
#[derive(Debug, Default)]
pub(crate) struct Worker {
    plane: MediaPlane,
    rtp: RtpLegs,
    outputs: Vec<MediaOutput>,
}

impl Worker {
    /// Applies the commands queued when it starts (RTP ones to the RTP legs), reads the RTP legs
    /// of `phase` into the plane, ticks `phase` of [`PHASES`], sends what those legs heard,
    /// publishes finished recordings, then hands every output to the sink (a panicking sink loses
    /// that output only). `now` is the sub-tick's time for the RTP sessions. Returns the commands
    /// applied.
    pub(crate) fn step(
        &mut self,
        phase: u32,
        now: Instant,
        shared: &Shared,
        recordings: &Recordings,
        sink: &Sink,
    ) -> u64 {
        let Worker {
            plane,
            rtp,
            outputs,
        } = self;
        let mut applied = 0;
        for _ in 0..shared.inbox.len() {
            let Some(command) = shared.inbox.pop() else {
                break;
            };
            if let Some(command) = rtp.handle(command, now, plane, &mut |o| outputs.push(o)) {
                plane.handle(command);
            }
            applied += 1;
        }
        rtp.receive(phase, now, plane, &mut |o| outputs.push(o));
        plane.tick_phase(phase, PHASES, &mut |o| outputs.push(o));
        rtp.send(phase, now, plane);
        plane.drain_recordings(|handle, wav| recordings.publish(handle, wav));
        for output in outputs.drain(..) {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| sink(output)));
        }
        applied
    }

    /// Records a sub-tick in the shard's figures, with the plane's current size and the RTP
    /// counts since the last record.
    pub(crate) fn record(&mut self, shared: &Shared, t: &SubTick) {
        let load = Load {
            conversations: self.plane.conversation_count(),
            legs: self.plane.leg_count(),
            rtp: self.rtp.take_figures(),
        };
        shared.figures.record(t, &load);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    #[test]
    fn recordings_published_are_taken_once() {
        let recordings = Recordings::default();
        recordings.publish("a".into(), vec![1]);
        recordings.publish("b".into(), vec![2]);
        assert_eq!(recordings.take("b"), Some(vec![2]));
        assert_eq!(recordings.take("b"), None);
        assert_eq!(recordings.take("a"), Some(vec![1]));
        assert_eq!(recordings.take("c"), None);
    }

    #[test]
    fn a_step_applies_the_queued_commands_in_order_and_counts_them() {
        let shared = Shared::default();
        let recordings = Recordings::default();
        let outputs = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&outputs);
        let sink: Sink = Arc::new(move |o| {
            if let Ok(mut v) = seen.lock() {
                v.push(o);
            }
        });
        for command in scenario::setup(0, &scenario::prompt()) {
            shared.inbox.push(command);
        }
        let mut worker = Worker::default();
        assert_eq!(
            worker.step(0, Instant::now(), &shared, &recordings, &sink),
            5
        );
        assert!(shared.inbox.is_empty());
        let t = SubTick {
            frame_done: true,
            skipped: 0,
            applied: 5,
            late_us: 7,
            work_us: 3,
            cpu: None,
        };
        worker.record(&shared, &t);
        let stats = clock_stats(&[Arc::new(Shared::default()), Arc::new(shared)]);
        assert_eq!(stats.conversations, 1);
        assert_eq!(stats.shards[1].legs, 2);
        assert_eq!(stats.shards[1].commands, 5);
        assert_eq!(stats.ticks, 1);
        assert_eq!(stats.lateness_max, Duration::from_micros(7));
        assert_eq!(stats.shards[1].cpu_time, None);
    }
}
