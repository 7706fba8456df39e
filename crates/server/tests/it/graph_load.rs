//! Load figures for the Graph door through the real HTTPS API with a local notification receiver
//! (issue 4's targets): calls created → established → deleted per second, and dial → incoming-call
//! notification latency. Ignored by default; run in release mode:
//! `cargo test -p ringside-server --release --test it graph_load:: -- --ignored --nocapture`
//! (`RINGSIDE_LOAD_CALLS`, `RINGSIDE_LOAD_CONCURRENCY`, `RINGSIDE_LOAD_RATE` adjust it).
//!
//! The one test of the suite on real time: it measures wall-clock throughput and latency, so the
//! server's media plane runs on real-time threads ([`TestServer::start_real_time`]), the runtime
//! has worker threads, and `std::time::Instant` is the right clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use ringside_testkit::server::{serve, TestServer};
use serde_json::{json, Value};
use tokio::sync::Notify;

#[derive(Default)]
struct Seen {
    /// call id → when its `established` (or incoming `created`) notification arrived.
    at: Mutex<HashMap<String, Instant>>,
    notify: Notify,
}

async fn receive(State(seen): State<Arc<Seen>>, body: axum::body::Bytes) -> StatusCode {
    let now = Instant::now();
    if let Ok(value) = serde_json::from_slice::<Value>(&body) {
        for n in value["value"].as_array().into_iter().flatten() {
            let data = &n["resourceData"];
            let state = data["state"].as_str().unwrap_or("");
            if state == "established" || (n["changeType"] == "created" && state == "incoming") {
                if let Some(id) = data["id"].as_str() {
                    seen.at.lock().unwrap().entry(id.to_string()).or_insert(now);
                    seen.notify.notify_waiters();
                }
            }
        }
    }
    StatusCode::ACCEPTED
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    println!(
        "{label}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
}

async fn wait_for(seen: &Seen, id: &str, limit: Duration) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let notified = seen.notify.notified();
        if let Some(at) = seen.at.lock().unwrap().get(id) {
            return Some(*at);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        let _ = tokio::time::timeout(left.min(Duration::from_millis(50)), notified).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load figures; run in release with --ignored --nocapture"]
async fn graph_setup_and_incoming_figures() {
    let calls = env("RINGSIDE_LOAD_CALLS", 3_000);
    let concurrency = env("RINGSIDE_LOAD_CONCURRENCY", 64);
    let rate = env("RINGSIDE_LOAD_RATE", 200);
    let h = TestServer::start_real_time().await;
    let http = h
        .client_builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let dev = h.dev.clone();
    let base = h.base.clone();
    let seen = Arc::new(Seen::default());
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(seen.clone());
    let hook = format!("http://{}", serve(app).await);
    let token = h.token.clone();
    let admin = |method: reqwest::Method, path: String, body: Value| {
        let (http, base, token) = (http.clone(), base.clone(), dev.admin_token.clone());
        async move {
            http.request(method, format!("{base}/ringside/v1{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Users answer at once, so create → established measures the platform, not a ring delay.
    for user in &dev.users {
        let status = admin(
            reqwest::Method::PUT,
            format!("/phones/{}/behaviour", user.id),
            json!({"answerAfter": "0ms"}),
        )
        .await;
        assert!(status.is_success());
    }

    // ---- graph-setup ----------------------------------------------------------------------
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, token, hook, seen, next, users) = (
            http.clone(),
            base.clone(),
            token.clone(),
            hook.clone(),
            seen.clone(),
            next.clone(),
            dev.users.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= calls {
                    return out;
                }
                let user = &users[i % users.len()].id;
                let t0 = Instant::now();
                let response = http
                    .post(format!("{base}/v1.0/communications/calls"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "callbackUri": format!("{hook}/setup"),
                        "targets": [{"identity": {"user": {"id": user}}}],
                        "requestedModalities": ["audio"],
                        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 201);
                let body: Value = response.json().await.unwrap();
                let t1 = Instant::now();
                let id = body["id"].as_str().unwrap().to_string();
                let established = wait_for(&seen, &id, Duration::from_secs(10))
                    .await
                    .expect("established notification");
                let status = http
                    .delete(format!("{base}/v1.0/communications/calls/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status.as_u16(), 204);
                let t2 = Instant::now();
                out.push((t1 - t0, established.saturating_duration_since(t0), t2 - t0));
            }
        }));
    }
    let mut create = Vec::new();
    let mut to_established = Vec::new();
    let mut full = Vec::new();
    for task in tasks {
        for (a, b, c) in task.await.unwrap() {
            create.push(a);
            to_established.push(b);
            full.push(c);
        }
    }
    let wall = started.elapsed();
    println!(
        "graph-setup: {calls} calls, concurrency {concurrency}: {:.0} calls/s (create → established → deleted) in {:.2} s",
        calls as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    percentiles("  create (201)", create);
    percentiles("  create → established notification", to_established);
    percentiles("  create → deleted (204)", full);

    // ---- graph-incoming ---------------------------------------------------------------------
    let status = admin(
        reqwest::Method::PATCH,
        format!("/applications/{}", dev.app.client_id),
        json!({"bot": {"callingWebhookUrl": format!("{hook}/incoming")}}),
    )
    .await;
    assert!(status.is_success());
    let dials = (rate * 5).min(calls);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut pending = Vec::new();
    let begin = Instant::now();
    for i in 0..dials {
        let due = begin + interval * i as u32;
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        let (http, base, admin_token, seen) = (
            http.clone(),
            base.clone(),
            dev.admin_token.clone(),
            seen.clone(),
        );
        pending.push(tokio::spawn(async move {
            let from = format!("%2B1425556{:04}", i % 10_000);
            let t0 = Instant::now();
            let response = http
                .post(format!("{base}/ringside/v1/phones/{from}/calls"))
                .bearer_auth(admin_token)
                .json(&json!({"to": "+14255550100", "hangupAfter": "1s"}))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let body: Value = response.json().await.unwrap();
            // The bot's leg is the dial's target leg: the incoming call id.
            let id = body["targetLegId"].as_str().unwrap().to_string();
            let at = wait_for(&seen, &id, Duration::from_secs(10))
                .await
                .expect("incoming notification");
            at.saturating_duration_since(t0)
        }));
    }
    let mut latency = Vec::new();
    for task in pending {
        latency.push(task.await.unwrap());
    }
    println!(
        "graph-incoming: {dials} dials at {rate}/s: dial request sent → incoming-call notification received"
    );
    percentiles("  dial → notification", latency);
    h.shutdown().await;
}
