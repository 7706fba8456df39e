//! `Store`: the SQLite file — pragmas, ordered migrations under `PRAGMA user_version`, loading every
//! record into a `Directory`, and committing a change list in one transaction (the per-kind readers
//! and writers are in `load` and `write`, Direct Routing's in `voice`).

mod columns;
mod load;
mod voice;
mod write;

use std::path::Path;
use std::time::Duration;

use ringside_directory::{Change, Directory};
use rusqlite::Connection;

use crate::error::StoreError;
use write::write_change;

/// Schema migrations, in order: script `i` takes the schema from version `i` to `i + 1`.
/// Append only; never edit a released script.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_directory.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_event_subscriptions.sql"),
    include_str!("migrations/0004_online_meetings.sql"),
    include_str!("migrations/0005_direct_routing.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One SQLite connection to the directory database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens or creates the database: WAL journal, `synchronous=FULL` (a commit is on disk when it
    /// returns), foreign keys on, a busy timeout; then applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "could not enable WAL (journal_mode is {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Applies every migration the file has not seen, each in its own transaction together with its
    /// `user_version` bump. Returns how many ran (0 when up to date).
    pub fn migrate(&mut self) -> Result<usize, StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                known: SCHEMA_VERSION,
            });
        }
        let mut ran = 0;
        for (index, script) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(script)?;
            tx.pragma_update(None, "user_version", index as u32 + 1)?;
            tx.commit()?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Gives up the store for its connection (the outbox reuses the opened, migrated file).
    pub(crate) fn into_connection(self) -> Connection {
        self.conn
    }

    /// Persists the changes in one transaction: all or nothing, durable when this returns `Ok`.
    pub fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for change in changes {
            write_change(&tx, change)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Reads every record into a fresh directory.
    pub fn load(&self) -> Result<Directory, StoreError> {
        let changes = load::all_records(&self.conn)?;
        let mut directory = Directory::new();
        directory.apply(&changes);
        Ok(directory)
    }
}
