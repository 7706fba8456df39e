//! The [`MediaClock`]: one std thread per shard, each owning a [`MediaPlane`] and ticking it every
//! 20 ms on absolute deadlines, with commands routed to shards by conversation id.
//!
//! Each shard thread repeats, [`PHASES`] times per 20 ms frame: sleep until `start + n·20 ms / PHASES`;
//! measure lateness (wake − deadline);
//! if more than [`MAX_CATCH_UP`] frames behind, skip the excess frames (counted in
//! [`ShardStats::skipped_frames`]) so that a stall never turns into a long burst; otherwise the
//! missed frames run back to back. Then take the commands queued in the shard's lock-free inbox,
//! apply them, read the RTP legs of this phase (module [`crate::rtp`], with the wake-up instant as
//! their `now`), tick the plane's conversations of this phase (each conversation still ticks once
//! per 20 ms; spreading them over the frame keeps 2,000 media streams from leaving in one burst),
//! send what those RTP legs heard, publish finished recordings and hand every output to the sink. Deadlines are absolute, so the
//! clock does not drift.
//!
//! A shard thread (possibly at `SCHED_FIFO` priority) shares no lock with the threads that send
//! commands or read figures: the inbox and published recordings are lock-free queues and the
//! figures atomics (module `shard`). The only locks it may take are the allocator's and
//! whatever the caller's sink takes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ringside_engine::ConversationId;

use crate::command::{MediaCommand, MediaOutput};
#[cfg(doc)]
use crate::plane::MediaPlane;
use crate::procfs;
pub use crate::shard::PHASES;
use crate::shard::{self, Recordings, Shared, Sink, SubTick, Worker};
pub use crate::stats::{ClockStats, ShardStats};

/// The tick period.
pub const TICK: Duration = Duration::from_millis(20);
/// Most missed frames a shard runs back to back after a stall; older ones are skipped.
pub const MAX_CATCH_UP: u64 = 5;
/// Ticks between two readings of a shard thread's CPU time.
const CPU_READ_EVERY: u64 = 50;

/// The shard (0..shards) a conversation lives on: a fixed-key hash of its id, stable across runs.
pub fn shard_of(conversation: ConversationId, shards: usize) -> usize {
    let mut h = DefaultHasher::new();
    conversation.hash(&mut h);
    (h.finish() % shards.max(1) as u64) as usize
}

/// How a [`MediaClock`] runs its shard threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockOptions {
    /// Run each shard thread at this `SCHED_FIFO` priority (1–99). On a machine shared with other
    /// work, real-time priority is what keeps p99 tick lateness under 2 ms (see
    /// docs/benchmarks.md). Each shard thread sets its own policy (`pthread_setschedparam`
    /// through the `thread-priority` crate), which needs `CAP_SYS_NICE` (or root). Failure is not
    /// an error: the shard logs a warning, runs at normal priority and [`ShardStats::realtime`]
    /// says so.
    pub realtime_priority: Option<u8>,
}

/// A cheap, cloneable handle for sending commands to a running [`MediaClock`] from any thread.
#[derive(Clone, Debug)]
pub struct MediaSender {
    pub(crate) shards: Arc<[Arc<Shared>]>,
}

impl MediaSender {
    /// Queues a command for the shard of its conversation; applied before that shard's next tick.
    pub fn send(&self, command: MediaCommand) {
        let shard = shard_of(command.conversation(), self.shards.len());
        if let Some(s) = self.shards.get(shard) {
            s.inbox.push(command);
        }
    }
}

/// The media clock: one thread per shard ticking its [`MediaPlane`] every 20 ms.
pub struct MediaClock {
    sender: MediaSender,
    threads: Vec<JoinHandle<()>>,
    recordings: Arc<Recordings>,
}

impl std::fmt::Debug for MediaClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaClock")
            .field("shards", &self.sender.shards.len())
            .finish()
    }
}

impl MediaClock {
    /// Starts `shards` threads (at least one). `sink` receives every output, on the shard
    /// threads, in order per conversation; keep it short (push into a channel). A panicking sink
    /// loses that output but not the shard.
    pub fn start(shards: usize, sink: impl Fn(MediaOutput) + Send + Sync + 'static) -> MediaClock {
        MediaClock::start_with(shards, ClockOptions::default(), sink)
    }

    /// [`start`](Self::start) with options (e.g. real-time priority for the shard threads).
    pub fn start_with(
        shards: usize,
        options: ClockOptions,
        sink: impl Fn(MediaOutput) + Send + Sync + 'static,
    ) -> MediaClock {
        let sink: Sink = Arc::new(sink);
        let shards: Arc<[Arc<Shared>]> = (0..shards.max(1))
            .map(|_| Arc::new(Shared::default()))
            .collect();
        let recordings = Arc::new(Recordings::default());
        let threads = shards
            .iter()
            .enumerate()
            .filter_map(|(i, shard)| {
                let shard = Arc::clone(shard);
                let sink = Arc::clone(&sink);
                let recordings = Arc::clone(&recordings);
                std::thread::Builder::new()
                    .name(format!("media-{i}"))
                    .spawn(move || {
                        if let Some(priority) = options.realtime_priority {
                            shard.figures.set_realtime(set_realtime(priority));
                        }
                        run_shard(&shard, &sink, &recordings)
                    })
                    .ok()
            })
            .collect();
        MediaClock {
            sender: MediaSender { shards },
            threads,
            recordings,
        }
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.sender.shards.len()
    }

