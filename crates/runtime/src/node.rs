//! This Ringside node as every door sees it: the directory, the call runtime, the token-signing
//! key and the key set that verifies it, the public base URL, the data directory, dev or
//! production mode, and the edge helpers that produce wall-clock time, ids and randomness for the
//! sans-IO cores. Cheap to clone.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;
use ringside_identity::{KeySet, SigningKey};
use ringside_model::Guid;
use ringside_store::{Database, DirectoryStore, MeetingStore, StoreError};

use crate::cluster::Cluster;
use crate::CallRuntime;

/// The node's shared state.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    directory: Arc<DirectoryStore>,
    calls: CallRuntime,
    signing_key: SigningKey,
    key_set: KeySet,
    base_url: String,
    data_dir: PathBuf,
    database: Database,
    cluster: Option<Cluster>,
    dev_mode: bool,
    /// Seconds added to the wall clock; only tests move it (see [`Node::advance_clock_for_tests`]).
    clock_skew: AtomicI64,
    /// The online-meetings table, opened on first use.
    meetings: OnceLock<Result<Arc<Mutex<MeetingStore>>, String>>,
}

/// What [`Node::new`] needs.
pub struct NodeParts {
    /// The directory service.
    pub directory: Arc<DirectoryStore>,
    /// The call runtime.
    pub calls: CallRuntime,
    /// The platform's token-signing key.
    pub signing_key: SigningKey,
    /// Public base URL without a trailing slash.
    pub base_url: String,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Where the store's tables live (the meetings table is opened there).
    pub database: Database,
    /// This node's membership of the servers sharing the database (heartbeats, status).
    pub cluster: Option<Cluster>,
    /// Dev mode (no config file).
    pub dev_mode: bool,
}

impl Node {
    /// A node from its parts.
    pub fn new(parts: NodeParts) -> Node {
        let key_set = KeySet::from_signing_keys([&parts.signing_key]);
        Node {
            inner: Arc::new(Inner {
                directory: parts.directory,
                calls: parts.calls,
                signing_key: parts.signing_key,
                key_set,
                base_url: parts.base_url,
                data_dir: parts.data_dir,
                database: parts.database,
                cluster: parts.cluster,
                dev_mode: parts.dev_mode,
                clock_skew: AtomicI64::new(0),
                meetings: OnceLock::new(),
            }),
        }
    }

    /// The directory service (in-memory rules over the SQLite store).
    pub fn directory(&self) -> &DirectoryStore {
        &self.inner.directory
    }

    /// The directory service, shared.
    pub fn directory_arc(&self) -> &Arc<DirectoryStore> {
        &self.inner.directory
    }

    /// The call runtime (engine, media, simulated endpoints).
    pub fn calls(&self) -> &CallRuntime {
        &self.inner.calls
    }

    /// The media streaming service (live call audio to and from apps over WebSocket).
    pub fn streams(&self) -> &Arc<crate::streaming::StreamService> {
        self.inner.calls.streams()
    }

    /// The platform's token-signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.inner.signing_key
    }

    /// The public keys that verify the platform's tokens.
    pub fn key_set(&self) -> &KeySet {
        &self.inner.key_set
    }

    /// Public base URL without a trailing slash, e.g. `https://127.0.0.1:8443`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// This node's membership of the servers sharing the database, if it joined.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.inner.cluster.as_ref()
    }

    /// Whether other servers may share this node's database (a PostgreSQL store): then what
    /// every node must hold alike lives in the database, not the data directory.
    pub fn shares_database(&self) -> bool {
        matches!(self.inner.database, Database::Postgres(_))
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Whether the server runs in dev mode (no config file).
    pub fn dev_mode(&self) -> bool {
        self.inner.dev_mode
    }

    /// Wall-clock time in unix seconds: the one place the shell reads the clock for directory
    /// commands and tokens.
    pub fn now(&self) -> i64 {
        unix_now() + self.inner.clock_skew.load(Ordering::Relaxed)
    }

    /// Moves this node's wall clock forward, so tests can see secrets and tokens expire without
    /// waiting. Not reachable over the network.
    #[doc(hidden)]
    pub fn advance_clock_for_tests(&self, seconds: i64) {
        self.inner.clock_skew.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Runs `f` on the online-meetings table (in the store's database, opened on first use) on a
    /// blocking thread, off the async workers. `Err` says why the table could not be used.
    pub async fn meetings<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut MeetingStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let table = self
            .inner
            .meetings
            .get_or_init(|| {
                MeetingStore::connect(&self.inner.database)
                    .map(|store| Arc::new(Mutex::new(store)))
                    .map_err(|error| format!("the meetings table cannot be opened: {error}"))
            })
            .clone()?;
        tokio::task::spawn_blocking(move || {
            let mut store = table
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut store).map_err(|error| error.to_string())
        })
        .await
        .map_err(|error| error.to_string())?
    }

    /// A fresh random GUID.
    pub fn new_guid(&self) -> Guid {
        crate::ids::new_guid()
    }

    /// `N` random bytes from the OS generator.
    pub fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut bytes = [0u8; N];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes
    }
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
