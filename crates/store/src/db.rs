//! Where the store lives — an SQLite file or a PostgreSQL database — and the one SQL interface both
//! backends implement: statements with `?N` placeholders over [`Value`]s, a transaction per write,
//! and the migration runner that brings either schema to [`SCHEMA_VERSION`].

mod postgres;
mod sqlite;
mod value;

use std::path::{Path, PathBuf};

pub(crate) use value::{args, Row, ToValue, Value};

use crate::error::StoreError;
use postgres::PgConn;
pub(crate) use postgres::{Heard, Listener, DIRECTORY_CHANNEL};

/// Schema migrations, in order: script `i` takes the schema from version `i` to `i + 1`. Each has an
/// SQLite and a Postgres spelling of the same tables. Append only; never edit a released script.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        sqlite: include_str!("migrations/0001_directory.sql"),
        postgres: include_str!("migrations/postgres/0001_directory.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0002_outbox.sql"),
        postgres: include_str!("migrations/postgres/0002_outbox.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0003_event_subscriptions.sql"),
        postgres: include_str!("migrations/postgres/0003_event_subscriptions.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0004_online_meetings.sql"),
        postgres: include_str!("migrations/postgres/0004_online_meetings.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0005_direct_routing.sql"),
        postgres: include_str!("migrations/postgres/0005_direct_routing.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0006_directory_version.sql"),
        postgres: include_str!("migrations/postgres/0006_directory_version.sql"),
    },
    Migration {
        sqlite: include_str!("migrations/0007_nodes.sql"),
        postgres: include_str!("migrations/postgres/0007_nodes.sql"),
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// One schema step in both backends' SQL.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// The SQLite script.
    pub sqlite: &'static str,
    /// The Postgres script.
    pub postgres: &'static str,
}

/// Where the store's tables live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database, by connection URL (`postgres://user:password@host:port/name`).
    Postgres(String),
}

impl Database {
    /// An SQLite file.
    pub fn sqlite(path: impl AsRef<Path>) -> Database {
        Database::Sqlite(path.as_ref().to_path_buf())
    }

    /// Parses a store URL: `postgres://…` or `postgresql://…`, `sqlite://PATH` or `sqlite:PATH`.
    pub fn parse(url: &str) -> Result<Database, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "unknown store URL {:?}: use postgres://… or sqlite:PATH",
                    redact(url)
                ))
            })?;
        if path.is_empty() {
            return Err(StoreError::Config("sqlite: URL without a path".into()));
        }
        Ok(Database::Sqlite(PathBuf::from(path)))
    }

    /// The location for logs: the path, or the URL with its password masked.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => redact(url),
        }
    }
}

/// A URL with the password of its user info replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Statements, the same on both backends: `?N` placeholders, [`Value`] parameters.
pub(crate) trait Sql {
    /// Runs a statement; the number of rows it changed.
    fn exec(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query; every row.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs a query; its first row, if any.
    fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Which backend a connection talks to (for the few statements spelled differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// One migrated connection to the store.
#[derive(Debug)]
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

impl Conn {
    /// Connects (creating an SQLite file if needed) and applies pending migrations.
    pub(crate) fn open(database: &Database) -> Result<Conn, StoreError> {
        let mut conn = match database {
            Database::Sqlite(path) => Conn::Sqlite(sqlite::open(path)?),
            Database::Postgres(url) => Conn::Postgres(Box::new(PgConn::connect(url)?)),
        };
        conn.migrate()?;
        Ok(conn)
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `f` outside a transaction.
    pub(crate) fn read<R>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        match self {
            Conn::Sqlite(conn) => f(&sqlite::Sqlite(conn)),
            Conn::Postgres(conn) => conn.read(f),
        }
    }

    /// Runs `f` in one transaction that only reads: one consistent view of every table (on Postgres
    /// REPEATABLE READ).
    pub(crate) fn snapshot<R>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let tx = conn.unchecked_transaction()?;
                let out = f(&sqlite::Sqlite(&tx))?;
                tx.commit()?;
                Ok(out)
            }
            Conn::Postgres(conn) => conn.snapshot(f),
        }
    }

    /// Runs `f` in one transaction: all or nothing, durable when this returns `Ok`.
    pub(crate) fn write<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&dyn Sql) -> Result<R, E>,
    ) -> Result<R, E> {
        match self {
            Conn::Sqlite(conn) => {
                // IMMEDIATE: take the write lock first (waiting up to the busy timeout). A deferred
                // transaction that reads before it writes fails at once with SQLITE_BUSY_SNAPSHOT
                // when another connection (the outbox's) committed in between.
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(StoreError::from)?;
                let out = f(&sqlite::Sqlite(&tx))?;
                tx.commit().map_err(StoreError::from)?;
                Ok(out)
            }
            Conn::Postgres(conn) => conn.write(f),
        }
    }

    /// The schema version the database records.
    pub(crate) fn schema_version(&self) -> Result<u32, StoreError> {
        match self {
            Conn::Sqlite(conn) => sqlite::schema_version(conn),
            Conn::Postgres(conn) => conn.with_migration_lock(PgConn::schema_version),
        }
    }

    /// Applies every migration the database has not seen, each in its own transaction with its
    /// version bump (on Postgres under a lock, so nodes starting together run each script once).
    /// Returns how many ran (0 when up to date).
    pub(crate) fn migrate(&mut self) -> Result<usize, StoreError> {
        match self {
            Conn::Sqlite(conn) => run_migrations(
                sqlite::schema_version(conn)?,
                |m| m.sqlite,
                |script, version| sqlite::apply_migration(conn, script, version),
            ),
            Conn::Postgres(conn) => conn.with_migration_lock(|pg| {
                run_migrations(
                    pg.schema_version()?,
                    |m| m.postgres,
                    |script, version| pg.apply_migration(script, version),
                )
            }),
        }
    }
}

/// The one migration runner: from version `found`, every later script in order.
fn run_migrations(
    found: u32,
    script: impl Fn(&Migration) -> &'static str,
    mut apply: impl FnMut(&str, u32) -> Result<(), StoreError>,
) -> Result<usize, StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    let mut ran = 0;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        apply(script(migration), index as u32 + 1)?;
        ran += 1;
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_parse_and_passwords_stay_out_of_logs() {
        assert_eq!(
            Database::parse("sqlite:/tmp/x.db").expect("sqlite"),
            Database::sqlite("/tmp/x.db")
        );
        assert_eq!(
            Database::parse("sqlite:///tmp/x.db").expect("sqlite"),
            Database::sqlite("/tmp/x.db")
        );
        let pg = Database::parse("postgres://ringside:s3cret@db:5432/ringside").expect("pg");
        assert_eq!(pg.describe(), "postgres://ringside:***@db:5432/ringside");
        assert!(matches!(
            Database::parse("mysql://x"),
            Err(StoreError::Config(_))
        ));
        assert!(matches!(
            Database::parse("sqlite:"),
            Err(StoreError::Config(_))
        ));
    }

    #[test]
    fn both_backends_know_every_migration() {
        for migration in MIGRATIONS {
            assert!(migration.sqlite.contains("CREATE"));
            assert!(migration.postgres.contains("CREATE"));
            assert!(!migration.postgres.contains("STRICT"));
        }
    }
}
