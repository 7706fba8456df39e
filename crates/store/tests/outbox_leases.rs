//! Outbox rows across nodes sharing one database (issue 18), on a real SQLite file and a real
//! PostgreSQL database: reserved id blocks never collide, a node claims only rows whose leases ran
//! out and takes a key whole, concurrent claimers get disjoint keys, and (Postgres) a claimer skips
//! a key another transaction has locked instead of waiting for it.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use ringside_store::{Database, Lease, NewOutboxRow, OutboxStore, RetryPolicy};
use ringside_testkit::postgres::TestPostgres;
use support::places;

fn row(key: &str, n: u32) -> NewOutboxRow {
    NewOutboxRow {
        ordering_key: key.into(),
        target_url: "http://127.0.0.1:9/cb".into(),
        dialect: "graph".into(),
        audience: "app".into(),
        tenant: "tenant".into(),
        headers: vec![("X-Seq".into(), n.to_string())],
        body: n.to_be_bytes().to_vec(),
        retry_policy: RetryPolicy::Standard,
        created_at_ms: 1_000,
    }
}

fn lease(node: &str, until_ms: i64) -> Lease<'_> {
    Lease { node, until_ms }
}

/// Inserts `rows` for `node` under freshly reserved ids; returns the ids.
fn insert_for(
    outbox: &mut OutboxStore,
    node: &str,
    until_ms: i64,
    rows: &[NewOutboxRow],
) -> Vec<i64> {
    let first = outbox.reserve_ids(rows.len() as u32).expect("reserve");
    let numbered: Vec<(i64, NewOutboxRow)> = (first..).zip(rows.iter().cloned()).collect();
    outbox
        .insert_with_ids(&numbered, lease(node, until_ms))
        .expect("insert");
    numbered.into_iter().map(|(id, _)| id).collect()
}

#[test]
fn id_blocks_reserved_by_two_nodes_never_collide() {
    for place in places() {
        let database = place.database();
        // Migrated once up front (two SQLite connections must not both migrate a new file).
        drop(OutboxStore::connect(&database).expect("migrate"));
        let reserve_many = |database: Database, node: &'static str| {
            std::thread::spawn(move || {
                let mut outbox = OutboxStore::connect(&database).expect("open");
                let mut ids = Vec::new();
                for n in 0..40 {
                    let first = outbox.reserve_ids(3).expect("reserve");
                    ids.extend(first..first + 3);
                    let numbered = vec![(first, row(node, n))];
                    outbox
                        .insert_with_ids(&numbered, lease(node, 0))
                        .expect("insert");
                }
                ids
            })
        };
        let a = reserve_many(database.clone(), "a");
        let b = reserve_many(database.clone(), "b");
        let mut all = a.join().expect("a");
        all.extend(b.join().expect("b"));
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            240,
            "{}: ids handed out twice",
            place.name()
        );
        // A row stored under an id of its own (as before schema 9) moves the counter past it.
        let body = if place.is_sqlite() { "X'78'" } else { "'x'" };
        place.raw(&format!(
            "INSERT INTO outbox (id, ordering_key, target_url, dialect, audience, tenant_id, \
             headers, body, retry_policy, next_attempt_at, created_at, state) \
             VALUES (100000, 'k', 'u', 'graph', 'a', 't', '', {body}, 'standard', 0, 0, 'pending')"
        ));
        let mut outbox = OutboxStore::connect(&database).expect("open");
        assert!(outbox.reserve_ids(1).expect("reserve") > 100_000);
    }
}

#[test]
fn a_node_claims_only_keys_whose_leases_all_ran_out() {
    for place in places() {
        let database = place.database();
        let mut a = OutboxStore::connect(&database).expect("a");
        let mut b = OutboxStore::connect(&database).expect("b");
        let k1 = insert_for(&mut a, "a", 10_000, &[row("k1", 1), row("k1", 2)]);
        let k2 = insert_for(&mut a, "a", 10_000, &[row("k2", 3)]);
        // k3: its first row's lease ran out at 5 000, its second (written later) runs to 12 000.
        let k3 = insert_for(&mut a, "a", 5_000, &[row("k3", 4)]);
        let k3_late = insert_for(&mut a, "a", 12_000, &[row("k3", 5)]);
        let name = place.name();
        assert!(
            b.claim(lease("b", 30_000), 9_000, 100)
                .expect("claim")
                .is_empty(),
            "{name}"
        );
        let claimed: Vec<i64> = b
            .claim(lease("b", 30_000), 10_001, 100)
            .expect("claim")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(
            claimed,
            [k1.clone(), k2.clone()].concat(),
            "{name}: k3 still leased"
        );
        // The previous owner coming back finds only what is still its own.
        let own: Vec<i64> = a
            .take_own(lease("a", 20_000))
            .expect("take own")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(own, [k3.clone(), k3_late.clone()].concat(), "{name}");
        assert_eq!(b.renew(lease("b", 40_000)).expect("renew"), 3, "{name}");
        assert_eq!(
            a.pending_by_owner().expect("owners"),
            vec![(Some("a".into()), 2), (Some("b".into()), 3)],
            "{name}"
        );
        // Nobody claims renewed rows, and nobody claims a key whose first row is its own.
        assert!(a
            .claim(lease("a", 50_000), 35_000, 100)
            .expect("claim")
            .is_empty());
        assert!(a
            .claim(lease("a", 50_000), 30_000, 100)
            .expect("claim")
            .is_empty());
        let late = b.claim(lease("b", 60_000), 45_000, 100).expect("claim");
        assert_eq!(
            late.len(),
            2,
            "{name}: b takes a's rows once their leases ran out"
        );
        // And b's rows, which b stopped renewing, go to a.
        let back: Vec<i64> = a
            .claim(lease("a", 70_000), 50_000, 100)
            .expect("claim")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(back, [k1, k2].concat(), "{name}");
    }
}

