//! `Store`: the directory's tables on either backend — loading every record into a `Directory` and
//! committing a change list in one transaction (the per-kind readers and writers are in `load` and
//! `write`, Direct Routing's in `voice`; the SQL is the same on SQLite and Postgres).

mod columns;
mod load;
mod voice;
mod write;

use std::path::Path;

use ringside_directory::{Change, Directory};

use crate::db::{Conn, Database};
use crate::error::StoreError;
use write::write_change;

/// One connection to the directory database.
#[derive(Debug)]
pub struct Store {
    conn: Conn,
}

impl Store {
    /// Opens or creates the SQLite file (WAL journal, `synchronous=FULL`: a commit is on disk when it
    /// returns; foreign keys on; a busy timeout), then applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite file or Postgres) and applies pending migrations.
    pub fn connect(database: &Database) -> Result<Store, StoreError> {
        Ok(Store {
            conn: Conn::open(database)?,
        })
    }

    /// The schema version the database records.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn.schema_version()
    }

    /// Applies every migration the database has not seen, each in its own transaction together with
    /// its version bump. Returns how many ran (0 when up to date).
    pub fn migrate(&mut self) -> Result<usize, StoreError> {
        self.conn.migrate()
    }

    /// Gives up the store for its connection (the outbox and meetings reuse the migrated database).
    pub(crate) fn into_conn(self) -> Conn {
        self.conn
    }

    /// Persists the changes in one transaction: all or nothing, durable when this returns `Ok`.
    pub fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        self.conn.write(|tx| {
            for change in changes {
                write_change(tx, change)?;
            }
            Ok(())
        })
    }

    /// Reads every record into a fresh directory.
    pub fn load(&self) -> Result<Directory, StoreError> {
        let changes = self.conn.snapshot(load::all_records)?;
        let mut directory = Directory::new();
        directory.apply(&changes);
        Ok(directory)
    }
}
