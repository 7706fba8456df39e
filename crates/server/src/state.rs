//! The composition root's state: the [`Node`] every door shares, the platform API's own (admin token,
//! config, the token endpoint's rate limiter), the outbox, and each door's state.

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use ringside_http::{ApiError, RateLimiter};
use ringside_runtime::Node;

use crate::config::Config;
use ringside_door_graph::GraphState;

/// Everything the platform API's handlers reach, and the doors' states. Cheap to clone; derefs to
/// the [`Node`].
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    node: Node,
    admin_token: String,
    config: Config,
    rate_limiter: Mutex<RateLimiter>,
    outbox: ringside_runtime::outbox::Outbox,
    graph: GraphState,
    acs: ringside_door_acs::AcsState,
}

/// What [`AppState::new`] needs.
pub(crate) struct StateParts {
    pub(crate) node: Node,
    pub(crate) admin_token: String,
    pub(crate) config: Config,
    pub(crate) outbox: ringside_runtime::outbox::Outbox,
}

impl Deref for AppState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.inner.node
    }
}

impl AppState {
    pub(crate) fn new(parts: StateParts) -> AppState {
        let rate_limiter = RateLimiter::new(parts.config.rate_limit.clone());
        let graph = GraphState::new(parts.node.clone(), parts.config.rate_limit.clone());
        let acs = ringside_door_acs::AcsState::new(parts.node.clone());
        AppState {
            inner: Arc::new(Inner {
                node: parts.node,
                admin_token: parts.admin_token,
                config: parts.config,
                rate_limiter: Mutex::new(rate_limiter),
                outbox: parts.outbox,
                graph,
                acs,
            }),
        }
    }

    /// The node (directory, call runtime, keys, base URL, clock).
    pub fn node(&self) -> &Node {
        &self.inner.node
    }

    /// The Graph door's state.
    pub(crate) fn graph(&self) -> &GraphState {
        &self.inner.graph
    }

    /// The ACS door's state.
    pub(crate) fn acs(&self) -> &ringside_door_acs::AcsState {
        &self.inner.acs
    }

    /// The platform admin token that guards `/ringside/v1`.
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    /// The server configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The notification outbox (Graph notifications, ACS callbacks and events).
    pub(crate) fn outbox(&self) -> &ringside_runtime::outbox::Outbox {
        &self.inner.outbox
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