#[test]
fn concurrent_claimers_get_disjoint_whole_keys_in_id_order() {
    const KEYS: u32 = 40;
    for place in places() {
        let database = place.database();
        let mut writer = OutboxStore::connect(&database).expect("writer");
        let rows: Vec<NewOutboxRow> = (0..3 * KEYS)
            .map(|n| row(&format!("k{}", n % KEYS), n))
            .collect();
        insert_for(&mut writer, "dead", 1, &rows);
        let start = Arc::new(Barrier::new(2));
        let claimer = |node: &'static str| {
            let (database, start) = (database.clone(), start.clone());
            std::thread::spawn(move || {
                let mut outbox = OutboxStore::connect(&database).expect("open");
                start.wait();
                let mut got = Vec::new();
                loop {
                    let claimed = outbox.claim(lease(node, 1_000_000), 500, 3).expect("claim");
                    if claimed.is_empty()
                        && outbox
                            .pending_by_owner()
                            .expect("owners")
                            .iter()
                            .all(|(o, _)| o.as_deref() != Some("dead"))
                    {
                        return got;
                    }
                    got.extend(claimed);
                }
            })
        };
        let (a, b) = (claimer("a"), claimer("b"));
        let (a, b) = (a.join().expect("a"), b.join().expect("b"));
        let keys = |rows: &[ringside_store::OutboxRow]| {
            let mut by_key: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for r in rows {
                by_key
                    .entry(r.row.ordering_key.clone())
                    .or_default()
                    .push(r.id);
            }
            by_key
        };
        let (ka, kb) = (keys(&a), keys(&b));
        let name = place.name();
        assert_eq!(
            a.len() + b.len(),
            3 * KEYS as usize,
            "{name}: every row once"
        );
        for (key, ids) in ka.iter().chain(kb.iter()) {
            assert_eq!(ids.len(), 3, "{name}: key {key} split between claimers");
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "{name}: {key} out of order"
            );
        }
        assert!(
            ka.keys().all(|k| !kb.contains_key(k)),
            "{name}: a key claimed twice"
        );
        eprintln!("{name}: claimer a took {} keys, b {}", ka.len(), kb.len());
    }
}

#[test]
fn a_claimer_skips_a_key_whose_first_row_another_transaction_holds() {
    let url = TestPostgres::shared().fresh_database();
    let database = Database::Postgres(url.clone());
    let mut writer = OutboxStore::connect(&database).expect("writer");
    let held = insert_for(&mut writer, "dead", 1, &[row("held", 1), row("held", 2)]);
    let free = insert_for(&mut writer, "dead", 1, &[row("free", 3)]);
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = held[0];
    let holder = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            let tx = client.transaction().await.expect("begin");
            tx.execute("SELECT id FROM outbox WHERE id = $1 FOR UPDATE", &[&first])
                .await
                .expect("lock");
            locked_tx.send(()).expect("signal");
            // A claimer that waited for the lock instead of skipping it would get the key once
            // this times out, and fail the assertion below.
            let _ = tokio::time::timeout(Duration::from_secs(20), released).await;
            tx.rollback().await.expect("rollback");
        });
    });
    locked.recv().expect("locked");
    let mut claimer = OutboxStore::connect(&database).expect("claimer");
    let claimed: Vec<i64> = claimer
        .claim(lease("b", 10_000), 500, 100)
        .expect("claim")
        .iter()
        .map(|r| r.id)
        .collect();
    let _ = release.send(());
    holder.join().expect("holder");
    assert_eq!(
        claimed, free,
        "the held key is skipped whole, the free one taken"
    );
    let rest: Vec<i64> = claimer
        .claim(lease("b", 10_000), 500, 100)
        .expect("claim again")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(rest, held, "once released, the held key is claimed whole");
}
