//! Several nodes on one PostgreSQL database (issue 18): a command committed on one node is planned
//! against everything committed on any node (no duplicate, no lost update), is heard and loaded by the
//! others, and nodes writing at once all persist. Each `DirectoryStore` here stands for a node.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_directory::{Command, Directory, DirectoryError};
use ringside_model::{Guid, TenantId, UserId};
use ringside_store::{Database, DirectoryStore, ExecError};
use ringside_testkit::postgres::TestPostgres;

const NOW: i64 = 1_800_000_000;
const T: TenantId = TenantId(Guid::from_u128(1));
/// Bound for hearing another node's commit; the follower also re-checks every second unprompted.
const HEAR: Duration = Duration::from_secs(10);

fn database() -> Database {
    Database::Postgres(TestPostgres::shared().fresh_database())
}

fn user(id: u128) -> Command {
    Command::CreateUser {
        tenant: T,
        id: UserId(Guid::from_u128(id)),
        upn: format!("u{id}@contoso.com"),
        display_name: format!("User {id}"),
    }
}

fn tenant() -> Command {
    Command::CreateTenant {
        id: T,
        display_name: "Contoso".into(),
        domain: "contoso.com".into(),
    }
}

#[test]
fn a_commit_on_one_node_is_heard_and_loaded_by_another() {
    let database = database();
    let a = DirectoryStore::connect(&database).expect("node a");
    let b = DirectoryStore::connect(&database).expect("node b");
    a.execute(NOW, tenant()).expect("tenant");
    a.execute(NOW, user(0x101)).expect("user");
    let version = a.version();
    let started = Instant::now();
    assert!(
        b.wait_for_version(version, HEAR),
        "node b never heard version {version}"
    );
    eprintln!(
        "node b loaded version {version} {:?} after node a's commit returned",
        started.elapsed()
    );
    assert!(b.read(|d| d.user(T, UserId(Guid::from_u128(0x101))).is_some()));
    assert_eq!(a.read(Directory::clone), b.read(Directory::clone));
}

#[test]
fn a_stale_node_plans_against_what_is_committed() {
    let database = database();
    let a = DirectoryStore::connect(&database).expect("node a");
    let b = DirectoryStore::connect(&database).expect("node b");
    a.execute(NOW, tenant()).expect("tenant");
    a.execute(NOW, user(0x101)).expect("user on a");
    // Whether or not b has heard of it yet, b may not create the same user again…
    match b.execute(NOW, user(0x101)) {
        Err(ExecError::Directory(DirectoryError::Conflict(_))) => {}
        other => panic!("expected a conflict on node b, got {other:?}"),
    }
    // …and what b commits builds on a's commit rather than replacing it.
    b.execute(NOW, user(0x102)).expect("user on b");
    let fresh = DirectoryStore::connect(&database).expect("node c");
    assert_eq!(fresh.read(|d| d.users(T).count()), 2);
    assert_eq!(fresh.read(Directory::clone), b.read(Directory::clone));
}

#[test]
fn nodes_writing_at_once_all_persist() {
    let database = database();
    let nodes: Vec<Arc<DirectoryStore>> = (0..3)
        .map(|_| Arc::new(DirectoryStore::connect(&database).expect("node")))
        .collect();
    nodes[0].execute(NOW, tenant()).expect("tenant");
    let writers: Vec<_> = (0..6u128)
        .map(|w| {
            let node = Arc::clone(&nodes[w as usize % nodes.len()]);
            std::thread::spawn(move || {
                for i in 0..8u128 {
                    node.execute(NOW, user(0x1000 + w * 100 + i))
                        .expect("create");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer");
    }
    let latest = nodes.iter().map(|n| n.version()).max().unwrap_or(0);
    assert_eq!(latest, 1 + 6 * 8, "one version per committed command");
    for node in &nodes {
        assert!(node.wait_for_version(latest, HEAR), "a node stayed behind");
        assert_eq!(node.read(|d| d.users(T).count()), 48);
    }
    let reloaded = DirectoryStore::connect(&database).expect("reload");
    assert_eq!(
        reloaded.read(Directory::clone),
        nodes[0].read(Directory::clone)
    );
}
