//! `DirectoryStore`: the directory service the server shares — serialised, durable writes and lock-light
//! in-memory reads, kept current with the other nodes that share a PostgreSQL database.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use ringside_directory::{Change, Command, Directory};

use crate::db::{Database, Heard, Listener};
use crate::error::{ExecError, StoreError};
use crate::records::Store;

/// How often a node compares its directory's version with the database's even without a
/// notification (a missed one is caught up within this).
const CATCH_UP: Duration = Duration::from_secs(1);

/// The directory, loaded from the database and kept in memory.
///
/// Writes ([`DirectoryStore::execute`]) hold one mutex for plan → commit → apply, so commands are
/// serialised and each is durable (on SQLite `synchronous=FULL`) before it becomes visible or is
/// acknowledged. Reads ([`DirectoryStore::read`]) take a read lock on the in-memory directory and
/// never touch the database.
///
/// Several nodes may share one PostgreSQL database: a write locks the directory's version row, and
/// when another node moved the version since this one loaded, it reloads inside that transaction and
/// plans against what is committed — so commands from all nodes are serialised as on one node. Every
/// commit notifies the others (`LISTEN`/`NOTIFY`); each reloads when it hears of a newer version, and
/// checks the version every second in case it missed one.
#[derive(Debug, Clone)]
pub struct DirectoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Mutex<Store>,
    directory: RwLock<Directory>,
    /// The version `directory` reflects.
    version: AtomicU64,
    /// Signalled whenever `version` moves ([`DirectoryStore::wait_for_version`]).
    moved: (Mutex<()>, Condvar),
}

impl DirectoryStore {
    /// Opens (creating and migrating if needed) the SQLite file at `path` and loads the directory.
    pub fn open(path: impl AsRef<Path>) -> Result<DirectoryStore, StoreError> {
        DirectoryStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed, and loads the directory.
    /// On Postgres it also follows the other nodes' commits (a listener thread of its own).
    pub fn connect(database: &Database) -> Result<DirectoryStore, StoreError> {
        let store = Store::connect(database)?;
        let (directory, version) = store.load_versioned()?;
        let inner = Arc::new(Inner {
            writer: Mutex::new(store),
            directory: RwLock::new(directory),
            version: AtomicU64::new(version),
            moved: (Mutex::new(()), Condvar::new()),
        });
        if let Database::Postgres(url) = database {
            follow(Arc::downgrade(&inner), url.clone())?;
        }
        Ok(DirectoryStore { inner })
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
        let inner = &self.inner;
        let mut store = lock(&inner.writer);
        let (changes, version) = store.transact(|tx, committed| {
            if committed != inner.version.load(Ordering::Acquire) {
                // Another node committed since this one loaded: plan against what is there now.
                inner.replace(tx.load()?, committed);
            }
            let changes = inner.plan(now, commands)?;
            if changes.is_empty() {
                return Ok::<_, ExecError>((changes, None));
            }
            let version = tx.commit(&changes)?;
            Ok((changes, Some(version)))
        })?;
        // Applied only once committed (a failed commit leaves memory as it was); the writer lock is
        // still held, so nothing else moves the directory in between.
        if let Some(version) = version {
            inner.apply(&changes, version);
        }
        Ok(changes)
    }

    /// Runs `f` on the in-memory directory under a read lock. Never touches the database; keep `f` short.
    pub fn read<R>(&self, f: impl FnOnce(&Directory) -> R) -> R {
        let directory = self
            .inner
            .directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&directory)
    }

    /// The version of the directory this node holds (bumped by every committed change on any node).
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    /// Waits until this node holds `version` or newer (another node's commit, heard and loaded), at
    /// most `timeout`; whether it does. For a node that must read what another node just wrote.
    pub fn wait_for_version(&self, version: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (mutex, condvar) = &self.inner.moved;
        let mut guard = mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if self.version() >= version {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = condvar
                .wait_timeout(guard, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Reloads the directory if the database holds a newer version than memory; whether it did.
    pub fn refresh(&self) -> Result<bool, StoreError> {
        self.inner.refresh()
    }
}

impl Inner {
    /// The changes `commands` make to the directory in memory (nothing applied).
    fn plan(&self, now: i64, commands: &[Command]) -> Result<Vec<Change>, ExecError> {
        let current = self
            .directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(match commands {
            [single] => current.plan(now, single)?,
            _ => {
                let mut scratch = current.clone();
                let mut all = Vec::new();
                for command in commands {
                    all.extend(scratch.execute(now, command)?);
                }
                all
            }
        })
    }

    fn apply(&self, changes: &[Change], version: u64) {
        let mut directory = self
            .directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        directory.apply(changes);
        self.version.store(version, Ordering::Release);
        drop(directory);
        self.signal();
    }

    fn signal(&self) {
        let (mutex, condvar) = &self.moved;
        let _guard = mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        condvar.notify_all();
    }

    fn replace(&self, fresh: Directory, version: u64) {
        let mut directory = self
            .directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *directory = fresh;
        self.version.store(version, Ordering::Release);
        drop(directory);
        self.signal();
    }

    /// Reloads under the writer lock when the database is ahead of memory.
    fn refresh(&self) -> Result<bool, StoreError> {
        let store = lock(&self.writer);
        if store.version()? == self.version.load(Ordering::Acquire) {
            return Ok(false);
        }
        let (fresh, version) = store.load_versioned()?;
        self.replace(fresh, version);
        Ok(true)
    }
}

fn lock(writer: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Follows the other nodes' commits on a thread of its own until the store is dropped: reloads on a
/// notification of a version newer than memory, and every [`CATCH_UP`] if the version moved
/// unheard; a lost listening connection is replaced.
fn follow(inner: Weak<Inner>, url: String) -> Result<(), StoreError> {
    let mut listener = Listener::start(&url)?;
    std::thread::Builder::new()
        .name("ringside-directory-follow".into())
        .spawn(move || loop {
            let heard = listener.next(CATCH_UP);
            let Some(inner) = inner.upgrade() else { return };
            let newer = match heard {
                Heard::Payload(version) => version
                    .parse::<u64>()
                    .map_or(true, |v| v > inner.version.load(Ordering::Acquire)),
                Heard::Quiet => true,
                Heard::Closed => {
                    match Listener::start(&url) {
                        Ok(fresh) => listener = fresh,
                        Err(e) => {
                            tracing::warn!(error = %e, "directory listener: reconnecting");
                            // Back off before the next attempt (the database is down or refusing).
                            std::thread::sleep(CATCH_UP);
                        }
                    }
                    true
                }
            };
            if newer {
                if let Err(e) = inner.refresh() {
                    tracing::warn!(error = %e, "directory: catching up with the database failed");
                }
            }
        })
        .map(drop)
        .map_err(|e| StoreError::Config(format!("could not start the directory follower: {e}")))
}
