//! `DirectoryStore`: the directory service the server shares — serialised, durable writes and lock-light
//! in-memory reads.

use std::path::Path;
use std::sync::{Mutex, RwLock};

use ringside_directory::{Change, Command, Directory};

use crate::db::Database;
use crate::error::{ExecError, StoreError};
use crate::records::Store;

/// The directory, loaded from the database and kept in memory.
///
/// Writes ([`DirectoryStore::execute`]) hold one mutex for plan → commit → apply, so commands are
/// serialised and each is durable (on SQLite `synchronous=FULL`) before it becomes visible or is acknowledged.
/// Reads ([`DirectoryStore::read`]) take a read lock on the in-memory directory and never touch the database.
#[derive(Debug)]
pub struct DirectoryStore {
    writer: Mutex<Store>,
    directory: RwLock<Directory>,
}

impl DirectoryStore {
    /// Opens (creating and migrating if needed) the SQLite file at `path` and loads the directory.
    pub fn open(path: impl AsRef<Path>) -> Result<DirectoryStore, StoreError> {
        DirectoryStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed, and loads the directory.
    pub fn connect(database: &Database) -> Result<DirectoryStore, StoreError> {
        let store = Store::connect(database)?;
        let directory = store.load()?;
        Ok(DirectoryStore {
            writer: Mutex::new(store),
            directory: RwLock::new(directory),
        })
    }

    /// Validates the command at `now` (unix seconds), commits its changes in one transaction, then
    /// applies them in memory. Returns the changes (empty when the command was already satisfied).
    /// Blocking (it waits for the disk): call it from a blocking context.
    pub fn execute(&self, now: i64, command: Command) -> Result<Vec<Change>, ExecError> {
        self.execute_batch(now, std::slice::from_ref(&command))
    }

    /// Runs several commands atomically: each is planned against the state the previous ones leave, and
    /// all their changes are committed in one transaction, or none if any command is refused.
    pub fn execute_batch(&self, now: i64, commands: &[Command]) -> Result<Vec<Change>, ExecError> {
        let mut store = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let changes = {
            let current = self
                .directory
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match commands {
                [single] => current.plan(now, single)?,
                _ => {
                    let mut scratch = current.clone();
                    let mut all = Vec::new();
                    for command in commands {
                        all.extend(scratch.execute(now, command)?);
                    }
                    all
                }
            }
        };
        if changes.is_empty() {
            return Ok(changes);
        }
        store.commit(&changes)?;
        self.directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .apply(&changes);
        Ok(changes)
    }

    /// Runs `f` on the in-memory directory under a read lock. Never touches the database; keep `f` short.
    pub fn read<R>(&self, f: impl FnOnce(&Directory) -> R) -> R {
        let directory = self
            .directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&directory)
    }
}
