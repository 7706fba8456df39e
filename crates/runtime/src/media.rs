//! The runtime's port to the media plane: owns the [`MediaClock`] (one shard per core), sends it
//! [`MediaCommand`]s, and stops it when the runtime ends. Outputs arrive in the sink given to
//! [`MediaPort::start`], on the shard threads.

use ringside_media::{ClockOptions, ClockStats, MediaClock, MediaCommand, MediaOutput};

/// The media clock handle.
pub(crate) struct MediaPort {
    clock: Option<MediaClock>,
}

impl MediaPort {
    /// Starts one media shard per available core, at `SCHED_FIFO` `realtime_priority` when given and
    /// permitted; `sink` receives every output.
    pub(crate) fn start(
        realtime_priority: Option<u8>,
        sink: impl Fn(MediaOutput) + Send + Sync + 'static,
    ) -> MediaPort {
        let shards = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 64);
        MediaPort {
            clock: Some(MediaClock::start_with(
                shards,
                ClockOptions { realtime_priority },
                sink,
            )),
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
            .map(MediaClock::stats)
            .unwrap_or_default()
    }

    /// Clears the clock's tick counts and histograms (e.g. after a benchmark's warm-up).
    pub(crate) fn reset_stats(&self) {
        if let Some(clock) = &self.clock {
            clock.reset_stats();
        }
    }

    /// Stops the shard threads.
    pub(crate) fn shutdown(&mut self) {
        if let Some(clock) = self.clock.take() {
            clock.shutdown();
        }
    }
}
