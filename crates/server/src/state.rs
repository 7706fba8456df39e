//! The composition root's state: the [`Node`] every door shares, each door's state, the platform
//! API's, the web console's, the outbox, the metrics registry and the configuration.

use std::ops::Deref;
use std::sync::Arc;

use ringside_door_acs::AcsState;
use ringside_door_graph::GraphState;
use ringside_platform::{PlatformParts, PlatformState};
use ringside_runtime::Node;

use crate::config::Config;

/// The server's state. Cheap to clone; derefs to the [`Node`].
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    node: Node,
    config: Config,
    outbox: ringside_runtime::outbox::Outbox,
    platform: PlatformState,
    graph: GraphState,
    acs: AcsState,
    console: ringside_console::ConsoleState,
    metrics: crate::metrics::Metrics,
    /// Request forwarding between the nodes of a cluster (`None` on a node of its own).
    forwarder: Option<Arc<crate::forward::Forwarder>>,
}

/// What [`AppState::new`] needs.
pub(crate) struct StateParts {
    pub(crate) node: Node,
    pub(crate) admin_token: String,
    pub(crate) config: Config,
    pub(crate) outbox: ringside_runtime::outbox::Outbox,
    pub(crate) forwarder: Option<crate::forward::Forwarder>,
}

impl Deref for AppState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.inner.node
    }
}

impl AppState {
    pub(crate) fn new(parts: StateParts) -> AppState {
        let platform = PlatformState::new(PlatformParts {
            node: parts.node.clone(),
            admin_token: parts.admin_token,
            token_lifetime_secs: parts.config.token_lifetime_secs,
            rate_limit: parts.config.rate_limit.clone(),
        });
        let graph = GraphState::new(parts.node.clone(), parts.config.rate_limit.clone());
        let acs = AcsState::new(parts.node.clone());
        let console =
            ringside_console::ConsoleState::start(platform.clone()).with_deliveries(&parts.outbox);
        let metrics =
            crate::metrics::Metrics::new(parts.node.calls().metrics(), parts.outbox.metrics());
        AppState {
            inner: Arc::new(Inner {
                node: parts.node,
                config: parts.config,
                outbox: parts.outbox,
                platform,
                graph,
                acs,
                console,
                metrics,
                forwarder: parts.forwarder.map(Arc::new),
            }),
        }
    }

    /// The cluster's request forwarding, when this node shares its database with others.
    pub(crate) fn forwarder(&self) -> Option<Arc<crate::forward::Forwarder>> {
        self.inner.forwarder.clone()
    }

    /// The node (directory, call runtime, keys, base URL, clock).
    pub fn node(&self) -> &Node {
        &self.inner.node
    }

    /// The platform API's state.
    pub fn platform(&self) -> &PlatformState {
        &self.inner.platform
    }

    /// The Graph door's state.
    pub(crate) fn graph(&self) -> &GraphState {
        &self.inner.graph
    }

    /// The ACS door's state.
    pub(crate) fn acs(&self) -> &AcsState {
        &self.inner.acs
    }

    /// The web console's state.
    pub(crate) fn console(&self) -> &ringside_console::ConsoleState {
        &self.inner.console
    }

    /// The platform admin token that guards `/ringside/v1`.
    pub fn admin_token(&self) -> &str {
        self.inner.platform.admin_token()
    }

    /// Hashes a client secret with a fresh salt, for storage (as the platform API does).
    pub fn hash_secret(&self, secret: &str) -> String {
        self.inner.platform.hash_secret(secret)
    }

    /// The server configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The `/metrics` registry.
    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    /// The notification outbox (Graph notifications, ACS callbacks and events).
    pub(crate) fn outbox(&self) -> &ringside_runtime::outbox::Outbox {
        &self.inner.outbox
    }
}
