//! The outbox's unit tests: backoff, Event Grid's schedule, Retry-After, loopback hosts, the
//! token cache, and the ignored throughput benchmark.

use super::*;

#[test]
fn backoff_doubles_up_to_the_cap() {
    assert_eq!(backoff(1), Duration::from_secs(1));
    assert_eq!(backoff(2), Duration::from_secs(2));
    assert_eq!(backoff(3), Duration::from_secs(4));
    assert_eq!(backoff(7), Duration::from_secs(60));
    assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
}

#[test]
fn event_grid_rows_follow_event_grids_schedule() {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let delays: Vec<Duration> = (1..=11)
        .map(|n| retry_delay(RetryPolicy::EventGrid, n, Some(Duration::from_secs(1))))
        .collect();
    assert_eq!(
        delays,
        vec![
            Duration::from_secs(10),
            Duration::from_secs(30),
            minutes(1),
            minutes(5),
            minutes(10),
            minutes(30),
            minutes(60),
            minutes(180),
            minutes(360),
            minutes(720),
            minutes(720),
        ]
    );
    assert_eq!(give_up_after(RetryPolicy::EventGrid), minutes(1_440));
    // Other rows keep their backoff and read Retry-After.
    assert_eq!(
        retry_delay(RetryPolicy::Standard, 1, None),
        Duration::from_secs(1)
    );
    assert_eq!(
        retry_delay(RetryPolicy::Standard, 1, Some(Duration::from_secs(5))),
        Duration::from_secs(5)
    );
    assert_eq!(give_up_after(RetryPolicy::Standard), GIVE_UP_AFTER);
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
    assert_eq!(parse_retry_after("100000"), Some(MAX_BACKOFF));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn loopback_hosts() {
    for (url, expected) in [
        ("http://localhost:3000/cb", true),
        ("http://127.0.0.1/cb", true),
        ("http://127.8.9.10/cb", true),
        ("http://[::1]:80/cb", true),
        ("https://bot.example.com/cb", false),
        ("http://10.0.0.1/cb", false),
    ] {
        let url = reqwest::Url::parse(url).expect("url");
        assert_eq!(is_loopback(&url), expected, "{url}");
    }
}

/// Throughput of the whole path (enqueue, batched insert, ordered parallel delivery, delete)
/// into a local receiver. A benchmark, not a test: run it with
/// `cargo test -p ringside-server --release --lib outbox_throughput -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark"]
async fn outbox_throughput() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const KEYS: usize = 100;
    const PER_KEY: usize = 50;
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = axum::Router::new().fallback(axum::routing::post(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            axum::http::StatusCode::ACCEPTED
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let key = SigningKey::generate().expect("key");
    let outbox = Outbox::start(
        &ringside_store::Database::sqlite(dir.path().join("ringside.db")),
        Leases::for_node("bench"),
        TokenSigner::new(key, "https://127.0.0.1:1".into()),
        None,
        &[],
        Arc::new(|_: &NewOutboxRow| true),
    )
    .expect("outbox");
    let body = vec![b'x'; 1_500];
    let started = std::time::Instant::now();
    for n in 0..PER_KEY {
        for k in 0..KEYS {
            outbox.enqueue(NewOutboxRow {
                ordering_key: format!("call-{k}"),
                target_url: url.clone(),
                dialect: "bench".into(),
                audience: "app".into(),
                tenant: "tenant".into(),
                headers: vec![("X-Seq".into(), n.to_string())],
                body: body.clone(),
                retry_policy: ringside_store::RetryPolicy::Standard,
                created_at_ms: unix_ms(),
            });
        }
    }
    let enqueued = started.elapsed();
    let total = KEYS * PER_KEY;
    while count.load(Ordering::SeqCst) < total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivered = started.elapsed();
    println!(
        "outbox: {total} notifications over {KEYS} keys: enqueued in {enqueued:?} \
         ({:.1} µs each), all delivered in {delivered:?} ({:.0}/s)",
        enqueued.as_secs_f64() * 1e6 / total as f64,
        total as f64 / delivered.as_secs_f64()
    );
    outbox.stop();
}

#[test]
fn tokens_are_cached_per_app_and_tenant() {
    let key = SigningKey::generate().expect("key");
    let signer = TokenSigner::new(key.clone(), "https://127.0.0.1:1".into());
    let a = signer.token("app-a", "tenant-1").expect("token");
    assert_eq!(signer.token("app-a", "tenant-1").expect("token"), a);
    let b = signer.token("app-b", "tenant-1").expect("token");
    assert_ne!(a, b);
    let keys = ringside_identity::KeySet::from_signing_keys([&key]);
    let validation = ringside_identity::Validation::new(
        u64::try_from(unix_ms() / 1000).unwrap_or(0),
        ["https://127.0.0.1:1/tenant-1/v2.0"],
        ["app-a"],
    );
    let claims = ringside_identity::verify(&a, &keys, &validation).expect("valid");
    assert_eq!(claims.get("tid").and_then(|v| v.as_str()), Some("tenant-1"));
}
