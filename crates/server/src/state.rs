//! Shared state handed to every route: the directory service, signing keys, the admin token, the public
//! base URL, limits, and the edge helpers that produce time, ids and randomness for the sans-IO cores.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::Digest as _;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use rand::RngCore;
use ringside_identity::{KeySet, SigningKey};
use ringside_model::Guid;
use ringside_store::DirectoryStore;

use crate::config::Config;
use ringside_http::ratelimit::RateLimiter;
use ringside_http::ApiError;
use ringside_runtime::CallRuntime;

/// Everything a request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    directory: Arc<DirectoryStore>,
    admin_token: String,
    signing_key: SigningKey,
    key_set: KeySet,
    base_url: String,
    config: Config,
    rate_limiter: Mutex<RateLimiter>,
    data_dir: PathBuf,
    dev_mode: bool,
    calls: CallRuntime,
    outbox: ringside_runtime::outbox::Outbox,
    /// Graph access tokens already verified (SHA-256 of the token → claims, `exp`), so a bot's
    /// repeated requests skip the RSA check.
    graph_tokens: Mutex<TokenCache>,
    /// The online-meetings table, opened on first use.
    meetings: std::sync::OnceLock<Result<crate::graph::meetings::Meetings, String>>,
    /// Seconds added to the wall clock; only tests move it (see [`AppState::advance_clock_for_tests`]).
    clock_skew: std::sync::atomic::AtomicI64,
}

/// Verified Graph tokens by the SHA-256 of the token: their claims and `exp`.
type TokenCache = HashMap<[u8; 32], (Arc<ringside_identity::Claims>, i64)>;

/// What [`AppState::new`] needs.
pub(crate) struct StateParts {
    pub(crate) directory: Arc<DirectoryStore>,
    pub(crate) admin_token: String,
    pub(crate) signing_key: SigningKey,
    pub(crate) base_url: String,
    pub(crate) config: Config,
    pub(crate) data_dir: PathBuf,
    pub(crate) dev_mode: bool,
    pub(crate) calls: CallRuntime,
    pub(crate) outbox: ringside_runtime::outbox::Outbox,
}

impl AppState {
    pub(crate) fn new(parts: StateParts) -> AppState {
        let key_set = KeySet::from_signing_keys([&parts.signing_key]);
        let rate_limiter = RateLimiter::new(parts.config.rate_limit.clone());
        AppState {
            inner: Arc::new(Inner {
                directory: parts.directory,
                admin_token: parts.admin_token,
                signing_key: parts.signing_key,
                key_set,
                base_url: parts.base_url,
                config: parts.config,
                rate_limiter: Mutex::new(rate_limiter),
                data_dir: parts.data_dir,
                dev_mode: parts.dev_mode,
                calls: parts.calls,
                outbox: parts.outbox,
                graph_tokens: Mutex::new(HashMap::new()),
                meetings: std::sync::OnceLock::new(),
                clock_skew: std::sync::atomic::AtomicI64::new(0),
            }),
        }
    }

    /// The directory service (in-memory rules over the SQLite store).
    pub fn directory(&self) -> &DirectoryStore {
        &self.inner.directory
    }

    /// The platform admin token that guards `/ringside/v1`.
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    /// Public base URL without a trailing slash, e.g. `https://127.0.0.1:8443`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The server configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Whether the server runs in dev mode (no config file).
    pub fn dev_mode(&self) -> bool {
        self.inner.dev_mode
    }

    /// The call runtime (engine, media, simulated endpoints).
    pub(crate) fn calls(&self) -> &CallRuntime {
        &self.inner.calls
    }

    /// The media streaming service (live call audio to and from apps over WebSocket).
    pub fn streams(&self) -> &std::sync::Arc<ringside_runtime::streaming::StreamService> {
        self.inner.calls.streams()
    }

