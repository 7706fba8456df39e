//! The media clock's figures: per shard (ticks, lateness and work percentiles, conversations,
//! real-time priority, CPU time, RTP packet counts) and over all shards.

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
    /// The shard's RTP legs and packets.
    pub rtp: RtpFigures,
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
    /// RTP legs and packets over all shards.
    pub rtp: RtpFigures,
}

/// RTP on a shard (or all of them): legs now, and datagrams since start (or the last reset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtpFigures {
    /// Legs with an RTP transport attached.
    pub legs: usize,
    /// Datagrams read from the legs' RTP and RTCP sockets.
    pub packets_in: u64,
    /// Their bytes (as on the wire, UDP payload).
    pub bytes_in: u64,
    /// Datagrams sent (RTP, RTCP).
    pub packets_out: u64,
    /// Their bytes.
    pub bytes_out: u64,
    /// Datagrams not used, by reason.
    pub dropped: RtpDropped,
    /// Socket errors other than "would block" (e.g. ICMP port unreachable reported on a read):
    /// counted, never fatal.
    pub socket_errors: u64,
}

/// Datagrams dropped, by reason (the first six are [`ringside_rtp::Dropped`]'s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtpDropped {
    /// Not a valid RTP/RTCP packet (or longer than the read buffer).
    pub malformed: u64,
    /// A payload type that was not negotiated.
    pub unknown_payload_type: u64,
    /// From an address that may not take over the latch.
    pub unlatched_source: u64,
    /// A sequence jump awaiting confirmation.
    pub bad_sequence: u64,
    /// SRTP authentication or replay check failed.
    pub unprotect: u64,
    /// Refused by the jitter buffer (duplicate, late, too large).
    pub jitter_buffer: u64,
    /// Outbound: the socket's send buffer was full or the send failed.
    pub send_failed: u64,
}

impl RtpDropped {
    /// All reasons together.
    pub fn total(&self) -> u64 {
        self.malformed
            + self.unknown_payload_type
            + self.unlatched_source
            + self.bad_sequence
            + self.unprotect
            + self.jitter_buffer
            + self.send_failed
    }
}

/// How many counters [`RtpFigures`] has (the shard keeps one atomic each).
pub(crate) const RTP_COUNTERS: usize = 12;

impl RtpFigures {
    /// The counters in a fixed order (legs excluded).
    pub(crate) fn counters(&self) -> [u64; RTP_COUNTERS] {
        let d = &self.dropped;
        [
            self.packets_in,
            self.bytes_in,
            self.packets_out,
            self.bytes_out,
            self.socket_errors,
            d.malformed,
            d.unknown_payload_type,
            d.unlatched_source,
            d.bad_sequence,
            d.unprotect,
            d.jitter_buffer,
            d.send_failed,
        ]
    }

    /// The figures of `legs` legs and [`counters`](Self::counters).
    pub(crate) fn from_counters(legs: usize, counters: [u64; RTP_COUNTERS]) -> RtpFigures {
        let [packets_in, bytes_in, packets_out, bytes_out, socket_errors, malformed, unknown_payload_type, unlatched_source, bad_sequence, unprotect, jitter_buffer, send_failed] =
            counters;
        RtpFigures {
            legs,
            packets_in,
            bytes_in,
            packets_out,
            bytes_out,
            dropped: RtpDropped {
                malformed,
                unknown_payload_type,
                unlatched_source,
                bad_sequence,
                unprotect,
                jitter_buffer,
                send_failed,
            },
            socket_errors,
        }
    }

    /// Adds another shard's figures (legs and counters).
    pub(crate) fn add(&mut self, other: &RtpFigures) {
        let mut counters = self.counters();
        for (sum, n) in counters.iter_mut().zip(other.counters()) {
            *sum = sum.saturating_add(n);
        }
        *self = RtpFigures::from_counters(self.legs + other.legs, counters);
    }
}
