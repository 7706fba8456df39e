//! The [`ManualClock`]: the [`MediaClock`](crate::MediaClock)'s shards without threads or real
//! time, ticked by the caller on whatever clock it likes (tokio's paused clock in the server's
//! tests). Same command and output surface, same plane code and phase order; and
//! [`MediaDriver`](crate::MediaDriver) holds either.
//!
//! Sub-tick `k` (from 1) of every shard is due at `start + k · 20 ms / PHASES` and ticks phase
//! `(k - 1) % PHASES`, as on the real clock; [`ManualClock::tick_until`] runs every due sub-tick
//! up to `now`, shard 0 first, on the caller's thread, never skipping (virtual time has no
//! stalls). Lateness figures are `now − deadline` in the caller's time; work is not measured
//! (zero) and there is no CPU time or real-time priority. RTP legs' sockets are read and written
//! in the sub-ticks too, with the sub-tick's deadline as the sessions' `now`, so tests drive real
//! loopback sockets on virtual time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::clock::{ClockStats, MediaSender, PHASES, TICK};
use crate::command::{MediaCommand, MediaOutput};
use crate::shard::{self, Recordings, Shared, Sink, SubTick, Worker};

/// A media clock ticked by its caller. Sub-tick `k` (from 1) of every shard is due at
/// `start + k · 20 ms / PHASES` and ticks phase `(k - 1) % PHASES`, as on the real clock;
/// [`tick_until`](Self::tick_until) runs every due sub-tick up to `now`, shard 0 first, on the
/// caller's thread, never skipping. Lateness figures are `now − deadline` in the caller's time;
/// work is not measured (zero) and there is no CPU time or real-time priority. Cloning gives
/// another handle to the same shards (e.g. one for the task that ticks, one for the senders).
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Inner>,
}

struct Inner {
    sender: MediaSender,
    recordings: Recordings,
    sink: Sink,
    start: Instant,
    /// Number of the next sub-tick to run (from 1).
    next: AtomicU64,
    stopped: AtomicBool,
    /// The shards' planes; locked only by `tick_until` and `shutdown`.
    workers: Mutex<Vec<Worker>>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("shards", &self.shards())
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

impl Inner {
    /// The deadline of sub-tick `k`; `None` past the end of `Instant`'s range (never due).
    fn deadline(&self, k: u64) -> Option<Instant> {
        let sub_tick_us = u64::try_from((TICK / PHASES).as_micros()).unwrap_or(u64::MAX);
        let us = k.checked_mul(sub_tick_us)?;
        self.start.checked_add(Duration::from_micros(us))
    }
}

impl ManualClock {
    /// `shards` shards (at least one) whose first sub-tick is due at `start + 5 ms`. `sink`
    /// receives every output, on the thread that calls [`tick_until`](Self::tick_until); it must
    /// not call `tick_until` itself (sending, taking recordings and reading figures are fine).
    pub fn start(
        shards: usize,
        start: Instant,
        sink: impl Fn(MediaOutput) + Send + Sync + 'static,
    ) -> ManualClock {
        let count = shards.max(1);
        let shards: Arc<[Arc<Shared>]> = (0..count).map(|_| Arc::new(Shared::default())).collect();
        ManualClock {
            inner: Arc::new(Inner {
                sender: MediaSender { shards },
                recordings: Recordings::default(),
                sink: Arc::new(sink),
                start,
                next: AtomicU64::new(1),
                stopped: AtomicBool::new(false),
                workers: Mutex::new((0..count).map(|_| Worker::default()).collect()),
            }),
        }
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.inner.sender.shards.len()
    }

    /// Queues a command (see [`MediaSender::send`]); applied at the next sub-tick.
    pub fn send(&self, command: MediaCommand) {
        self.inner.sender.send(command);
    }

    /// A cloneable sender for other threads and tasks.
    pub fn sender(&self) -> MediaSender {
        self.inner.sender.clone()
    }

    /// Takes a finished bot recording by its handle. Published before the sink receives the
    /// `RecordingEnded` that names it.
    pub fn take_recording(&self, handle: &str) -> Option<Vec<u8>> {
        self.inner.recordings.take(handle)
    }

    /// Figures of every shard (lateness in the caller's time, no work or CPU figures).
    pub fn stats(&self) -> ClockStats {
        shard::clock_stats(&self.inner.sender.shards)
    }

    /// Clears tick counts and histograms.
    pub fn reset_stats(&self) {
        shard::reset_stats(&self.inner.sender.shards);
    }

    /// When the next sub-tick is due (`start` again in the unreachable case where it lies past
    /// the end of `Instant`'s range; [`tick_until`](Self::tick_until) then runs nothing).
    pub fn next_deadline(&self) -> Instant {
        let k = self.inner.next.load(Ordering::Acquire);
        self.inner.deadline(k).unwrap_or(self.inner.start)
    }

    /// Runs every sub-tick due at or before `now` (all shards, in order), calling the sink for
    /// their outputs; returns how many sub-ticks ran (0 once shut down). Calls from several
    /// threads run one after the other.
    pub fn tick_until(&self, now: Instant) -> u64 {
        let inner = &*self.inner;
        let mut workers = inner.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ran = 0;
        while !inner.stopped.load(Ordering::Acquire) {
            let k = inner.next.load(Ordering::Acquire);
            let Some(deadline) = inner.deadline(k).filter(|d| *d <= now) else {
                break;
            };
            let phase = ((k - 1) % u64::from(PHASES)) as u32;
            let late_us = u64::try_from(now.duration_since(deadline).as_micros()).unwrap_or(0);
            for (worker, shared) in workers.iter_mut().zip(inner.sender.shards.iter()) {
                let applied = worker.step(phase, deadline, shared, &inner.recordings, &inner.sink);
                let sub_tick = SubTick {
                    frame_done: phase + 1 == PHASES,
                    skipped: 0,
                    applied,
                    late_us,
                    work_us: 0,
                    cpu: None,
                };
                worker.record(shared, &sub_tick);
            }
            inner.next.store(k + 1, Ordering::Release);
            ran += 1;
        }
        ran
    }

    /// Stops every handle's ticking and drops the shards' planes; commands still queued are
    /// dropped, later ones are never applied.
    pub fn shutdown(self) {
        let inner = &*self.inner;
        inner.stopped.store(true, Ordering::Release);
        for shared in inner.sender.shards.iter() {
            shared.stop.store(true, Ordering::Release);
            while shared.inbox.pop().is_some() {}
        }
        inner
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
