//! The families computed at scrape time, into a registry of their own: live calls and legs from
//! the runtime's census, and the media clock's figures as `/stats/media` reports them (since
//! start or its last reset), per shard, in seconds.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use ringside_media::{ClockStats, ShardStats};
use ringside_runtime::metrics::{CallLabels, Census, LegLabels};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShardLabels {
    shard: usize,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuantileLabels {
    shard: usize,
    quantile: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabels {
    shard: usize,
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    shard: usize,
    reason: &'static str,
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `live_calls` and `live_legs` from the census.
pub(super) fn census(registry: &mut Registry, census: &Census) {
    let calls = Family::<CallLabels, Gauge>::default();
    for (labels, count) in &census.calls {
        calls.get_or_create(labels).set(saturating_i64(*count));
    }
    let legs = Family::<LegLabels, Gauge>::default();
    for (labels, count) in &census.legs {
        legs.get_or_create(labels).set(saturating_i64(*count));
    }
    registry.register(
        "live_calls",
        "Calls (conversations) not ended, by dialect (graph, acs, none) and state (establishing, established)",
        calls,
    );
    registry.register(
        "live_legs",
        "Legs not ended of live calls, by the call's dialect, the leg's kind and state",
        legs,
    );
}

/// Float gauges of a shard figure that is a duration, in seconds, by quantile.
type Quantiles = Family<QuantileLabels, Gauge<f64, std::sync::atomic::AtomicU64>>;

fn quantiles(family: &Quantiles, shard: usize, figures: [(&'static str, Duration); 3]) {
    for (quantile, value) in figures {
        family
            .get_or_create(&QuantileLabels { shard, quantile })
            .set(value.as_secs_f64());
    }
}

/// The media clock's families, one series per shard.
pub(super) fn media(registry: &mut Registry, stats: &ClockStats) {
    let counter = Family::<ShardLabels, Counter>::default;
    let gauge = Family::<ShardLabels, Gauge>::default;
    let (ticks, skipped, commands) = (counter(), counter(), counter());
    let (conversations, legs, realtime, rtp_legs) = (gauge(), gauge(), gauge(), gauge());
    let (lateness, work) = (Quantiles::default(), Quantiles::default());
    let cpu = Family::<ShardLabels, Counter<f64, std::sync::atomic::AtomicU64>>::default();
    let packets = Family::<DirectionLabels, Counter>::default();
    let bytes = Family::<DirectionLabels, Counter>::default();
    let dropped = Family::<ReasonLabels, Counter>::default();
    let socket_errors = counter();
    for (shard, s) in stats.shards.iter().enumerate() {
        let at = ShardLabels { shard };
        ticks.get_or_create(&at).inc_by(s.ticks);
        skipped.get_or_create(&at).inc_by(s.skipped_frames);
        commands.get_or_create(&at).inc_by(s.commands);
        conversations
            .get_or_create(&at)
            .set(saturating_i64(s.conversations as u64));
        legs.get_or_create(&at).set(saturating_i64(s.legs as u64));
        realtime.get_or_create(&at).set(i64::from(s.realtime));
        if let Some(time) = s.cpu_time {
            cpu.get_or_create(&at).inc_by(time.as_secs_f64());
        }
        quantiles(&lateness, shard, lateness_figures(s));
        quantiles(&work, shard, work_figures(s));
        rtp_legs
            .get_or_create(&at)
            .set(saturating_i64(s.rtp.legs as u64));
        for (direction, count, size) in [
            ("in", s.rtp.packets_in, s.rtp.bytes_in),
            ("out", s.rtp.packets_out, s.rtp.bytes_out),
        ] {
            let labels = DirectionLabels { shard, direction };
            packets.get_or_create(&labels).inc_by(count);
            bytes.get_or_create(&labels).inc_by(size);
        }
        for (reason, count) in dropped_reasons(s) {
            dropped
                .get_or_create(&ReasonLabels { shard, reason })
                .inc_by(count);
        }
        socket_errors.get_or_create(&at).inc_by(s.rtp.socket_errors);
    }
    let since = " since start or the last POST /ringside/v1/stats/media/reset";
    registry.register("media_ticks", format!("Media clock wakes (each ticks one phase of the shard's conversations), by shard,{since}"), ticks);
    registry.register(
        "media_skipped_frames",
        format!("Frames the media clock skipped after stalls, by shard,{since}"),
        skipped,
    );
    registry.register(
        "media_commands",
        format!("Media commands applied, by shard,{since}"),
        commands,
    );
    registry.register_with_unit(
        "media_tick_lateness",
        format!("Media clock tick lateness (wake - deadline): median, 99th percentile and maximum (quantile 1), by shard,{since}"),
        Unit::Seconds,
        lateness,
    );
    registry.register_with_unit(
        "media_tick_work",
        format!("Media clock work per wake (one phase of the shard's conversations: commands, RTP, mixing, sinks): median, 99th percentile and maximum (quantile 1), by shard,{since}"),
        Unit::Seconds,
        work,
    );
    registry.register(
        "media_conversations",
        "Conversations on each media clock shard",
        conversations,
    );
    registry.register("media_legs", "Legs on each media clock shard", legs);
    registry.register(
        "media_realtime",
        "1 when the shard thread runs at real-time priority (SCHED_FIFO), else 0",
        realtime,
    );
    registry.register_with_unit(
        "media_cpu",
        "CPU time of each media clock shard thread since it started",
        Unit::Seconds,
        cpu,
    );
    registry.register(
        "media_rtp_legs",
        "Legs with an RTP transport, by shard",
        rtp_legs,
    );
    registry.register(
        "media_rtp_packets",
        format!("RTP and RTCP datagrams by shard and direction,{since}"),
        packets,
    );
    registry.register_with_unit(
        "media_rtp",
        format!("RTP and RTCP datagram bytes (UDP payload) by shard and direction,{since}"),
        Unit::Bytes,
        bytes,
    );
    registry.register(
        "media_rtp_dropped",
        format!("RTP and RTCP datagrams not used, by shard and reason,{since}"),
        dropped,
    );
    registry.register(
        "media_rtp_socket_errors",
        format!("RTP socket errors other than would-block, by shard,{since}"),
        socket_errors,
    );
}

fn lateness_figures(s: &ShardStats) -> [(&'static str, Duration); 3] {
    [
        ("0.5", s.lateness_p50),
        ("0.99", s.lateness_p99),
        ("1", s.lateness_max),
    ]
}

fn work_figures(s: &ShardStats) -> [(&'static str, Duration); 3] {
    [("0.5", s.work_p50), ("0.99", s.work_p99), ("1", s.work_max)]
}

fn dropped_reasons(s: &ShardStats) -> [(&'static str, u64); 7] {
    let d = &s.rtp.dropped;
    [
        ("malformed", d.malformed),
        ("unknown_payload_type", d.unknown_payload_type),
        ("unlatched_source", d.unlatched_source),
        ("bad_sequence", d.bad_sequence),
        ("unprotect", d.unprotect),
        ("jitter_buffer", d.jitter_buffer),
        ("send_failed", d.send_failed),
    ]
}
