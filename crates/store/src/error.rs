//! Errors of the store and of `DirectoryStore::execute`.

use ringside_directory::DirectoryError;

/// Why the database could not be opened, migrated, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
