//! The store's conformance tests, each run on a real SQLite file and on a real PostgreSQL database:
//! every record round-trips, reopening keeps everything, migrations are idempotent, and a failed
//! commit or refused command changes nothing in memory or on disk.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use ringside_directory::{
    AcsKeyKind, BotRegistration, Command, Directory, DirectoryError, EventDeliverySchema,
};
use ringside_model::{
    AcsResourceId, AppId, Guid, InstanceId, Licence, NumberType, Permission, SecretId, TenantId,
    UserId, E164,
};
use ringside_store::{Database, DirectoryStore, ExecError, Store, StoreError, SCHEMA_VERSION};
use support::{places, Place};

const NOW: i64 = 1_800_000_000;
const T: TenantId = TenantId(Guid::from_u128(1));
const T2: TenantId = TenantId(Guid::from_u128(2));
const APP: AppId = AppId(Guid::from_u128(0xA));
const U1: UserId = UserId(Guid::from_u128(0x101));
const U2: UserId = UserId(Guid::from_u128(0x102));
const I1: InstanceId = InstanceId(Guid::from_u128(0x201));
const ACS: AcsResourceId = AcsResourceId(Guid::from_u128(0x301));
const KEY_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const KEY_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";
const KEY_C: &str = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=";

fn n(text: &str) -> E164 {
    E164::parse(text).expect("number")
}

/// Commands that create at least one of every record kind and every optional field, set and unset.
fn everything() -> Vec<Command> {
    vec![
        Command::CreateTenant {
            id: T,
            display_name: "Contoso".into(),
            domain: "contoso.com".into(),
        },
        Command::CreateTenant {
            id: T2,
            display_name: "Fabrikam ✓".into(),
            domain: "fabrikam.com".into(),
        },
        Command::CreateApplication {
            app_id: APP,
            home_tenant: T,
            display_name: "Bot".into(),
            service_principal_id: Guid::from_u128(0xAA),
            requested: [
                Permission::CallsInitiateAll,
                Permission::CallsAccessMediaAll,
            ]
            .into_iter()
            .collect(),
            redirect_uris: vec![
                "https://b.example.com/2".into(),
                "https://a.example.com/1".into(),
            ],
            bot: BotRegistration {
                calling_webhook: Some("https://bot.example.com/api/calling".into()),
                calling_enabled: true,
                real_time_media_enabled: true,
            },
        },
        Command::CreateApplication {
            app_id: AppId(Guid::from_u128(0xB)),
            home_tenant: T2,
            display_name: "Bare".into(),
            service_principal_id: Guid::from_u128(0xBB),
            requested: BTreeSet::new(),
            redirect_uris: vec![],
            bot: BotRegistration::default(),
        },
        Command::AddSecret {
            app_id: APP,
            key_id: SecretId(Guid::from_u128(0x52)),
            display_name: "second-by-id".into(),
            hint: "xyz".into(),
            hash: "pbkdf2$abc".into(),
            expires_at: NOW + 100,
        },
        Command::AddSecret {
            app_id: APP,
            key_id: SecretId(Guid::from_u128(0x51)),
            display_name: "first-by-id".into(),
            hint: "a".into(),
            hash: "pbkdf2$def".into(),
            expires_at: NOW + 200,
        },
        Command::GrantConsent {
            tenant: T,
            app_id: APP,
        },
        Command::GrantConsent {
            tenant: T2,
            app_id: APP,
        },
        Command::CreateUser {
            tenant: T,
            id: U1,
            upn: "adele@contoso.com".into(),
            display_name: "Adele Vance".into(),
        },
        Command::CreateUser {
            tenant: T,
            id: U2,
            upn: "bob@contoso.com".into(),
            display_name: "Bob".into(),
        },
        Command::AssignLicence {
            tenant: T,
            account: U1.guid(),
            licence: Licence::TeamsPhone,
        },
        Command::AssignLicence {
            tenant: T,
            account: U1.guid(),
            licence: Licence::CallingPlan,
        },
        Command::CreateAcsResource {
            id: ACS,
            tenant: T,
            name: "contoso-acs".into(),
            display_name: "Contoso ACS".into(),
            primary_key: KEY_A.into(),
            secondary_key: KEY_B.into(),
        },
        Command::RotateAcsKey {
            id: ACS,
            key: AcsKeyKind::Secondary,
            new_key: KEY_C.into(),
        },
        Command::CreateEventSubscription {
            id: Guid::from_u128(0xe5),
            resource: ACS,
            name: "Incoming-Calls".into(),
            endpoint: "https://bot.example.com/api/incomingCall?x=1".into(),
            event_types: [
                "Microsoft.Communication.IncomingCall".to_string(),
                "Microsoft.Communication.RecordingFileStatusUpdated".to_string(),
            ]
            .into(),
            schema: EventDeliverySchema::CloudEvents,
            to_raw_ids: ["28:orgid:cc123456-5678-5678-1234-ccc123456789".to_string()].into(),
        },
        Command::CreateEventSubscription {
            id: Guid::from_u128(0xe6),
            resource: ACS,
            name: "gone".into(),
            endpoint: "http://127.0.0.1:9/events".into(),
            event_types: ["Microsoft.Communication.IncomingCall".to_string()].into(),
            schema: EventDeliverySchema::EventGrid,
            to_raw_ids: Default::default(),
        },
        Command::DeleteEventSubscription {
            resource: ACS,
            name: "GONE".into(),
        },
        Command::CreateApplicationInstance {
            tenant: T,
            id: I1,
            upn: "ra@contoso.com".into(),
            app_id: APP,
            display_name: "RA".into(),
        },
        Command::CreateApplicationInstance {
            tenant: T,
            id: InstanceId(Guid::from_u128(0x202)),
            upn: "ra2@contoso.com".into(),
            app_id: APP,
            display_name: "RA 2".into(),
        },
        Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: None,
            display_name: None,
            acs_resource: Some(Some(ACS)),
        },
        Command::AssignLicence {
            tenant: T,
            account: I1.guid(),
            licence: Licence::TeamsPhoneResourceAccount,
        },
        Command::SyncApplicationInstance { tenant: T, id: I1 },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550101"),
            number_type: NumberType::CallingPlan,
        },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550102"),
            number_type: NumberType::DirectRouting,
        },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550103"),
            number_type: NumberType::OperatorConnect,
        },
        Command::SetInstanceTelephoneNumber {
            tenant: T,
            id: I1,
            number: Some(n("+14255550101")),
        },
        Command::AssignNumber {
            tenant: T,
            number: n("+14255550102"),
            account: U1.guid(),
            number_type: NumberType::DirectRouting,
        },
    ]
}

