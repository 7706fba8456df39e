//! `GET /metrics`: the node's Prometheus metrics in the text exposition format 0.0.4, behind the
//! admin token (`Authorization: Bearer`, as the platform API). Counters and histograms are
//! recorded where things happen (the runtime's call set-up, the outbox's deliveries, HTTP requests
//! here) into one long-lived registry; gauges of what is live now (calls, legs, the media clock's
//! figures) are read at scrape time into a registry of their own, and both are encoded in turn.

mod http;
mod live;

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::registry::Registry;
use ringside_runtime::metrics::{CallMetrics, OutboxMetrics};
use ringside_runtime::{CallRuntime, Request as RuntimeRequest};

pub(crate) use http::{door_of, track};

/// Every metric name starts with this (and `_`).
const PREFIX: &str = "ringside";

/// The long-lived registry and the families this crate records into. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    http: http::HttpMetrics,
}

impl Metrics {
    /// The registry of the runtime's, the outbox's and the HTTP layer's families.
    pub(crate) fn new(calls: &CallMetrics, outbox: &OutboxMetrics) -> Metrics {
        let mut registry = Registry::with_prefix(PREFIX);
        calls.register(&mut registry);
        outbox.register(&mut registry);
        let http = http::HttpMetrics::default();
        http.register(&mut registry);
        Metrics(Arc::new(Inner { registry, http }))
    }

    fn http(&self) -> &http::HttpMetrics {
        &self.0.http
    }
}

/// The body of `GET /metrics` (the route checks the admin token first): every family. When the
/// runtime cannot answer (busy, stopping), the families read at scrape time are left out and the
/// rest served.
pub(crate) async fn render(metrics: &Metrics, calls: &CallRuntime) -> Response {
    let mut live = Registry::with_prefix(PREFIX);
    match calls.census().await {
        Ok(census) => live::census(&mut live, &census),
        Err(error) => tracing::warn!(?error, "/metrics: no census of live calls"),
    }
    let media = calls
        .ask(|reply| RuntimeRequest::MediaStats {
            reset: false,
            reply,
        })
        .await;
    match media {
        Ok(stats) => live::media(&mut live, &stats),
        Err(error) => tracing::warn!(?error, "/metrics: no media clock figures"),
    }
    let mut body = String::new();
    let encoded = prometheus_text::encode(&mut body, &metrics.0.registry)
        .and_then(|()| prometheus_text::encode(&mut body, &live));
    if encoded.is_err() {
        // Writing into a String fails only if a metric's own encoding does.
        return ringside_http::ApiError::internal("The metrics could not be encoded.")
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        body,
    )
        .into_response()
}
