//! The RFC 3261 §17 timers (Table 4) with T1/T2/T4 configurable, and a small deadline set each
//! transaction keeps: set, clear, take the due ones, next deadline.

use std::time::{Duration, Instant};

/// Timer values. Defaults are RFC 3261's: T1 500 ms, T2 4 s, T4 5 s, 100 Trying after 200 ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate.
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses.
    pub t2: Duration,
    /// Maximum duration a message remains in the network.
    pub t4: Duration,
    /// When a server INVITE transaction sends 100 Trying if the TU has not answered.
    pub trying_delay: Duration,
    /// Timer D on unreliable transports (at least 32 s).
    pub timer_d: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            trying_delay: Duration::from_millis(200),
            timer_d: Duration::from_secs(32),
        }
    }
}

impl TimerConfig {
    /// 64 × T1: timers B, F, H, J, L, M.
    pub fn t1x64(&self) -> Duration {
        self.t1 * 64
    }
}

/// The named timers (RFC 3261 Table 4, RFC 6026 L and M), plus the 100 Trying delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// INVITE request retransmit (client).
    A,
    /// INVITE transaction timeout (client).
    B,
    /// Wait time for response retransmits (client INVITE, Completed).
    D,
    /// Non-INVITE request retransmit (client).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE response retransmit (server).
    G,
    /// Wait time for ACK receipt (server).
    H,
    /// Wait time for ACK retransmits (server, Confirmed).
    I,
    /// Wait time for non-INVITE request retransmits (server).
    J,
    /// Wait time for response retransmits (client non-INVITE).
    K,
    /// Wait time for INVITE retransmits after 2xx (server, Accepted; RFC 6026).
    L,
    /// Wait time for 2xx retransmits (client, Accepted; RFC 6026).
    M,
    /// Send 100 Trying (server INVITE, 200 ms).
    Trying,
    /// 2xx retransmission by the UAS until the ACK arrives (RFC 3261 §13.3.1.4).
    Retransmit2xx,
    /// Reliable provisional response retransmission until its PRACK (RFC 3262 §3: T1,
    /// doubling).
    Reliable1xx,
    /// No PRACK for a reliable provisional response within 64×T1 (RFC 3262 §3).
    Prack,
}

/// The deadlines a transaction has armed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers(Vec<(Timer, Instant)>);

impl Timers {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.clear(timer);
        self.0.push((timer, at));
    }

    pub(crate) fn clear(&mut self, timer: Timer) {
        self.0.retain(|(t, _)| *t != timer);
    }

    pub(crate) fn clear_all(&mut self) {
        self.0.clear();
    }

    /// Removes and returns the timers due at `now`, earliest first.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<Timer> {
        let mut due: Vec<(Timer, Instant)> = self
            .0
            .iter()
            .copied()
            .filter(|(_, at)| *at <= now)
            .collect();
        due.sort_by_key(|(t, at)| (*at, *t));
        self.0.retain(|(_, at)| *at > now);
        due.into_iter().map(|(t, _)| t).collect()
    }

    pub(crate) fn next(&self) -> Option<Instant> {
        self.0.iter().map(|(_, at)| *at).min()
    }

    pub(crate) fn is_set(&self, timer: Timer) -> bool {
        self.0.iter().any(|(t, _)| *t == timer)
    }
}
