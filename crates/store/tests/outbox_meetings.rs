//! The outbox's and the meetings table's conformance tests, each on a real SQLite file and a real
//! PostgreSQL database: rows survive reopening in order, reserved ids follow every stored id,
//! meetings are found by every key and stay in their tenant, nodes join with numbers and beat, the
//! cluster's secrets are written once, and a dead node's call records are buried once.

mod support;

use ringside_store::{
    CallRow, CallStore, Database, Lease, MeetingKey, MeetingRow, MeetingStore, NewOutboxRow,
    NodeRow, NodeStore, OutboxStore, OutboxUpdate, RetryPolicy,
};
use support::places;

fn row(key: &str, n: u8) -> NewOutboxRow {
    NewOutboxRow {
        ordering_key: key.into(),
        target_url: "http://127.0.0.1:9/cb".into(),
        dialect: "graph".into(),
        audience: "app".into(),
        tenant: "tenant".into(),
        headers: vec![("Scenario-Id".into(), format!("s{n}"))],
        body: vec![b'{', n, b'}'],
        retry_policy: if n.is_multiple_of(2) {
            RetryPolicy::Standard
        } else {
            RetryPolicy::EventGrid
        },
        created_at_ms: 1_000 + i64::from(n),
    }
}

#[test]
fn reserved_ids_follow_every_stored_id_and_rows_survive_reopen() {
    for place in places() {
        reserved_ids(&place.database());
    }
}

fn reserved_ids(database: &Database) {
    let lease = Lease {
        node: "n1",
        until_ms: 9_000,
    };
    let first = {
        let mut outbox = OutboxStore::connect(database).expect("open");
        let ids = outbox.insert(&[row("a", 1)]).expect("insert");
        assert_eq!(ids, vec![1]);
        let first = outbox.reserve_ids(2).expect("reserve");
        assert_eq!(first, 2);
        outbox
            .insert_with_ids(&[(first, row("b", 2)), (first + 1, row("a", 3))], lease)
            .expect("insert with ids");
        // Delivered rows leave, but their ids are not handed out again.
        outbox
            .update(&[OutboxUpdate::Delivered { id: first + 1 }])
            .expect("update");
        assert_eq!(outbox.reserve_ids(10).expect("reserve"), first + 2);
        let later = outbox.insert(&[row("c", 4)]).expect("insert");
        assert_eq!(later[0], first + 12);
        first
    };
    let outbox = OutboxStore::connect(database).expect("reopen");
    let pending: Vec<(i64, NewOutboxRow)> = outbox
        .pending()
        .expect("pending")
        .into_iter()
        .map(|r| (r.id, r.row))
        .collect();
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[1], (first, row("b", 2)));
    assert_eq!(
        outbox.pending_by_owner().expect("owners"),
        vec![(None, 2), (Some("n1".into()), 1)]
    );
}

#[test]
fn rows_survive_reopen_in_order_and_leave_when_delivered() {
    for place in places() {
        rows_survive_reopen(&place.database());
    }
}

fn rows_survive_reopen(database: &Database) {
    let ids = {
        let mut outbox = OutboxStore::connect(database).expect("open");
        let ids = outbox
            .insert(&[row("a", 1), row("b", 2), row("a", 3)])
            .expect("insert");
        assert!(ids[0] < ids[1] && ids[1] < ids[2]);
        outbox
            .update(&[
                OutboxUpdate::Delivered { id: ids[1] },
                OutboxUpdate::Attempted {
                    id: ids[0],
                    attempts: 2,
                    next_attempt_at_ms: 5_000,
                    error: "503".into(),
                },
            ])
            .expect("update");
        ids
    };
    let mut outbox = OutboxStore::connect(database).expect("reopen");
    let pending = outbox.pending().expect("pending");
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].id, ids[0]);
    assert_eq!(pending[0].attempts, 2);
    assert_eq!(pending[0].next_attempt_at_ms, 5_000);
    assert_eq!(pending[0].row, row("a", 1));
    assert_eq!(pending[1].row, row("a", 3));
    outbox
        .update(&[OutboxUpdate::Abandoned {
            id: ids[2],
            attempts: 9,
            error: "gave up".into(),
        }])
        .expect("abandon");
    assert_eq!(outbox.pending().expect("pending").len(), 1);
    assert_eq!(outbox.count("abandoned").expect("count"), 1);
    let abandoned = outbox.abandoned(10).expect("abandoned");
    assert_eq!(abandoned[0].id, ids[2]);
    assert_eq!(abandoned[0].last_error.as_deref(), Some("gave up"));
    assert_eq!(
        outbox.prune_abandoned(1_000).expect("prune"),
        0,
        "newer rows stay"
    );
    assert_eq!(outbox.prune_abandoned(2_000).expect("prune"), 1);
    assert_eq!(outbox.count("abandoned").expect("count"), 0);
    assert_eq!(
        outbox.pending().expect("pending").len(),
        1,
        "pending rows stay"
    );
}

