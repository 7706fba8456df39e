//! The runtime's port to the media plane: owns the [`MediaClock`] (one shard per core), sends it
//! [`MediaCommand`]s, and stops it when the runtime ends. Outputs arrive in the sink given to
//! [`MediaPort::start`], on the shard threads.

use ringside_media::{MediaClock, MediaCommand, MediaOutput};

/// The media clock handle.
pub(crate) struct MediaPort {
    clock: Option<MediaClock>,
}

impl MediaPort {
    /// Starts one media shard per available core; `sink` receives every output.
    pub(crate) fn start(sink: impl Fn(MediaOutput) + Send + Sync + 'static) -> MediaPort {
        let shards = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 64);
        MediaPort {
            clock: Some(MediaClock::start(shards, sink)),
        }
    }

    pub(crate) fn send(&self, command: MediaCommand) {
        if let Some(clock) = &self.clock {
            clock.send(command);
        }
    }

    /// Stops the shard threads.
    pub(crate) fn shutdown(&mut self) {
        if let Some(clock) = self.clock.take() {
            clock.shutdown();
        }
    }
}