    /// The notification outbox (Graph notifications, ACS callbacks and events).
    /// Claims of a Graph token verified before and not yet expired at `now`.
    pub(crate) fn cached_graph_token(
        &self,
        token: &str,
        now: i64,
    ) -> Option<Arc<ringside_identity::Claims>> {
        let key: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let cache = self.inner.graph_tokens.lock().ok()?;
        cache
            .get(&key)
            .filter(|(_, exp)| *exp > now)
            .map(|(claims, _)| claims.clone())
    }

    /// Remembers a verified Graph token until its `exp` (at most 4,096 tokens; the cache starts
    /// over when full).
    pub(crate) fn remember_graph_token(&self, token: &str, claims: Arc<ringside_identity::Claims>) {
        let Some(exp) = claims.get("exp").and_then(|v| v.as_i64()) else {
            return;
        };
        let key: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        if let Ok(mut cache) = self.inner.graph_tokens.lock() {
            if cache.len() >= 4_096 {
                cache.clear();
            }
            cache.insert(key, (claims, exp));
        }
    }

    /// The online-meetings table (in `ringside.db`), opened on first use.
    pub(crate) fn meetings(&self) -> Result<&crate::graph::meetings::Meetings, ApiError> {
        self.inner
            .meetings
            .get_or_init(|| {
                crate::graph::meetings::Meetings::open(&self.inner.data_dir.join("ringside.db"))
                    .map_err(|error| error.to_string())
            })
            .as_ref()
            .map_err(|error| {
                ApiError::internal(format!("the meetings table cannot be opened: {error}"))
            })
    }

    pub(crate) fn outbox(&self) -> &ringside_runtime::outbox::Outbox {
        &self.inner.outbox
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.inner.signing_key
    }

    pub(crate) fn key_set(&self) -> &KeySet {
        &self.inner.key_set
    }

    /// Wall-clock time in unix seconds: the one place the shell reads the clock for directory commands.
    pub fn now(&self) -> i64 {
        unix_now()
            + self
                .inner
                .clock_skew
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this server's wall clock forward, so tests can see secrets and tokens expire without
    /// waiting. Not reachable over the network.
    #[doc(hidden)]
    pub fn advance_clock_for_tests(&self, seconds: i64) {
        self.inner
            .clock_skew
            .fetch_add(seconds, std::sync::atomic::Ordering::Relaxed);
    }

    /// A fresh random GUID.
    pub fn new_guid(&self) -> Guid {
        ringside_runtime::ids::new_guid()
    }

    /// `N` random bytes from the OS generator.
    pub fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut bytes = [0u8; N];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes
    }

    /// Hashes a client secret with a fresh salt, for storage.
    pub fn hash_secret(&self, secret: &str) -> String {
        let salt: [u8; 16] = self.random_bytes();
        ringside_identity::hash_secret(&salt, secret)
    }

    /// A new client secret in Entra's alphabet.
    pub fn new_client_secret(&self) -> String {
        ringside_identity::new_client_secret(&mut rand::rngs::OsRng)
    }

    /// Checks `Authorization: Bearer <admin token>`; 401 in the platform envelope otherwise.
    pub fn check_admin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = ringside_http::bearer_token(headers).ok_or_else(|| {
            ApiError::unauthorized(
                "InvalidAuthenticationToken",
                "Missing admin token: send 'Authorization: Bearer <adminToken>' (see dev.json or RINGSIDE_ADMIN_TOKEN).",
            )
        })?;
        if ringside_identity::constant_time_eq(
            presented.as_bytes(),
            self.inner.admin_token.as_bytes(),
        ) {
            Ok(())
        } else {
            Err(ApiError::unauthorized(
                "InvalidAuthenticationToken",
                "The admin token is not valid.",
            ))
        }
    }

    /// Takes one request from `key`'s budget; `Err(retry_after_secs)` when it is exhausted.
    pub(crate) fn rate_limit(&self, key: &str) -> Result<(), u64> {
        let mut limiter = match self.inner.rate_limiter.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        limiter.check(key, std::time::Instant::now())
    }
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