fn meeting(id: &str, join: &str) -> MeetingRow {
    MeetingRow {
        id: id.into(),
        tenant_id: "t1".into(),
        organizer_id: "u1".into(),
        subject: Some("Standup".into()),
        thread_id: format!("19:meeting_{id}@thread.v2"),
        join_meeting_id: join.into(),
        passcode: Some("abc123".into()),
        start_at_ms: 1,
        end_at_ms: 2,
        created_at_ms: 3,
    }
}

#[test]
fn meetings_round_trip_by_every_key_and_stay_in_their_tenant() {
    for place in places() {
        meetings_round_trip(&place.database());
    }
}

fn meetings_round_trip(database: &Database) {
    let mut store = MeetingStore::connect(database).unwrap();
    let m = meeting("m1", "123456789");
    store.insert(&m).unwrap();
    // A duplicate join id is refused by the schema.
    assert!(store.insert(&meeting("m2", "123456789")).is_err());
    drop(store);
    let mut store = MeetingStore::connect(database).unwrap();
    assert_eq!(
        store.get("t1", MeetingKey::Id("m1")).unwrap(),
        Some(m.clone())
    );
    assert_eq!(
        store.get("t1", MeetingKey::Thread(&m.thread_id)).unwrap(),
        Some(m.clone())
    );
    assert_eq!(
        store
            .get("t1", MeetingKey::JoinMeetingId("123456789"))
            .unwrap(),
        Some(m.clone())
    );
    assert_eq!(store.get("t2", MeetingKey::Id("m1")).unwrap(), None);
    assert_eq!(store.by_id("m1").unwrap(), Some(m.clone()));
    assert!(store.join_id_taken("123456789").unwrap());
    assert!(!store.delete("t2", "m1").unwrap());
    assert!(store.delete("t1", "m1").unwrap());
    assert_eq!(store.get("t1", MeetingKey::Id("m1")).unwrap(), None);
}

#[test]
fn nodes_join_with_numbers_beat_and_list_by_name() {
    for place in places() {
        let database = place.database();
        let mut nodes = NodeStore::connect(&database).expect("nodes");
        let node = |name: &str, number: u16, at: i64, calls: u64| NodeRow {
            name: name.into(),
            number,
            url: format!("https://{name}:8443"),
            internal_url: format!("https://{name}.internal:8443"),
            ca_pem: format!("CA of {name}"),
            started_at_ms: 1_000,
            heartbeat_at_ms: at,
            calls,
        };
        assert_eq!(nodes.join(&node("b", 0, 1_000, 0)).expect("join b"), 1);
        assert_eq!(nodes.join(&node("a", 0, 1_000, 0)).expect("join a"), 2);
        // A node that joins again (a restart) keeps its number, so ids it minted still route.
        assert_eq!(nodes.join(&node("b", 9, 1_000, 0)).expect("b again"), 1);
        assert!(nodes.beat("b", 2_000, 3).expect("beat b"));
        assert!(nodes.beat("a", 2_000, 0).expect("beat a"));
        assert!(nodes.beat("b", 4_000, 5).expect("beat b again"));
        assert!(!nodes.beat("nobody", 4_000, 5).expect("beat unknown"));
        let listed = NodeStore::connect(&database)
            .expect("reopen")
            .nodes()
            .expect("nodes");
        assert_eq!(
            listed,
            vec![node("a", 2, 2_000, 0), node("b", 1, 4_000, 5)],
            "{}",
            place.name()
        );
        assert!(nodes.forget("a").expect("forget"));
        assert!(!nodes.forget("a").expect("forget again"));
        assert_eq!(nodes.nodes().expect("nodes").len(), 1);
        let mut outbox = OutboxStore::connect(&database).expect("outbox");
        outbox.insert(&[row("k", 1), row("k", 2)]).expect("insert");
        assert_eq!(nodes.outbox_backlog().expect("backlog"), 2);
    }
}