fn populated(database: &Database) -> DirectoryStore {
    let store = DirectoryStore::connect(database).expect("open");
    for command in everything() {
        let name = command.name();
        store
            .execute(NOW, command)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    store
}

fn snapshot(store: &DirectoryStore) -> Directory {
    store.read(Directory::clone)
}

#[test]
fn every_record_round_trips() {
    for place in places() {
        round_trip(&place.database());
    }
}

fn round_trip(database: &Database) {
    let store = populated(database);
    let before = snapshot(&store);
    before.check_invariants().expect("invariants");
    // Sanity: the fixture really holds what the round trip is meant to cover.
    assert_eq!(before.application(APP).map(|a| a.secrets.len()), Some(2));
    assert_eq!(
        before.instance(T, I1).and_then(|i| i.acs_resource),
        Some(ACS)
    );
    assert_eq!(
        before
            .numbers(T)
            .filter(|p| p.assigned_to.is_some())
            .count(),
        2
    );
    drop(store);

    let loaded = Store::connect(database)
        .expect("reopen")
        .load()
        .expect("load");
    assert_eq!(loaded, before);
    // Order-sensitive children come back in insertion order, not key order.
    let app = loaded.application(APP).expect("app");
    assert_eq!(
        app.redirect_uris,
        vec!["https://b.example.com/2", "https://a.example.com/1"]
    );
    assert_eq!(app.secrets[0].display_name, "second-by-id");
    assert_eq!(
        loaded.acs_resource(ACS).map(|r| r.secondary_key.as_str()),
        Some(KEY_C)
    );
    assert_eq!(
        loaded.tenant(T2).map(|t| t.display_name.as_str()),
        Some("Fabrikam ✓")
    );
    let subscriptions: Vec<_> = loaded.event_subscriptions(ACS).collect();
    assert_eq!(subscriptions.len(), 1, "the deleted one stays deleted");
    assert_eq!(subscriptions[0].name, "Incoming-Calls");
    assert_eq!(subscriptions[0].schema, EventDeliverySchema::CloudEvents);
    assert_eq!(subscriptions[0].event_types.len(), 2);
    assert!(loaded.event_subscription(ACS, "incoming-calls").is_some());
}

#[test]
fn reopen_after_drop_keeps_updates_and_deletions() {
    for place in places() {
        reopen_keeps_updates(&place.database());
    }
}

fn reopen_keeps_updates(database: &Database) {
    drop(populated(database));

    let store = DirectoryStore::connect(database).expect("reopen");
    let deletions = [
        Command::DeleteUser { tenant: T, id: U1 },
        Command::RevokeConsent {
            tenant: T2,
            app_id: APP,
        },
        Command::RemoveSecret {
            app_id: APP,
            key_id: SecretId(Guid::from_u128(0x52)),
        },
        Command::SetInstanceTelephoneNumber {
            tenant: T,
            id: I1,
            number: Some(n("+14255550103")),
        },
        Command::ReleaseNumber {
            tenant: T,
            number: n("+14255550101"),
        },
        Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: None,
            display_name: Some("Renamed".into()),
            acs_resource: Some(None),
        },
    ];
    for command in deletions {
        let name = command.name();
        store
            .execute(NOW + 1, command)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let expected = snapshot(&store);
    drop(store);

    let reopened = DirectoryStore::connect(database).expect("reopen again");
    let loaded = snapshot(&reopened);
    assert_eq!(loaded, expected);
    assert!(loaded.user(T, U1).is_none());
    assert_eq!(
        loaded.number(&n("+14255550102")).map(|p| p.assigned_to),
        Some(None),
        "deleted user's number released"
    );
    assert!(loaded.consent(T2, APP).is_none());
    assert!(loaded.number(&n("+14255550101")).is_none());
    assert_eq!(
        loaded.number_of(I1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550103"))
    );
    let instance = loaded.instance(T, I1).expect("instance");
    assert_eq!(
        (instance.display_name.as_str(), instance.acs_resource),
        ("Renamed", None)
    );
    assert_eq!(loaded.application(APP).map(|a| a.secrets.len()), Some(1));
    loaded.check_invariants().expect("invariants");
}

#[test]
fn migrations_are_idempotent_and_refuse_newer_schemas() {
    for place in places() {
        migrations_once(&place);
    }
}

fn migrations_once(place: &Place) {
    let database = place.database();
    let mut store = Store::connect(&database).expect("create");
    const { assert!(SCHEMA_VERSION >= 1) };
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.migrate().expect("migrate again"), 0);
    drop(store);
    drop(populated(&database));
    let mut store = Store::connect(&database).expect("reopen");
    assert_eq!(store.migrate().expect("migrate"), 0);
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(
        store.load().expect("load").tenants().count(),
        2,
        "reopening migrated nothing away"
    );
    drop(store);

    place.raw(&if place.is_sqlite() {
        format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)
    } else {
        format!(
            "UPDATE ringside_schema SET version = {}",
            SCHEMA_VERSION + 1
        )
    });
    match Store::connect(&database) {
        Err(StoreError::TooNew { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
        }
        other => panic!("{}: expected TooNew, got {other:?}", place.name()),
    }
}

#[test]
fn the_sqlite_file_uses_wal_and_real_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ringside.db");
    drop(populated(&Database::sqlite(&path)));
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    // Real columns, not blobs: the number inventory is queryable with plain SQL.
    let assigned: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM phone_numbers WHERE assigned_to IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(assigned, 2);
    let licences: Vec<String> = raw
        .prepare("SELECT licence FROM user_licences ORDER BY licence")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("licences");
    assert_eq!(licences, vec!["callingPlan", "teamsPhone"]);
}

