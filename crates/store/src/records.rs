//! `Store`: the directory's tables on either backend — loading every record into a `Directory` and
//! committing a change list in one transaction (the per-kind readers and writers are in `load` and
//! `write`, Direct Routing's in `voice`; the SQL is the same on SQLite and Postgres).

mod columns;
mod load;
mod voice;
mod write;

use std::path::Path;

use ringside_directory::{Change, Directory};

use crate::db::{args, Conn, Database, Dialect, Sql, DIRECTORY_CHANNEL};
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

    /// Persists the changes in one transaction (with a version bump): all or nothing, durable when
    /// this returns `Ok`.
    pub fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        self.transact(|tx, _| tx.commit(changes).map(drop))
    }

    /// Reads every record into a fresh directory.
    pub fn load(&self) -> Result<Directory, StoreError> {
        Ok(self.load_versioned()?.0)
    }

    /// Every record and the directory's version, read in one transaction.
    pub(crate) fn load_versioned(&self) -> Result<(Directory, u64), StoreError> {
        self.conn
            .snapshot(|sql| Ok((load_directory(sql)?, directory_version(sql, false)?)))
    }

    /// The directory's version as committed (no lock).
    pub(crate) fn version(&self) -> Result<u64, StoreError> {
        self.conn.read(|sql| directory_version(sql, false))
    }

    /// Runs `f` in one write transaction, passing the directory's version read under its row lock
    /// (so writers sharing the database take turns) and a [`Versioned`] to commit changes with.
    pub(crate) fn transact<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(Versioned<'_>, u64) -> Result<R, E>,
    ) -> Result<R, E> {
        let dialect = self.conn.dialect();
        self.conn.write(|sql| {
            let version = directory_version(sql, dialect == Dialect::Postgres)?;
            f(Versioned { sql, dialect }, version)
        })
    }
}

/// A write transaction on the directory's tables with its version row locked.
pub(crate) struct Versioned<'t> {
    sql: &'t dyn Sql,
    dialect: Dialect,
}

impl Versioned<'_> {
    /// Every record as the transaction sees it.
    pub(crate) fn load(&self) -> Result<Directory, StoreError> {
        load_directory(self.sql)
    }

    /// Writes the changes, bumps the version and (Postgres) notifies the other nodes at commit.
    /// Returns the new version.
    pub(crate) fn commit(&self, changes: &[Change]) -> Result<u64, StoreError> {
        for change in changes {
            write_change(self.sql, change)?;
        }
        self.sql.exec(
            "UPDATE directory_version SET version = version + 1 WHERE id = 1",
            &[],
        )?;
        let version = directory_version(self.sql, false)?;
        if self.dialect == Dialect::Postgres {
            // `exec`: pg_notify returns void, which has no column value to read.
            self.sql.exec(
                "SELECT pg_notify(?1, ?2)",
                args![DIRECTORY_CHANNEL, version.to_string()],
            )?;
        }
        Ok(version)
    }
}

fn load_directory(sql: &dyn Sql) -> Result<Directory, StoreError> {
    let changes = load::all_records(sql)?;
    let mut directory = Directory::new();
    directory.apply(&changes);
    Ok(directory)
}

/// The version row; `lock` takes it for the rest of the transaction (Postgres `FOR UPDATE`; SQLite
/// has one writer at a time anyway).
fn directory_version(sql: &dyn Sql, lock: bool) -> Result<u64, StoreError> {
    let query = if lock {
        "SELECT version FROM directory_version WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT version FROM directory_version WHERE id = 1"
    };
    sql.query_opt(query, &[])?
        .ok_or_else(|| StoreError::Corrupt("directory_version: no row".into()))?
        .get(0)
}