#[test]
fn the_first_node_writes_a_secret_and_every_node_reads_it() {
    for place in places() {
        let database = place.database();
        let mut a = NodeStore::connect(&database).expect("a");
        let mut b = NodeStore::connect(&database).expect("b");
        assert_eq!(a.secret("k", b"from a").expect("a"), b"from a");
        assert_eq!(b.secret("k", b"from b").expect("b"), b"from a");
        assert_eq!(b.secret("other", b"from b").expect("b"), b"from b");
    }
}

#[test]
fn nodes_joining_at_once_get_distinct_numbers() {
    for place in places() {
        let database = place.database();
        let mut numbers: Vec<u16> = std::thread::scope(|scope| {
            let joins: Vec<_> = (0..6)
                .map(|i| {
                    let database = database.clone();
                    scope.spawn(move || {
                        NodeStore::connect(&database)
                            .expect("connect")
                            .join(&NodeRow {
                                name: format!("node-{i}"),
                                number: 0,
                                url: String::new(),
                                internal_url: String::new(),
                                ca_pem: String::new(),
                                started_at_ms: 1,
                                heartbeat_at_ms: 1,
                                calls: 0,
                            })
                            .expect("join")
                    })
                })
                .collect();
            joins
                .into_iter()
                .map(|j| j.join().expect("thread"))
                .collect()
        });
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6], "{}", place.name());
    }
}

#[test]
fn a_dead_nodes_calls_are_buried_once_with_their_epitaphs() {
    for place in places() {
        let database = place.database();
        let mut calls = CallStore::connect(&database).expect("calls");
        let call = |node: &str, key: &str, n: u8| CallRow {
            owner_node: node.into(),
            epitaph: row(key, n),
        };
        calls
            .apply(
                &[call("a", "c1", 2), call("a", "c2", 1), call("b", "c3", 4)],
                &[],
            )
            .expect("record");
        // A call recorded again is replaced; a forgotten one is gone.
        calls
            .apply(&[call("a", "c1", 6)], &["c2".into()])
            .expect("update");
        assert_eq!(calls.calls().expect("calls").len(), 2, "{}", place.name());
        let mut other = CallStore::connect(&database).expect("other");
        let buried = std::thread::scope(|scope| {
            let first = scope.spawn(|| calls.bury("a", 9_000).expect("bury"));
            let second = scope.spawn(|| other.bury("a", 9_000).expect("bury"));
            [first.join().expect("first"), second.join().expect("second")]
        });
        assert_eq!(
            buried.iter().sum::<usize>(),
            1,
            "{}: {buried:?}",
            place.name()
        );
        // The epitaph waits in the outbox, owned by nobody: any node may claim it.
        let outbox = OutboxStore::connect(&database).expect("outbox");
        let pending = outbox.pending().expect("pending");
        assert_eq!(pending.len(), 1, "{}", place.name());
        assert_eq!(
            pending[0].row,
            NewOutboxRow {
                created_at_ms: 9_000,
                ..row("c1", 6)
            }
        );
        assert_eq!(
            outbox.pending_by_owner().expect("owners"),
            vec![(None, 1)],
            "{}",
            place.name()
        );
        let left = CallStore::connect(&database)
            .expect("reopen")
            .calls()
            .expect("calls");
        assert_eq!(left, vec![call("b", "c3", 4)], "{}", place.name());
    }
}
