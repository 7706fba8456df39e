//! HTTP requests in `/metrics`: a middleware on the whole router counts every request by the door
//! that serves it and the response's status, and times it (until the response head is ready).

use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use super::Metrics;

/// Bucket bounds (seconds) of request durations: 1 ms … 10 s.
const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The ACS data-plane services the ACS door answers for (Call Automation, and the others it
/// refuses in its own envelope).
const ACS_SERVICES: [&str; 8] = [
    "calling",
    "identities",
    "rooms",
    "chat",
    "sms",
    "emails",
    "phoneNumbers",
    "availablePhoneNumbers",
];

/// Segments that follow a tenant in the identity door's paths (`/{tenant}/oauth2/v2.0/token`, …).
const IDENTITY_SEGMENTS: [&str; 5] = ["oauth2", "discovery", "v2.0", ".well-known", "adminconsent"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    door: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DoorLabels {
    door: &'static str,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// The HTTP families. Cheap to clone (shared counters).
#[derive(Clone, Debug)]
pub(crate) struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<DoorLabels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> HttpMetrics {
        HttpMetrics {
            requests: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
        }
    }
}

impl HttpMetrics {
    /// Registers `http_requests_total` and `http_request_duration_seconds`.
    pub(crate) fn register(&self, registry: &mut Registry) {
        registry.register(
            "http_requests",
            "HTTP requests by the door that served them (graph, acs, platform, identity, console, other) and response status code",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request reaching the router (its body read) until its response head, by door",
            Unit::Seconds,
            self.duration.clone(),
        );
    }

    fn observe(&self, door: &'static str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { door, status })
            .inc();
        self.duration
            .get_or_create(&DoorLabels { door })
            .observe(seconds);
    }
}

/// The middleware: every request, by door and status.
pub(crate) async fn track(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let door = door_of(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics
        .http()
        .observe(door, response.status().as_u16(), seconds);
    response
}

/// The door a (normalised) path belongs to: `graph`, `acs`, `platform`, `identity`, `console` or
/// `other` (the root, `/metrics`, unknown paths).
pub(crate) fn door_of(path: &str) -> &'static str {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let first = segments.next().unwrap_or("");
    let second = segments.next().unwrap_or("");
    match first {
        "v1.0" | "beta" => "graph",
        "ringside" if second == "v1" => "platform",
        "console" => "console",
        // The recording content downloads (`/v1/objects/{document}/content/{kind}`).
        "v1" if second == "objects" => "acs",
        service if ACS_SERVICES.contains(&service) => "acs",
        _ if IDENTITY_SEGMENTS.contains(&second) => "identity",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::door_of;

    #[test]
    fn paths_are_told_apart_by_door() {
        for (path, door) in [
            ("/v1.0/communications/calls", "graph"),
            ("/beta/admin/teams/resourceAccounts", "graph"),
            ("/calling/callConnections", "acs"),
            ("/calling/callConnections:answer", "acs"),
            ("/v1/objects/abc/content/audio", "acs"),
            ("/sms", "acs"),
            ("/ringside/v1/calls", "platform"),
            ("/console", "console"),
            ("/console/events", "console"),
            ("/contoso.onmicrosoft.com/oauth2/v2.0/token", "identity"),
            ("/common/discovery/v2.0/keys", "identity"),
            ("/tid/v2.0/.well-known/openid-configuration", "identity"),
            ("/tid/.well-known/openid-configuration", "identity"),
            ("/tid/adminconsent", "identity"),
            ("/", "other"),
            ("/metrics", "other"),
            ("/ringside", "other"),
            ("/nothing/here", "other"),
        ] {
            assert_eq!(door_of(path), door, "{path}");
        }
    }
}
