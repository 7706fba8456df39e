//! The runtime's Prometheus metrics: what it records as things happen (call set-up latency in the
//! runtime task, notification delivery in the outbox) and the census of live calls and legs it
//! reports at scrape time ([`CallRuntime::census`](crate::CallRuntime::census)). The composition
//! root registers them and serves `/metrics`; no HTTP here.

use std::collections::BTreeMap;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use ringside_engine::{Direction, LegState};

/// Bucket bounds (seconds) of call set-up latency: 10 ms … 60 s.
pub const SETUP_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Bucket bounds (seconds) of notification delivery latency: 5 ms … 1 h (retries back off up to
/// a minute apart; Event Grid's schedule goes on for hours).
pub const DELIVERY_BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0,
    3_600.0,
];

/// The dialect of a call or leg: the name its door was registered with
/// ([`Doors::with_dialect`](crate::Doors::with_dialect)), or `none` when no door owns a bot leg
/// in it (the built-in responder answers, or only simulated endpoints take part).
pub const NO_DIALECT: &str = "none";

/// Labels of call set-up latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct SetupLabels {
    /// `graph`, `acs` or `none`.
    pub dialect: &'static str,
    /// The bot leg's direction: `incoming` (the bot was called) or `outgoing` (it placed the call).
    pub direction: &'static str,
}

/// Labels of live calls.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct CallLabels {
    /// `graph`, `acs` or `none`.
    pub dialect: &'static str,
    /// `establishing` (no leg connected yet) or `established`.
    pub state: &'static str,
}

/// Labels of live legs.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct LegLabels {
    /// The dialect of the leg's call.
    pub dialect: &'static str,
    /// `bot`, `simulated_user` or `external_phone`.
    pub kind: &'static str,
    /// The leg's state in snake case ([`state_label`]).
    pub state: &'static str,
}

/// Labels of one delivery profile's figures.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct ProfileLabels {
    /// The outbox's delivery profile (`graph`, `acs`, `eventgrid`, …; `default` for rows naming
    /// no registered profile).
    pub profile: &'static str,
}

/// Labels of delivery attempts.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct AttemptLabels {
    /// The delivery profile.
    pub profile: &'static str,
    /// The row's state after the attempt: `delivered`, `retrying`, `dropped` or `expired`.
    pub outcome: &'static str,
}

/// Every state a live call is counted in.
pub const CALL_STATES: [&str; 2] = ["establishing", "established"];

/// Live calls and legs, counted by the runtime task when asked (every registered dialect's calls
/// are there, at zero when it has none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Live calls (conversations not ended) by dialect and state.
    pub calls: BTreeMap<CallLabels, u64>,
    /// Legs not terminated, of live calls, by dialect, kind and state.
    pub legs: BTreeMap<LegLabels, u64>,
}

fn setup_histogram() -> Histogram {
    Histogram::new(SETUP_BUCKETS)
}

fn delivery_histogram() -> Histogram {
    Histogram::new(DELIVERY_BUCKETS)
}

/// What the runtime task records about calls. Cheap to clone (shared counters).
#[derive(Clone, Debug)]
pub struct CallMetrics {
    setup: Family<SetupLabels, Histogram, fn() -> Histogram>,
}

impl Default for CallMetrics {
    fn default() -> CallMetrics {
        CallMetrics {
            setup: Family::new_with_constructor(setup_histogram),
        }
    }
}

impl CallMetrics {
    /// Creates the (empty) series of `dialect`'s calls in both directions, so that they are
    /// exported before the first call.
    pub(crate) fn prepare(&self, dialect: &'static str) {
        for direction in ["incoming", "outgoing"] {
            drop(
                self.setup
                    .get_or_create(&SetupLabels { dialect, direction }),
            );
        }
    }

    /// A bot leg connected `seconds` after its call was created.
    pub(crate) fn set_up(&self, dialect: &'static str, direction: Direction, seconds: f64) {
        let direction = match direction {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        };
        self.setup
            .get_or_create(&SetupLabels { dialect, direction })
            .observe(seconds);
    }

    /// Registers `call_setup_seconds` (a histogram).
    pub fn register(&self, registry: &mut Registry) {
        registry.register_with_unit(
            "call_setup",
            "Time from a call's creation until its bot leg was established, by the bot's dialect and direction",
            Unit::Seconds,
            self.setup.clone(),
        );
    }
}

/// What the outbox records about deliveries. Cheap to clone (shared counters).
#[derive(Clone, Debug)]
pub struct OutboxMetrics {
    attempts: Family<AttemptLabels, Counter>,
    retries: Family<ProfileLabels, Counter>,
    latency: Family<ProfileLabels, Histogram, fn() -> Histogram>,
    backlog: Family<ProfileLabels, Gauge>,
}

impl Default for OutboxMetrics {
    fn default() -> OutboxMetrics {
        OutboxMetrics {
            attempts: Family::default(),
            retries: Family::default(),
            latency: Family::new_with_constructor(delivery_histogram),
            backlog: Family::default(),
        }
    }
}

/// Every outcome an attempt can have.
const OUTCOMES: [&str; 4] = ["delivered", "retrying", "dropped", "expired"];

impl OutboxMetrics {
    /// Creates `profile`'s series at zero, so that they are exported before the first delivery.
    pub(crate) fn prepare(&self, profile: &'static str) {
        for outcome in OUTCOMES {
            drop(
                self.attempts
                    .get_or_create(&AttemptLabels { profile, outcome }),
            );
        }
        let labels = ProfileLabels { profile };
        drop(self.retries.get_or_create(&labels));
        drop(self.latency.get_or_create(&labels));
        drop(self.backlog.get_or_create(&labels));
    }

