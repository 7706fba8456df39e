//! `GET /metrics` on a dev-mode server: the admin token guards it; the text is checked line by
//! line against the exposition format 0.0.4's grammar and parsed with `prometheus-parse`; the
//! families exist with their types; a Graph call to a user whose bot is down for a while moves the
//! call, set-up, delivery, retry and backlog figures; HTTP requests are counted by door and status.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use prometheus_parse::{Sample, Scrape, Value};
use ringside_testkit::server::{Received, Reply, TestServer};
use serde_json::json;

/// A scrape: the parsed samples and each family's type from its `# TYPE` line.
struct Metrics {
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Metrics {
    /// The samples of `name` whose labels include every pair of `labels`.
    fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .collect()
    }

    /// The value of the one counter or gauge sample of `name` with `labels`; 0 when there is none.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found = self.find(name, labels);
        assert!(found.len() <= 1, "{name} {labels:?}: {found:?}");
        match found.first().map(|s| &s.value) {
            None => 0.0,
            Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
            Some(other) => panic!("{name} is not a single value: {other:?}"),
        }
    }

    /// The `+Inf` bucket (the count) of histogram `name` with `labels`; 0 when there is none.
    fn count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found = self.find(name, labels);
        assert!(found.len() <= 1, "{name} {labels:?}: {found:?}");
        match found.first().map(|s| &s.value) {
            None => 0.0,
            Some(Value::Histogram(buckets)) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map(|b| b.count)
                .expect("an +Inf bucket"),
            Some(other) => panic!("{name} is not a histogram: {other:?}"),
        }
    }
}

async fn get_metrics(h: &TestServer, token: Option<&str>) -> Reply {
    let mut request = h.http.get(h.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    ringside_testkit::server::send(request).await
}

async fn scrape(h: &TestServer) -> Metrics {
    let reply = get_metrics(h, Some(&h.dev.admin_token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8(reply.bytes.clone()).expect("UTF-8");
    let types = check_grammar(&text);
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_string()))).expect("parses");
    Metrics {
        types,
        samples: scrape.samples,
    }
}

fn is_name(name: &str, first: impl Fn(char) -> bool) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(first)
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_metric_name(name: &str) -> bool {
    is_name(name, |c| c.is_ascii_alphabetic() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    is_name(name, |c| c.is_ascii_alphabetic() || c == '_') && !name.contains(':')
}

/// Splits `{a="x",b="y"}` (already without braces) into pairs, checking names and quoting.
fn label_pairs(mut rest: &str, line: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label: {line}"));
        assert!(is_label_name(name), "label name {name:?}: {line}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    let (_, escaped) = chars.next().expect("escape");
                    assert!(matches!(escaped, '\\' | '"' | 'n'), "escape: {line}");
                    value.push(escaped);
                }
                Some((at, '"')) => break at,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        pairs.push((name.to_string(), value));
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    pairs
}

/// Checks every line against the text format 0.0.4: `# HELP name text`, `# TYPE name type` (once
/// per family, before its samples), and `name{label="value",…} value` samples whose name is their
/// family's (or, for a histogram, its `_bucket`/`_sum`/`_count`, buckets with an `le`); names start
/// with `ringside_`. Returns each family's type.
fn check_grammar(text: &str) -> HashMap<String, String> {
    let mut types: HashMap<String, String> = HashMap::new();
    assert!(text.ends_with('\n'), "the text ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name text");
            assert!(is_metric_name(name) && !help.is_empty(), "{line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name type");
            assert!(is_metric_name(name), "{line}");
            assert!(name.starts_with("ringside_"), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "one TYPE per family: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment: {line}");
        let (series, value) = line.rsplit_once(' ').expect("a sample: name value");
        assert!(
            value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
            "{line}"
        );
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => {
                let labels = labels.strip_suffix('}').expect("labels close");
                (name, label_pairs(labels, line))
            }
            None => (series, Vec::new()),
        };
        assert!(is_metric_name(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
            })
            .unwrap_or(name);
        let kind = types
            .get(family)
            .unwrap_or_else(|| panic!("a sample before its TYPE: {line}"));
        if kind == "counter" {
            assert!(name.ends_with("_total"), "{line}");
        }
        if name.ends_with("_bucket") && kind == "histogram" {
            assert!(labels.iter().any(|(k, _)| k == "le"), "{line}");
        }
        assert!(
            labels.iter().all(|(k, _)| k != "call_id" && k != "id"),
            "no call ids as labels: {line}"
        );
    }
    types
}

