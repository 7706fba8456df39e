//! Errors of the store and of `DirectoryStore::execute`.

use ringside_directory::DirectoryError;

/// Why the database could not be opened, migrated, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The store's location or setup is wrong (a bad URL, a thread that could not start).
    #[error("store: {0}")]
    Config(String),
    /// The database holds a value the directory cannot parse (hand-edited or from a newer version).
    #[error("corrupt directory database: {0}")]
    Corrupt(String),
    /// The database was written by a newer Ringside with a schema this build does not know.
    #[error(
        "database schema version {found} is newer than this build's {known}; upgrade Ringside"
    )]
    TooNew { found: u32, known: u32 },
}

/// Why an admin command was not carried out. On either error nothing changed, in memory or on disk.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The directory refused the command.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The command was valid but could not be made durable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A Postgres error with the server's own words (tokio-postgres's Display says only "db error").
fn postgres_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => error.to_string(),
    }
}
