//! [`MediaDriver`]: the media plane behind one handle, whether its shards tick on real-time
//! threads ([`MediaClock`]) or on the caller's virtual time ([`ManualClock`]), so the server holds
//! either.

use crate::clock::{ClockStats, MediaClock, MediaSender};
use crate::command::MediaCommand;
use crate::manual::ManualClock;

/// A running media plane: threaded or manually ticked. Both have the same command and output
/// surface; only a [`ManualClock`] needs someone to call
/// [`tick_until`](ManualClock::tick_until) (keep a clone of it for that).
#[derive(Debug)]
pub enum MediaDriver {
    /// Real-time shard threads.
    Threaded(MediaClock),
    /// Ticked by the caller.
    Manual(ManualClock),
}

impl From<MediaClock> for MediaDriver {
    fn from(clock: MediaClock) -> MediaDriver {
        MediaDriver::Threaded(clock)
    }
}

impl From<ManualClock> for MediaDriver {
    fn from(clock: ManualClock) -> MediaDriver {
        MediaDriver::Manual(clock)
    }
}

impl MediaDriver {
    /// Number of shards.
    pub fn shards(&self) -> usize {
        match self {
            MediaDriver::Threaded(c) => c.shards(),
            MediaDriver::Manual(c) => c.shards(),
        }
    }

    /// Queues a command for its conversation's shard.
    pub fn send(&self, command: MediaCommand) {
        match self {
            MediaDriver::Threaded(c) => c.send(command),
            MediaDriver::Manual(c) => c.send(command),
        }
    }

    /// A cloneable sender for other threads and tasks.
    pub fn sender(&self) -> MediaSender {
        match self {
            MediaDriver::Threaded(c) => c.sender(),
            MediaDriver::Manual(c) => c.sender(),
        }
    }

    /// Takes a finished bot recording by its handle.
    pub fn take_recording(&self, handle: &str) -> Option<Vec<u8>> {
        match self {
            MediaDriver::Threaded(c) => c.take_recording(handle),
            MediaDriver::Manual(c) => c.take_recording(handle),
        }
    }

    /// Figures of every shard.
    pub fn stats(&self) -> ClockStats {
        match self {
            MediaDriver::Threaded(c) => c.stats(),
            MediaDriver::Manual(c) => c.stats(),
        }
    }

    /// Clears tick counts and histograms.
    pub fn reset_stats(&self) {
        match self {
            MediaDriver::Threaded(c) => c.reset_stats(),
            MediaDriver::Manual(c) => c.reset_stats(),
        }
    }

    /// Stops the shards (joins the threads, or stops every handle of a manual clock).
    pub fn shutdown(self) {
        match self {
            MediaDriver::Threaded(c) => c.shutdown(),
            MediaDriver::Manual(c) => c.shutdown(),
        }
    }
}
