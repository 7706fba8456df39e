//! The Graph door's shared state: the node (directory, call runtime, keys, base URL), the per-app
//! rate limiter and the cache of verified access tokens.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use sha2::Digest as _;

use ringside_http::{RateLimitConfig, RateLimiter};
use ringside_runtime::Node;

/// Verified Graph tokens by the SHA-256 of the token: their claims and `exp`.
type TokenCache = HashMap<[u8; 32], (Arc<ringside_identity::Claims>, i64)>;

/// What the Graph door's handlers reach. Cheap to clone; derefs to the [`Node`].
#[derive(Clone)]
pub struct GraphState {
    inner: Arc<Inner>,
}

struct Inner {
    node: Node,
    rate_limiter: Mutex<RateLimiter>,
    /// Graph access tokens already verified, so a bot's repeated requests skip the RSA check.
    tokens: Mutex<TokenCache>,
}

impl Deref for GraphState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.inner.node
    }
}

impl GraphState {
    /// The door's state on `node`, limiting each app to `rate_limit`.
    pub fn new(node: Node, rate_limit: RateLimitConfig) -> GraphState {
        GraphState {
            inner: Arc::new(Inner {
                node,
                rate_limiter: Mutex::new(RateLimiter::new(rate_limit)),
                tokens: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Claims of a Graph token verified before and not yet expired at `now`.
    pub(crate) fn cached_graph_token(
        &self,
        token: &str,
        now: i64,
    ) -> Option<Arc<ringside_identity::Claims>> {
        let key: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let cache = self.inner.tokens.lock().ok()?;
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
        if let Ok(mut cache) = self.inner.tokens.lock() {
            if cache.len() >= 4_096 {
                cache.clear();
            }
            cache.insert(key, (claims, exp));
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
