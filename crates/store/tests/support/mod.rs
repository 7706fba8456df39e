//! Where the conformance tests keep a store: a temporary SQLite file and a fresh database on the
//! test process's throwaway PostgreSQL server, with raw SQL on each (to corrupt or inspect).
#![allow(dead_code)] // each test file uses part of it

use ringside_store::Database;
use ringside_testkit::postgres::TestPostgres;

/// A store location the tests run against.
pub(crate) enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    /// The backend's name, for assertion messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Place::Sqlite(_) => "sqlite",
            Place::Postgres(_) => "postgres",
        }
    }

    /// The database to open.
    pub(crate) fn database(&self) -> Database {
        match self {
            Place::Sqlite(dir) => Database::sqlite(dir.path().join("ringside.db")),
            Place::Postgres(url) => Database::Postgres(url.clone()),
        }
    }

    /// Runs raw SQL on the store's database, outside the store.
    pub(crate) fn raw(&self, sql: &str) {
        match self {
            Place::Sqlite(dir) => rusqlite::Connection::open(dir.path().join("ringside.db"))
                .and_then(|raw| raw.execute_batch(sql))
                .unwrap_or_else(|e| panic!("sqlite {sql:?}: {e}")),
            Place::Postgres(url) => TestPostgres::shared().execute(url, sql),
        }
    }

    /// Is this SQLite?
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Place::Sqlite(_))
    }
}

/// Both backends, each empty.
pub(crate) fn places() -> Vec<Place> {
    vec![
        Place::Sqlite(tempfile::tempdir().expect("tempdir")),
        Place::Postgres(TestPostgres::shared().fresh_database()),
    ]
}
