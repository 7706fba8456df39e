//! Tracing spans over OTLP: a dev-mode server whose spans go through [`Telemetry`]'s layer to a
//! collector stand-in (axum on 127.0.0.1:0 taking `POST /v1/traces`, decoded with
//! `opentelemetry-proto`). A request's span arrives with its route, status and request id, a
//! webhook delivery's span with its outcome, both under the configured resource, flushed by
//! [`Telemetry::shutdown`].
//!
//! The subscriber is this test's thread's default (not the process's: the other tests share the
//! binary), so the test runs on a current-thread runtime where the server's tasks run too.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{
    span::SpanKind, status::StatusCode as SpanStatus, Span,
};
use prost::Message as _;
use ringside_server::{Telemetry, TelemetrySettings};
use ringside_testkit::server::{poll_until, TestServer};
use tracing_subscriber::layer::SubscriberExt as _;

/// What the collector stand-in received: each request's content type and decoded body.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<(String, ExportTraceServiceRequest)>>>);

impl Collector {
    async fn start(&self) -> SocketAddr {
        let received = self.clone();
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                match ExportTraceServiceRequest::decode(body) {
                    Ok(request) => {
                        received.0.lock().unwrap().push((kind, request));
                        StatusCode::OK
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    fn requests(&self) -> Vec<(String, ExportTraceServiceRequest)> {
        self.0.lock().unwrap().clone()
    }
}

/// An attribute's value as text (strings as they are, integers in decimal).
fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    let value = attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        other => Some(format!("{other:?}")),
    }
}

#[tokio::test]
async fn request_and_delivery_spans_reach_the_collector() {
    let collector = Collector::default();
    let addr = collector.start().await;
    let telemetry = Telemetry::start(&TelemetrySettings {
        traces_url: format!("http://{addr}/v1/traces"),
        service_name: "ringside-test".into(),
        node_name: "node-t".into(),
    })
    .expect("telemetry starts");
    let subscriber = tracing_subscriber::registry().with(telemetry.layer());
    let guard = tracing::subscriber::set_default(subscriber);
    // While only one dispatcher exists, tracing decides a new callsite's interest by the default of
    // the thread that hits it first: another test's thread (no subscriber) would turn the request
    // span off for everyone. A second (silent) dispatcher makes it ask every registered one.
    let _silent = tracing::Dispatch::new(
        tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::OFF),
    );

    let h = TestServer::start_real_time().await;
    let root = ringside_testkit::server::send(h.http.get(h.url("/"))).await;
    assert_eq!(root.status, StatusCode::OK);
    let request_id = root.header("request-id").to_string();
    let missing = ringside_testkit::server::send(h.http.get(h.url("/no/such/thing"))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    h.set_webhook(&h.hook.url("/calling")).await;
    h.dial("+14255550199", "+14255550100").await;
    h.hook
        .wait_for(Duration::from_secs(10), |r| r.path == "/calling")
        .await;
    // The webhook has the notification; the attempt ends once its answer is read (and counted).
    let delivered =
        "ringside_notification_attempts_total{profile=\"graph\",outcome=\"delivered\"} 1";
    let scrape = poll_until(
        Duration::from_secs(10),
        || async {
            let request = h
                .http
                .get(h.url("/metrics"))
                .bearer_auth(&h.dev.admin_token);
            ringside_testkit::server::send(request).await
        },
        |reply| String::from_utf8_lossy(&reply.bytes).contains(delivered),
    )
    .await;
    assert!(String::from_utf8_lossy(&scrape.bytes).contains(delivered));
    h.shutdown().await;
    telemetry.shutdown().await.expect("spans flushed");
    drop(guard);

    let requests = collector.requests();
    assert!(!requests.is_empty(), "no export reached the collector");
    let mut spans: Vec<Span> = Vec::new();
    for (content_type, request) in &requests {
        assert_eq!(content_type, "application/x-protobuf");
        for resource_spans in &request.resource_spans {
            let resource = &resource_spans
                .resource
                .as_ref()
                .expect("a resource")
                .attributes;
            assert_eq!(
                attribute(resource, "service.name").as_deref(),
                Some("ringside-test")
            );
            assert_eq!(
                attribute(resource, "service.instance.id").as_deref(),
                Some("node-t")
            );
            for scope in &resource_spans.scope_spans {
                spans.extend(scope.spans.iter().cloned());
            }
        }
    }
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    let get_root = spans
        .iter()
        .find(|s| s.name == "GET /")
        .unwrap_or_else(|| panic!("no `GET /` span among {names:?}"));
    assert_eq!(get_root.kind, SpanKind::Server as i32);
    let at = |span: &Span, key: &str| attribute(&span.attributes, key);
    assert_eq!(at(get_root, "http.request.method").as_deref(), Some("GET"));
    assert_eq!(at(get_root, "http.route").as_deref(), Some("/"));
    assert_eq!(
        at(get_root, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(at(get_root, "request_id"), Some(request_id));
    assert_eq!(at(get_root, "ringside.door").as_deref(), Some("other"));
    assert!(get_root.end_time_unix_nano > get_root.start_time_unix_nano);

    // No route matched: the span is named by the method alone; a 404 is not a server error.
    let not_found = spans
        .iter()
        .find(|s| at(s, "url.path").as_deref() == Some("/no/such/thing"))
        .unwrap_or_else(|| panic!("no span for the 404 among {names:?}"));
    assert_eq!(not_found.name, "GET");
    assert_eq!(
        at(not_found, "http.response.status_code").as_deref(),
        Some("404")
    );
    let unset = not_found.status.as_ref().map_or(0, |s| s.code);
    assert_ne!(unset, SpanStatus::Error as i32);

    let delivery = spans
        .iter()
        .find(|s| s.name == "notification delivery")
        .unwrap_or_else(|| panic!("no delivery span among {names:?}"));
    assert_eq!(delivery.kind, SpanKind::Client as i32);
    assert_eq!(at(delivery, "outcome").as_deref(), Some("delivered"));
    assert_eq!(
        at(delivery, "http.response.status_code").as_deref(),
        Some("202")
    );
    assert_eq!(at(delivery, "server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(at(delivery, "attempt").as_deref(), Some("1"));
}
