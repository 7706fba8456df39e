//! The outbox's and the meetings table's conformance tests, each on a real SQLite file and a real
//! PostgreSQL database: rows survive reopening in order, reserved ids follow every stored id,
//! meetings are found by every key and stay in their tenant, node heartbeats upsert.

mod support;

use ringside_store::{
    Database, Lease, MeetingKey, MeetingRow, MeetingStore, NewOutboxRow, NodeRow, NodeStore,
    OutboxStore, OutboxUpdate, RetryPolicy,
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
fn node_heartbeats_upsert_and_list_by_name() {
    for place in places() {
        let database = place.database();
        let mut nodes = NodeStore::connect(&database).expect("nodes");
        let beat = |name: &str, at: i64, calls: u64| NodeRow {
            name: name.into(),
            url: format!("https://{name}:8443"),
            started_at_ms: 1_000,
            heartbeat_at_ms: at,
            calls,
        };
        nodes.beat(&beat("b", 2_000, 3)).expect("beat b");
        nodes.beat(&beat("a", 2_000, 0)).expect("beat a");
        nodes.beat(&beat("b", 4_000, 5)).expect("beat b again");
        let listed = NodeStore::connect(&database)
            .expect("reopen")
            .nodes()
            .expect("nodes");
        assert_eq!(
            listed,
            vec![beat("a", 2_000, 0), beat("b", 4_000, 5)],
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
