//! The runtime's port to the media plane: owns the media clock (one shard per core), sends it
//! [`MediaCommand`]s, and stops it when the runtime ends. Outputs arrive in the sink given to
//! [`MediaPort::start`]: on the shard threads of the real-time clock, or on the tokio task that
//! ticks the manual clock ([`MediaMode::Manual`], for tests on tokio's paused clock).

use ringside_media::{
    ClockOptions, ClockStats, ManualClock, MediaClock, MediaCommand, MediaDriver, MediaOutput,
};

/// How the media plane is ticked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaMode {
    /// One real-time thread per core, ticking on absolute deadlines (`SCHED_FIFO` at this
    /// priority when given and permitted).
    Threads {
        /// The shards' `SCHED_FIFO` priority.
        realtime_priority: Option<u8>,
    },
    /// Ticked by a tokio task on tokio's clock: under `tokio::time::pause` every 5 ms sub-tick
    /// runs when virtual time reaches it, so media and timers advance together.
    Manual,
}

/// The media clock handle.
pub(crate) struct MediaPort {
    clock: Option<MediaDriver>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl MediaPort {
    /// Starts one media shard per available core; `sink` receives every output.
    pub(crate) fn start(
        mode: MediaMode,
        sink: impl Fn(MediaOutput) + Send + Sync + 'static,
    ) -> MediaPort {
        let shards = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 64);
        match mode {
            MediaMode::Threads { realtime_priority } => MediaPort {
                clock: Some(
                    MediaClock::start_with(shards, ClockOptions { realtime_priority }, sink).into(),
                ),
                ticker: None,
            },
            MediaMode::Manual => {
                let clock = ManualClock::start(shards, crate::clock::now(), sink);
                let ticker = tokio::spawn(tick(clock.clone()));
                MediaPort {
                    clock: Some(clock.into()),
                    ticker: Some(ticker),
                }
            }
        }
    }

    pub(crate) fn send(&self, command: MediaCommand) {
        if let Some(clock) = &self.clock {
            clock.send(command);
        }
    }

    /// Takes a finished bot recording (a recordResponse WAV) by its handle.
    pub(crate) fn take_recording(&self, handle: &str) -> Option<Vec<u8>> {
        self.clock.as_ref()?.take_recording(handle)
    }

    /// The clock's figures (tick lateness and work histograms per shard, CPU, conversations) since
    /// start or the last [`reset_stats`](Self::reset_stats); default figures once stopped.
    pub(crate) fn stats(&self) -> ClockStats {
        self.clock
            .as_ref()
            .map(MediaDriver::stats)
            .unwrap_or_default()
    }

    /// Clears the clock's tick counts and histograms (e.g. after a benchmark's warm-up).
    pub(crate) fn reset_stats(&self) {
        if let Some(clock) = &self.clock {
            clock.reset_stats();
        }
    }

    /// Stops the shards (and the manual clock's ticking task).
    pub(crate) fn shutdown(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(clock) = self.clock.take() {
            clock.shutdown();
        }
    }
}

/// Ticks a manual clock whenever tokio's clock reaches its next sub-tick.
async fn tick(clock: ManualClock) {
    loop {
        let deadline = tokio::time::Instant::from_std(clock.next_deadline());
        tokio::time::sleep_until(deadline).await;
        clock.tick_until(crate::clock::now());
    }
}