#[tokio::test(start_paused = true)]
async fn metrics_need_the_admin_token() {
    let h = TestServer::start().await;
    let missing = get_metrics(&h, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.code(), "InvalidAuthenticationToken");
    let wrong = get_metrics(&h, Some("rs_admin_not_the_token")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // A Graph token is not the admin token either.
    let graph = get_metrics(&h, Some(&h.token)).await;
    assert_eq!(graph.status, StatusCode::UNAUTHORIZED);
    // The refusals are counted like any request.
    let m = scrape(&h).await;
    assert_eq!(
        m.value(
            "ringside_http_requests_total",
            &[("door", "other"), ("status", "401")]
        ),
        3.0
    );
}

#[tokio::test(start_paused = true)]
async fn metrics_have_their_families_and_types() {
    let h = TestServer::start().await;
    let m = scrape(&h).await;
    for (name, kind) in [
        ("ringside_http_requests_total", "counter"),
        ("ringside_http_request_duration_seconds", "histogram"),
        ("ringside_call_setup_seconds", "histogram"),
        ("ringside_notification_attempts_total", "counter"),
        ("ringside_notification_retries_total", "counter"),
        ("ringside_notification_delivery_seconds", "histogram"),
        ("ringside_notification_backlog", "gauge"),
        ("ringside_live_calls", "gauge"),
        ("ringside_media_ticks_total", "counter"),
        ("ringside_media_skipped_frames_total", "counter"),
        ("ringside_media_tick_lateness_seconds", "gauge"),
        ("ringside_media_tick_work_seconds", "gauge"),
        ("ringside_media_conversations", "gauge"),
        ("ringside_media_legs", "gauge"),
        ("ringside_media_rtp_packets_total", "counter"),
        ("ringside_media_rtp_bytes_total", "counter"),
        ("ringside_media_rtp_dropped_total", "counter"),
    ] {
        assert_eq!(m.types.get(name).map(String::as_str), Some(kind), "{name}");
    }
    // Before any call, every dialect's calls and delivery profiles are there at zero.
    for dialect in ["graph", "acs", "none"] {
        let at = [("dialect", dialect), ("state", "establishing")];
        assert_eq!(m.find("ringside_live_calls", &at).len(), 1, "{dialect}");
        let at = [("dialect", dialect), ("direction", "incoming")];
        assert_eq!(m.count("ringside_call_setup_seconds", &at), 0.0);
        assert_eq!(m.find("ringside_call_setup_seconds", &at).len(), 1);
    }
    for profile in ["graph", "acs", "eventgrid"] {
        let at = [("profile", profile)];
        assert_eq!(
            m.find("ringside_notification_backlog", &at).len(),
            1,
            "{profile}"
        );
        assert_eq!(m.value("ringside_notification_backlog", &at), 0.0);
    }
    // The media clock's figures are per shard, its lateness by quantile.
    assert!(!m
        .find("ringside_media_ticks_total", &[("shard", "0")])
        .is_empty());
    for quantile in ["0.5", "0.99", "1"] {
        let at = [("shard", "0"), ("quantile", quantile)];
        assert_eq!(m.find("ringside_media_tick_lateness_seconds", &at).len(), 1);
    }
    // The harness's token request went through the identity door.
    assert!(
        m.value(
            "ringside_http_requests_total",
            &[("door", "identity"), ("status", "200")]
        ) >= 1.0
    );
    assert!(
        m.count(
            "ringside_http_request_duration_seconds",
            &[("door", "identity")]
        ) >= 1.0
    );
}

fn established(received: &[Received]) -> bool {
    received
        .iter()
        .any(|r| r.body["value"][0]["resourceData"]["state"] == "established")
}

#[tokio::test(start_paused = true)]
async fn metrics_follow_a_call_and_its_notifications() {
    let h = TestServer::start().await;
    let before = scrape(&h).await;
    let graph_calls = |m: &Metrics| {
        m.value(
            "ringside_live_calls",
            &[("dialect", "graph"), ("state", "establishing")],
        ) + m.value(
            "ringside_live_calls",
            &[("dialect", "graph"), ("state", "established")],
        )
    };
    assert_eq!(graph_calls(&before), 0.0);
    let graph = [("profile", "graph")];
    assert_eq!(
        before.count("ringside_notification_delivery_seconds", &graph),
        0.0
    );

    // The bot is down at first: the first notification is retried.
    h.hook.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    let user = &h.dev.users[0];
    let Reply { status, body, .. } = h
        .graph(
            reqwest::Method::POST,
            "/v1.0/communications/calls",
            Some(json!({
                "callbackUri": h.hook.url("/metrics"),
                "targets": [{"identity": {"user": {"id": user.id}}}],
                "requestedModalities": ["audio"],
                "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().expect("id").to_string();

    // While the bot is down, the notification waits in the backlog.
    let mut waiting = scrape(&h).await;
    for _ in 0..200 {
        if h.hook.refused() >= 1 {
            waiting = scrape(&h).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(h.hook.refused() >= 1, "delivery was attempted");
    assert!(waiting.value("ringside_notification_backlog", &graph) >= 1.0);
    assert!(
        waiting.value(
            "ringside_notification_attempts_total",
            &[("profile", "graph"), ("outcome", "retrying")]
        ) >= 1.0
    );
    assert_eq!(graph_calls(&waiting), 1.0);

    h.hook.answer_with(StatusCode::ACCEPTED);
    let received = h
        .hook
        .wait_until(Duration::from_secs(10), established)
        .await;
    assert!(established(&received), "the call was established");

    // Once every notification is delivered the backlog is empty again (polled: the outbox
    // counts a delivery when it has read the webhook's answer).
    let mut after = scrape(&h).await;
    for _ in 0..200 {
        if after.value("ringside_notification_backlog", &graph) == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        after = scrape(&h).await;
    }
    assert_eq!(after.value("ringside_notification_backlog", &graph), 0.0);
    let delivered = after.value(
        "ringside_notification_attempts_total",
        &[("profile", "graph"), ("outcome", "delivered")],
    );
    assert!(
        delivered >= received.len() as f64,
        "{delivered} < {}",
        received.len()
    );
    assert_eq!(
        after.count("ringside_notification_delivery_seconds", &graph),
        delivered
    );
    assert!(after.value("ringside_notification_retries_total", &graph) >= 1.0);

    // The call: live, established, with the bot's and the user's legs; its set-up observed once.
    assert_eq!(
        after.types.get("ringside_live_legs").map(String::as_str),
        Some("gauge")
    );
    assert_eq!(
        after.value(
            "ringside_live_calls",
            &[("dialect", "graph"), ("state", "established")]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "ringside_live_legs",
            &[
                ("dialect", "graph"),
                ("kind", "bot"),
                ("state", "established")
            ]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "ringside_live_legs",
            &[
                ("dialect", "graph"),
                ("kind", "simulated_user"),
                ("state", "established")
            ]
        ),
        1.0
    );
    let setup = [("dialect", "graph"), ("direction", "outgoing")];
    assert_eq!(after.count("ringside_call_setup_seconds", &setup), 1.0);
    let sum = after.value("ringside_call_setup_seconds_sum", &setup);
    assert!(sum > 0.0, "the user took a while to answer: {sum}");

    // HTTP requests by door and status: the createCall (201) through the Graph door.
    assert!(
        after.value(
            "ringside_http_requests_total",
            &[("door", "graph"), ("status", "201")]
        ) >= 1.0
    );
    assert!(
        after.value(
            "ringside_http_requests_total",
            &[("door", "other"), ("status", "200")]
        ) >= 2.0,
        "the scrapes themselves"
    );

    // Hanging up ends the call: no live call is left.
    let Reply { status, .. } = h
        .graph(
            reqwest::Method::DELETE,
            &format!("/v1.0/communications/calls/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let mut ended = scrape(&h).await;
    for _ in 0..200 {
        let live = [("dialect", "graph"), ("state", "established")];
        if ended.value("ringside_live_calls", &live) == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        ended = scrape(&h).await;
    }
    assert!(ended
        .find("ringside_live_calls", &[])
        .iter()
        .all(|s| s.value == Value::Gauge(0.0)));
    assert!(ended.find("ringside_live_legs", &[]).is_empty());
    assert!(
        ended.value(
            "ringside_http_requests_total",
            &[("door", "graph"), ("status", "204")]
        ) >= 1.0
    );
}
