//! The media clock's figures: per shard (ticks, lateness and work percentiles, conversations,
//! real-time priority, CPU time) and over all shards.

use std::time::Duration;

/// One shard's figures since start (or the last [`MediaClock::reset_stats`](crate::MediaClock::reset_stats)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShardStats {
    /// Ticks run.
    pub ticks: u64,
    /// Frames skipped after stalls longer than [`MAX_CATCH_UP`](crate::clock::MAX_CATCH_UP) frames.
    pub skipped_frames: u64,
    /// Commands applied.
    pub commands: u64,
    /// Median lateness (wake − deadline).
    pub lateness_p50: Duration,
    /// 99th percentile lateness.
    pub lateness_p99: Duration,
    /// Largest lateness.
    pub lateness_max: Duration,
    /// Median work per tick (commands, tick, sink).
    pub work_p50: Duration,
    /// 99th percentile work per tick.
    pub work_p99: Duration,
    /// Largest work per tick.
    pub work_max: Duration,
    /// Conversations on the shard.
    pub conversations: usize,
    /// Legs on the shard.
    pub legs: usize,
    /// Whether the shard thread runs at real-time priority ([`ClockOptions::realtime_priority`](crate::ClockOptions::realtime_priority)).
    pub realtime: bool,
    /// CPU time of the shard thread since it started (from `/proc/thread-self/stat`, refreshed
    /// every second; `None` without `/proc`).
    pub cpu_time: Option<Duration>,
}

/// Figures of every shard, and lateness over all of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockStats {
    /// Per shard.
    pub shards: Vec<ShardStats>,
    /// Ticks over all shards.
    pub ticks: u64,
    /// Median lateness over all shards.
    pub lateness_p50: Duration,
    /// 99th percentile lateness over all shards.
    pub lateness_p99: Duration,
    /// Largest lateness.
    pub lateness_max: Duration,
    /// 99th percentile work per tick over all shards.
    pub work_p99: Duration,
    /// Conversations over all shards.
    pub conversations: usize,
}