    /// Queues a command (see [`MediaSender::send`]).
    pub fn send(&self, command: MediaCommand) {
        self.sender.send(command);
    }

    /// A cloneable sender for other threads and tasks.
    pub fn sender(&self) -> MediaSender {
        self.sender.clone()
    }

    /// Takes a finished bot recording by its handle. Published before the sink receives the
    /// `RecordingEnded` that names it.
    pub fn take_recording(&self, handle: &str) -> Option<Vec<u8>> {
        self.recordings.take(handle)
    }

    /// Figures of every shard.
    pub fn stats(&self) -> ClockStats {
        shard::clock_stats(&self.sender.shards)
    }

    /// Clears tick counts and histograms (e.g. after a warm-up); CPU times keep counting.
    pub fn reset_stats(&self) {
        shard::reset_stats(&self.sender.shards);
    }

    /// Stops and joins every shard thread. Commands still queued are dropped.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        for shard in self.sender.shards.iter() {
            shard.stop.store(true, Ordering::Release);
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for MediaClock {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Puts the calling thread in `SCHED_FIFO` at `priority` (clamped to 1–99) with
/// `pthread_setschedparam` (through `thread-priority`). Not permitted (no `CAP_SYS_NICE`, a
/// container's limits): logs a warning, leaves the thread at normal priority and returns false.
#[cfg(unix)]
fn set_realtime(priority: u8) -> bool {
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, RealtimeThreadSchedulePolicy,
        ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    };
    let priority = priority.clamp(1, 99);
    let result = ThreadPriorityValue::try_from(priority)
        .map_err(|e| e.to_string())
        .and_then(|value| {
            set_thread_priority_and_policy(
                thread_native_id(),
                ThreadPriority::Crossplatform(value),
                ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
            )
            .map_err(|e| e.to_string())
        });
    match result {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(
                priority,
                %error,
                "media shard thread stays at normal priority: SCHED_FIFO not permitted"
            );
            false
        }
    }
}

/// Real-time priority is implemented for Unix only: logs a warning and returns false.
#[cfg(not(unix))]
fn set_realtime(priority: u8) -> bool {
    tracing::warn!(
        priority,
        "media shard thread stays at normal priority: SCHED_FIFO is Unix-only"
    );
    false
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn run_shard(shared: &Shared, sink: &Sink, recordings: &Recordings) {
    let mut worker = Worker::default();
    let start = Instant::now();
    let phases = u64::from(PHASES);
    let tick_us = micros(TICK) / phases;
    let mut frame: u64 = 0;
    let mut cpu_countdown: u64 = 1;
    loop {
        frame += 1;
        let deadline = start + Duration::from_micros(frame.saturating_mul(tick_us));
        if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if shared.stop.load(Ordering::Acquire) {
            break;
        }
        let wake = Instant::now();
        let late = micros(wake.saturating_duration_since(deadline));
        // In whole frames, so that every phase skips alike.
        let behind = late / tick_us / phases;
        let skipped = behind.saturating_sub(MAX_CATCH_UP);
        frame += skipped * phases;
        let phase = ((frame - 1) % phases) as u32;

        let applied = worker.step(phase, wake, shared, recordings, sink);
        let work = micros(wake.elapsed());

        cpu_countdown = cpu_countdown.saturating_sub(1);
        let cpu = if cpu_countdown == 0 {
            cpu_countdown = CPU_READ_EVERY;
            procfs::thread_cpu_time()
        } else {
            None
        };
        let sub_tick = SubTick {
            frame_done: phase + 1 == PHASES,
            skipped,
            applied,
            late_us: late,
            work_us: work,
            cpu,
        };
        worker.record(shared, &sub_tick);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use thread_priority::{
        thread_native_id, thread_schedule_policy_param, RealtimeThreadSchedulePolicy,
        ThreadSchedulePolicy,
    };

    /// Whatever this machine permits, `set_realtime` reports what the thread actually got.
    #[test]
    fn set_realtime_reports_the_policy_the_thread_has() {
        let (ok, policy) = std::thread::spawn(|| {
            let ok = super::set_realtime(7);
            (ok, thread_schedule_policy_param(thread_native_id()))
        })
        .join()
        .expect("thread");
        let (policy, param) = policy.expect("policy readable");
        let fifo = ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo);
        if ok {
            assert_eq!(policy, fifo);
            assert_eq!(param.sched_priority, 7);
        } else {
            assert_ne!(policy, fifo);
        }
    }
}
