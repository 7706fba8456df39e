//! Two outbox nodes on one PostgreSQL database (issue 18): node A enqueues notifications for a
//! webhook that is down and dies (stops without delivering, its leases no longer renewed); node B,
//! which left A's rows alone while A lived, claims them once A's leases ran out and delivers every
//! one exactly once, in order per call, to a real HTTP receiver. Short leases are injected; the
//! waits are bounded polls of the database and the receiver, on real time (real sockets, a real
//! database).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ringside_identity::SigningKey;
use ringside_runtime::outbox::{unix_ms, Leases, Outbox, TokenSigner};
use ringside_store::{Database, NewOutboxRow, OutboxStore, RetryPolicy};
use ringside_testkit::postgres::TestPostgres;

const KEYS: usize = 6;
const PER_KEY: usize = 10;
const ROWS: usize = KEYS * PER_KEY;
const LEASE: Duration = Duration::from_millis(400);
/// Bound on every wait (claims come within a lease and a renewal; retries back off to a few s).
const PATIENCE: Duration = Duration::from_secs(60);

fn leases(node: &str) -> Leases {
    Leases {
        node: node.into(),
        lease: LEASE,
        renew_every: Duration::from_millis(100),
        // Tiny blocks: enqueue runs through several, and through waiting for the spare.
        id_block: 4,
    }
}

fn start(database: &Database, node: &str) -> Outbox {
    let key = SigningKey::generate().expect("key");
    Outbox::start(
        database,
        leases(node),
        TokenSigner::new(key, "https://127.0.0.1:1".into()),
        None,
        &[],
        Arc::new(|_: &NewOutboxRow| true),
    )
    .expect("outbox")
}

fn row(url: &str, key: usize, seq: usize) -> NewOutboxRow {
    NewOutboxRow {
        ordering_key: format!("call-{key}"),
        target_url: url.into(),
        dialect: "test".into(),
        audience: "app".into(),
        tenant: "tenant".into(),
        headers: vec![
            ("X-Key".into(), format!("call-{key}")),
            ("X-Seq".into(), seq.to_string()),
        ],
        body: b"{}".to_vec(),
        retry_policy: RetryPolicy::Standard,
        created_at_ms: unix_ms(),
    }
}

/// Pending rows by owner, polled until `done` holds it (or the patience runs out).
async fn until_owners(
    database: &Database,
    what: &str,
    done: impl Fn(&[(Option<String>, u64)]) -> bool,
) -> Vec<(Option<String>, u64)> {
    let store = OutboxStore::connect(database).expect("store");
    let started = Instant::now();
    loop {
        let owners = store.pending_by_owner().expect("owners");
        if done(&owners) || started.elapsed() > PATIENCE {
            eprintln!("{what}: after {:?}", started.elapsed());
            return owners;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Receives POSTs on `listener`, recording `(X-Key, X-Seq)` in arrival order.
fn receiver(listener: tokio::net::TcpListener) -> Arc<Mutex<Vec<(String, usize)>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(axum::routing::post(
        move |headers: axum::http::HeaderMap| {
            let log = log.clone();
            async move {
                let get = |name| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                let seq = get("x-seq").parse().unwrap_or(usize::MAX);
                log.lock().expect("log").push((get("x-key"), seq));
                axum::http::StatusCode::ACCEPTED
            }
        },
    ));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    seen
}

fn backlog(outbox: &Outbox) -> String {
    let mut registry = prometheus_client::registry::Registry::with_prefix("ringside");
    outbox.metrics().register(&mut registry);
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry).expect("encode");
    out.lines()
        .filter(|l| l.starts_with("ringside_notification_backlog{"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_notifications_are_claimed_and_delivered_once_in_order() {
    let database = Database::Postgres(TestPostgres::shared().fresh_database());
    // The webhook is down: nothing listens on its port until node A is dead.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/cb");

    let a = start(&database, "a");
    for seq in 0..PER_KEY {
        for key in 0..KEYS {
            a.enqueue(row(&url, key, seq));
        }
    }
    let all_a = |o: &[(Option<String>, u64)]| o == [(Some("a".to_string()), ROWS as u64)];
    let owners = until_owners(&database, "a's rows stored", all_a).await;
    assert!(all_a(&owners), "node a stored its rows: {owners:?}");

    // B starts while A lives and renews: B's start and its claims leave A's rows alone.
    let b = start(&database, "b");
    tokio::time::sleep(LEASE * 3).await;
    let owners = OutboxStore::connect(&database)
        .expect("store")
        .pending_by_owner()
        .expect("owners");
    assert!(
        all_a(&owners),
        "a live node's rows stay its own: {owners:?}"
    );

    // A dies. Once its leases ran out B claims every row.
    a.stop();
    let all_b = |o: &[(Option<String>, u64)]| o == [(Some("b".to_string()), ROWS as u64)];
    let owners = until_owners(&database, "b claims", all_b).await;
    assert!(all_b(&owners), "node b claimed a's rows: {owners:?}");
    assert!(
        backlog(&b).contains(&format!("{{profile=\"default\"}} {ROWS}")),
        "b's backlog counts the claimed rows: {}",
        backlog(&b)
    );

    // The webhook comes back; B delivers.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("rebind the webhook's port");
    let seen = receiver(listener);
    let owners = until_owners(&database, "delivered", <[_]>::is_empty).await;
    assert!(
        owners.is_empty(),
        "every row delivered and deleted: {owners:?}"
    );

    let seen = seen.lock().expect("seen").clone();
    assert_eq!(
        seen.len(),
        ROWS,
        "each row delivered exactly once: {seen:?}"
    );
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (key, seq) in seen {
        by_key.entry(key).or_default().push(seq);
    }
    assert_eq!(by_key.len(), KEYS);
    for (key, seqs) in by_key {
        assert_eq!(seqs, (0..PER_KEY).collect::<Vec<_>>(), "{key} in order");
    }
    assert!(
        backlog(&b).contains("{profile=\"default\"} 0"),
        "b's backlog is back to zero: {}",
        backlog(&b)
    );
    b.stop();
}