#[test]
fn a_failed_commit_leaves_memory_and_disk_unchanged() {
    for place in places() {
        failed_commit(&place);
    }
}

fn failed_commit(place: &Place) {
    let database = place.database();
    let store = populated(&database);
    let before = snapshot(&store);

    // Make the second statement of a two-change command fail: deleting U1 first releases its number
    // (UPDATE phone_numbers), then deletes the user, which the trigger aborts.
    place.raw(if place.is_sqlite() {
        "CREATE TRIGGER refuse_user_delete BEFORE DELETE ON users BEGIN \
         SELECT RAISE(ABORT, 'injected failure'); END;"
    } else {
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
         CREATE TRIGGER refuse_user_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION refuse();"
    });
    match store.execute(NOW, Command::DeleteUser { tenant: T, id: U1 }) {
        Err(ExecError::Store(e @ (StoreError::Sqlite(_) | StoreError::Postgres(_)))) => {
            assert!(e.to_string().contains("injected failure"), "{e}")
        }
        other => panic!("{}: expected a store error, got {other:?}", place.name()),
    }
    assert_eq!(
        snapshot(&store),
        before,
        "memory changed after a failed commit"
    );
    // The store still works, and the failed transaction left nothing behind on disk.
    store
        .execute(
            NOW,
            Command::CreateUser {
                tenant: T,
                id: UserId(Guid::from_u128(0x109)),
                upn: "carol@contoso.com".into(),
                display_name: "Carol".into(),
            },
        )
        .expect("later command");
    let expected = snapshot(&store);
    drop(store);
    place.raw(if place.is_sqlite() {
        "DROP TRIGGER refuse_user_delete;"
    } else {
        "DROP TRIGGER refuse_user_delete ON users;"
    });
    let loaded = Store::connect(&database)
        .expect("reopen")
        .load()
        .expect("load");
    assert_eq!(loaded, expected);
    assert_eq!(
        loaded.number_of(U1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550102"))
    );
}

#[test]
fn refused_commands_and_failed_batches_change_nothing() {
    for place in places() {
        refused_commands(&place.database());
    }
}

fn refused_commands(database: &Database) {
    let store = populated(database);
    let before = snapshot(&store);

    let refused = store.execute(
        NOW,
        Command::AssignNumber {
            tenant: T,
            number: n("+14255550101"),
            account: U2.guid(),
            number_type: NumberType::CallingPlan,
        },
    );
    assert!(
        matches!(
            refused,
            Err(ExecError::Directory(DirectoryError::Conflict(_)))
        ),
        "{refused:?}"
    );

    let batch = [
        Command::CreateUser {
            tenant: T,
            id: UserId(Guid::from_u128(0x110)),
            upn: "dan@contoso.com".into(),
            display_name: "Dan".into(),
        },
        Command::AssignLicence {
            tenant: T,
            account: Guid::from_u128(0x110),
            licence: Licence::TeamsPhone,
        },
        Command::AssignNumber {
            tenant: T,
            number: n("+14255550199"),
            account: Guid::from_u128(0x110),
            number_type: NumberType::CallingPlan,
        },
    ];
    let failed = store.execute_batch(NOW, &batch);
    assert!(
        matches!(
            failed,
            Err(ExecError::Directory(DirectoryError::NotFound(_)))
        ),
        "{failed:?}"
    );
    assert_eq!(snapshot(&store), before);

    let noop = store.execute(
        NOW,
        Command::AssignLicence {
            tenant: T,
            account: U1.guid(),
            licence: Licence::TeamsPhone,
        },
    );
    assert!(
        matches!(noop, Ok(ref changes) if changes.is_empty()),
        "{noop:?}"
    );

    let good = store.execute_batch(NOW, &batch[..2]).expect("batch");
    assert_eq!(good.len(), 2);
    drop(store);
    let loaded = Store::connect(database)
        .expect("reopen")
        .load()
        .expect("load");
    assert!(loaded
        .user(T, UserId(Guid::from_u128(0x110)))
        .is_some_and(|u| u.licences.contains(&Licence::TeamsPhone)));
}

#[test]
fn concurrent_writers_are_serialised_and_all_persist() {
    for place in places() {
        concurrent_writers(&place.database());
    }
}

fn concurrent_writers(database: &Database) {
    let store = Arc::new(populated(database));
    let threads: Vec<_> = (0..4u128)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..10u128 {
                    let id = 0x1000 + t * 100 + i;
                    store
                        .execute(
                            NOW,
                            Command::CreateUser {
                                tenant: T,
                                id: UserId(Guid::from_u128(id)),
                                upn: format!("u{id}@contoso.com"),
                                display_name: format!("User {id}"),
                            },
                        )
                        .expect("create");
                    // Reads stay available while others write.
                    assert!(store.read(|d| d.user(T, UserId(Guid::from_u128(id))).is_some()));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    let expected = snapshot(&store);
    assert_eq!(expected.users(T).count(), 42);
    drop(store);
    let loaded = DirectoryStore::connect(database).expect("reopen");
    assert_eq!(snapshot(&loaded), expected);
}

#[test]
fn corrupt_rows_are_reported_not_panicked_on() {
    for (table, insert) in [
        (
            "tenants",
            "INSERT INTO tenants (id, display_name, domain) VALUES ('not-a-guid', 'X', 'x.com')",
        ),
        (
            "phone_numbers",
            "INSERT INTO phone_numbers (number, tenant_id, number_type, assigned_to, acquired_at) \
             VALUES ('12345', '00000000-0000-0000-0000-000000000001', 'CallingPlan', NULL, 0)",
        ),
        (
            "application_permissions",
            "INSERT INTO application_permissions (app_id, permission) \
             VALUES ('00000000-0000-0000-0000-00000000000a', 'Calls.MakeCoffee.All')",
        ),
    ] {
        for place in places() {
            let database = place.database();
            drop(populated(&database));
            place.raw(insert);
            match DirectoryStore::connect(&database) {
                Err(StoreError::Corrupt(message)) => assert!(!message.is_empty(), "{table}"),
                other => panic!(
                    "{} {table}: expected Corrupt, got {:?}",
                    place.name(),
                    other.map(|_| ())
                ),
            }
        }
    }
}