    /// A row was queued (enqueued now, or left pending by a previous run).
    pub(crate) fn queued(&self, profile: &'static str) {
        self.backlog.get_or_create(&ProfileLabels { profile }).inc();
    }

    /// A row left the queue (delivered, refused, given up or no longer wanted).
    pub(crate) fn finished(&self, profile: &'static str) {
        self.backlog.get_or_create(&ProfileLabels { profile }).dec();
    }

    /// An attempt was made; `retry` when it was not the row's first.
    pub(crate) fn attempted(&self, profile: &'static str, outcome: &'static str, retry: bool) {
        self.attempts
            .get_or_create(&AttemptLabels { profile, outcome })
            .inc();
        if retry {
            self.retries.get_or_create(&ProfileLabels { profile }).inc();
        }
    }

    /// A row was delivered `seconds` after it was enqueued.
    pub(crate) fn delivered(&self, profile: &'static str, seconds: f64) {
        self.latency
            .get_or_create(&ProfileLabels { profile })
            .observe(seconds);
    }

    /// Registers the `notification_*` families.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "notification_attempts",
            "Notification delivery attempts (POSTs to webhooks, after redirects) by delivery profile and the row's state after the attempt",
            self.attempts.clone(),
        );
        registry.register(
            "notification_retries",
            "Notification delivery attempts that were not a row's first, by delivery profile",
            self.retries.clone(),
        );
        registry.register_with_unit(
            "notification_delivery",
            "Time from a notification's enqueueing until a webhook accepted it (2xx), by delivery profile",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register(
            "notification_backlog",
            "Notifications waiting for delivery (queued or between retries), by delivery profile",
            self.backlog.clone(),
        );
    }
}

/// A leg state's label: `incoming`, `establishing`, `established`, `hold`, `transferring`,
/// `transfer_accepted`, `redirecting`, `terminating` or `terminated`.
pub fn state_label(state: LegState) -> &'static str {
    match state {
        LegState::Incoming => "incoming",
        LegState::Establishing => "establishing",
        LegState::Established => "established",
        LegState::OnHold => "hold",
        LegState::Transferring => "transferring",
        LegState::TransferAccepted => "transfer_accepted",
        LegState::Redirecting => "redirecting",
        LegState::Terminating => "terminating",
        LegState::Terminated(_) => "terminated",
    }
}

/// A leg kind's label (the platform API's `kind` in snake case).
pub fn kind_label(kind: &'static str) -> &'static str {
    match kind {
        "simulatedUser" => "simulated_user",
        "externalPhone" => "external_phone",
        other => other,
    }
}

/// Whether a leg in `state` is connected (its call is established).
pub fn is_connected(state: LegState) -> bool {
    matches!(
        state,
        LegState::Established
            | LegState::OnHold
            | LegState::Transferring
            | LegState::TransferAccepted
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;

    fn text(register: impl FnOnce(&mut Registry)) -> String {
        let mut registry = Registry::with_prefix("ringside");
        register(&mut registry);
        let mut out = String::new();
        encode(&mut out, &registry).expect("encoding");
        out
    }

    #[test]
    fn set_up_calls_land_in_their_dialect_and_direction() {
        let metrics = CallMetrics::default();
        metrics.set_up("graph", Direction::Outgoing, 0.3);
        metrics.set_up("graph", Direction::Outgoing, 2.0);
        let out = text(|r| metrics.register(r));
        assert!(
            out.contains("# TYPE ringside_call_setup_seconds histogram"),
            "{out}"
        );
        assert!(
            out.contains(
                "ringside_call_setup_seconds_count{dialect=\"graph\",direction=\"outgoing\"} 2"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "ringside_call_setup_seconds_bucket{dialect=\"graph\",direction=\"outgoing\",le=\"0.5\"} 1"
            ),
            "{out}"
        );
    }

    #[test]
    fn the_backlog_follows_rows_in_and_out_and_retries_are_counted_apart() {
        let metrics = OutboxMetrics::default();
        metrics.queued("graph");
        metrics.queued("graph");
        metrics.attempted("graph", "retrying", false);
        metrics.attempted("graph", "delivered", true);
        metrics.delivered("graph", 1.5);
        metrics.finished("graph");
        let out = text(|r| metrics.register(r));
        assert!(
            out.contains("ringside_notification_backlog{profile=\"graph\"} 1"),
            "{out}"
        );
        assert!(
            out.contains(
                "ringside_notification_attempts_total{profile=\"graph\",outcome=\"retrying\"} 1"
            ),
            "{out}"
        );
        assert!(
            out.contains("ringside_notification_retries_total{profile=\"graph\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("ringside_notification_delivery_seconds_sum{profile=\"graph\"} 1.5"),
            "{out}"
        );
    }

    #[test]
    fn labels_are_snake_case() {
        assert_eq!(state_label(LegState::TransferAccepted), "transfer_accepted");
        assert_eq!(state_label(LegState::OnHold), "hold");
        assert_eq!(kind_label("simulatedUser"), "simulated_user");
        assert_eq!(kind_label("bot"), "bot");
        assert!(is_connected(LegState::OnHold));
        assert!(!is_connected(LegState::Establishing));
    }
}
